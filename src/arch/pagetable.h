/*
 * pagetable.h - 4-level x86-64 page tables as data. Pure: memory is reached
 * through the context's p2v() and pages come from its alloc(), so the host
 * tests run the same code on simulated physical memory. TLB maintenance is
 * the caller's (paging.c): these functions say which address changed.
 */
#ifndef IRQLAB_ARCH_PAGETABLE_H
#define IRQLAB_ARCH_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_A		(1ull << 5)
#define PTE_D		(1ull << 6)
#define PTE_PS		(1ull << 7)	/* in PDPTE/PDE: 1 GiB / 2 MiB page */
#define PTE_G		(1ull << 8)
#define PTE_PAT_4K	(1ull << 7)	/* in a PTE */
#define PTE_PAT_LARGE	(1ull << 12)	/* in a 2 MiB / 1 GiB entry */
#define PTE_NX		(1ull << 63)
#define PTE_ADDR	0x000ffffffffff000ull
/* Attribute bits a caller may set or clear on a leaf. */
#define PTE_ATTRS	(PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

#define PAGE_SIZE	4096ull
#define LARGE_2M	(1ull << 21)
#define HUGE_1G		(1ull << 30)

enum pt_error {
	PT_OK = 0,
	PT_NOMEM = -1,		/* alloc() failed */
	PT_NONCANONICAL = -2,	/* bits 63:47 not a sign extension */
	PT_NOT_MAPPED = -3,
	PT_UNALIGNED = -4,
};

struct pt_ctx {
	uint64_t root;					/* PML4, physical */
	void *(*p2v)(void *ctx, uint64_t phys);		/* a whole page */
	uint64_t (*alloc)(void *ctx);			/* zeroed page, 0 = none */
	void *ctx;
};

/* Map one 4 KiB page; a 2 MiB or 1 GiB page in the way is split first
 * (the rest of it keeps its mapping and attributes). */
int pt_map(struct pt_ctx *pt, uint64_t va, uint64_t pa, uint64_t flags);
/* Remove one 4 KiB mapping (splitting a large page first). */
int pt_unmap(struct pt_ctx *pt, uint64_t va);
/* Change attribute bits of the 4 KiB page at va (splitting if needed). */
int pt_protect(struct pt_ctx *pt, uint64_t va, uint64_t set, uint64_t clear);
/* Walk: physical address, leaf flags and level (1 = 4K, 2 = 2M, 3 = 1G). */
bool pt_translate(const struct pt_ctx *pt, uint64_t va, uint64_t *pa,
		  uint64_t *flags, unsigned *level);
/* Pointer to the entry at `level` (4 = PML4E ... 1 = PTE) for va, or NULL
 * if a table above it is missing. For the lazy-fill and unmap tests. */
uint64_t *pt_entry(const struct pt_ctx *pt, uint64_t va, unsigned level);
bool pt_canonical(uint64_t va);

#endif
