/*
 * palloc.h - physical page allocator over the loader's memory map: usable
 * RAM from 1 MiB to 4 GiB (the identity-mapped range), less the image.
 * Safe from trap context on one CPU with interrupts off (the #PF handler
 * of the NMI tests allocates page tables); not yet SMP-safe.
 */
#ifndef IRQLAB_MEM_PALLOC_H
#define IRQLAB_MEM_PALLOC_H

#include <stdint.h>
#include "boot/bootinfo.h"

struct palloc_stats {
	uint64_t pages_allocated;	/* total handed out since boot */
	uint64_t pages_in_use;
	uint64_t highest_end;		/* one past the highest byte handed out */
	uint64_t bytes_usable;		/* what the allocator could hand out */
};

void palloc_init(const struct boot_info *bi, uint64_t image_start, uint64_t image_end);
uint64_t palloc_page(void);	/* zeroed 4 KiB page, 0 when out of memory */
void pfree_page(uint64_t phys);
struct palloc_stats palloc_stats(void);

#endif
