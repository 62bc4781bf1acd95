#include "arch/paging.h"
#include "arch/cpu.h"
#include "mem/palloc.h"

static void *identity_p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static uint64_t kernel_alloc(void *ctx)
{
	(void)ctx;
	return palloc_page();
}

static struct pt_ctx kernel_pt = {
	.p2v = identity_p2v,
	.alloc = kernel_alloc,
};

/* The NX bit is reserved (a #PF with RSVD set) unless EFER.NXE is on. */
static uint64_t nx_bit;

void paging_init(void)
{
	kernel_pt.root = read_cr3() & PTE_ADDR;
	nx_bit = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
}

struct pt_ctx *paging_kernel(void)
{
	return &kernel_pt;
}

/*
 * Splitting a large page changes the translation structure for the whole
 * 2 MiB or 1 GiB range, not just va. The SDM (vol. 3, 4.10.4.2) asks for
 * the TLB entries of every page in the range to be invalidated; since the
 * physical mapping is unchanged, invlpg of va plus a full flush on split
 * would be the strict form. We flush everything (CR3 reload; no global
 * pages are used) whenever the structure above the leaf changed.
 */
static int after_change(uint64_t va, int r, bool split_possible)
{
	if (r)
		return r;
	if (split_possible)
		write_cr3(read_cr3());
	else
		invlpg(va);
	return r;
}

static bool is_leaf_4k(uint64_t va)
{
	unsigned level;

	return pt_translate(&kernel_pt, va, NULL, NULL, &level) && level == 1;
}

int map_page(uint64_t va, uint64_t pa, uint64_t flags)
{
	bool was_4k = is_leaf_4k(va);

	return after_change(va, pt_map(&kernel_pt, va, pa, flags), !was_4k);
}

int unmap_page(uint64_t va)
{
	bool was_4k = is_leaf_4k(va);

	return after_change(va, pt_unmap(&kernel_pt, va), !was_4k);
}

int page_set_attrs(uint64_t va, uint64_t set, uint64_t clear)
{
	bool was_4k = is_leaf_4k(va);

	return after_change(va, pt_protect(&kernel_pt, va, set, clear), !was_4k);
}

bool virt_to_phys(uint64_t va, uint64_t *pa)
{
	return pt_translate(&kernel_pt, va, pa, NULL, NULL);
}

int map_mmio(uint64_t pa, uint64_t len)
{
	uint64_t end = (pa + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	for (uint64_t p = pa & ~(PAGE_SIZE - 1); p < end; p += PAGE_SIZE) {
		/* PCD|PWT selects PAT entry 3, UC, with the power-on PAT. */
		int r = map_page(p, p, PTE_W | PTE_PCD | PTE_PWT | nx_bit);

		if (r)
			return r;
	}
	return 0;
}

const char *pt_strerror(int err)
{
	switch (err) {
	case PT_OK: return "ok";
	case PT_NOMEM: return "out of page-table memory";
	case PT_NONCANONICAL: return "non-canonical address";
	case PT_NOT_MAPPED: return "not mapped";
	case PT_UNALIGNED: return "not page aligned";
	}
	return "unknown page-table error";
}
