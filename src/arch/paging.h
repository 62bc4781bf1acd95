/*
 * paging.h - the live page tables. The boot code identity-maps 0-4 GiB
 * with 2 MiB pages; these helpers split them on demand, so any page can be
 * unmapped, remapped or given other attributes one 4 KiB page at a time.
 * Every change is followed by invlpg of the page it touched.
 *
 * VM_TEST_BASE is a 1 GiB window that is not identity mapped: tests map
 * and unmap pages there freely (demand faults, TLB experiments).
 */
#ifndef IRQLAB_ARCH_PAGING_H
#define IRQLAB_ARCH_PAGING_H

#include "arch/pagetable.h"

#define VM_TEST_BASE	0x0000010000000000ull	/* 1 TiB, PML4 slot 2 */
#define VM_TEST_SIZE	HUGE_1G

void paging_init(void);
struct pt_ctx *paging_kernel(void);
int map_page(uint64_t va, uint64_t pa, uint64_t flags);
int unmap_page(uint64_t va);
int page_set_attrs(uint64_t va, uint64_t set, uint64_t clear);
bool virt_to_phys(uint64_t va, uint64_t *pa);
/* Make [pa, pa+len) uncached in the identity map (device registers). */
int map_mmio(uint64_t pa, uint64_t len);
const char *pt_strerror(int err);

#endif
