#include "mem/palloc.h"
#include "arch/pagetable.h"
#include <string.h>

#define MAX_REGIONS	32
#define LOW_LIMIT	0x100000ull		/* below 1 MiB: BIOS, EBDA, ROMs */
#define HIGH_LIMIT	0x100000000ull		/* the identity map's end */

struct region {
	uint64_t next, end;
};

static struct region regions[MAX_REGIONS];
static unsigned n_regions, cur;
static uint64_t free_list;	/* freed pages, linked through their first word */
static struct palloc_stats stats;

static void add_region(uint64_t start, uint64_t end)
{
	start = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	end &= ~(PAGE_SIZE - 1);
	if (end <= start || n_regions == MAX_REGIONS)
		return;
	regions[n_regions].next = start;
	regions[n_regions].end = end;
	n_regions++;
	stats.bytes_usable += end - start;
}

void palloc_init(const struct boot_info *bi, uint64_t image_start, uint64_t image_end)
{
	for (unsigned i = 0; i < bi->n_mmap; i++) {
		const struct mmap_entry *m = &bi->mmap[i];
		uint64_t s = m->base, e = m->base + m->len;

		if (m->type != MMAP_AVAILABLE)
			continue;
		if (s < LOW_LIMIT)
			s = LOW_LIMIT;
		if (e > HIGH_LIMIT)
			e = HIGH_LIMIT;
		if (e <= s)
			continue;
		/* Cut the image out: it may split a region in two. */
		if (s < image_end && e > image_start) {
			add_region(s, image_start);
			add_region(image_end, e);
		} else {
			add_region(s, e);
		}
	}
}

uint64_t palloc_page(void)
{
	uint64_t p = 0;

	if (free_list) {
		p = free_list;
		free_list = *(uint64_t *)(uintptr_t)p;
	} else {
		while (cur < n_regions && regions[cur].next >= regions[cur].end)
			cur++;
		if (cur == n_regions)
			return 0;
		p = regions[cur].next;
		regions[cur].next += PAGE_SIZE;
	}
	memset((void *)(uintptr_t)p, 0, PAGE_SIZE);
	stats.pages_allocated++;
	stats.pages_in_use++;
	if (p + PAGE_SIZE > stats.highest_end)
		stats.highest_end = p + PAGE_SIZE;
	return p;
}

void pfree_page(uint64_t phys)
{
	*(uint64_t *)(uintptr_t)phys = free_list;
	free_list = phys;
	stats.pages_in_use--;
}

struct palloc_stats palloc_stats(void)
{
	return stats;
}
