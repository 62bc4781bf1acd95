/*
 * workload_pf.c - the torture's page faults: pages that fault on every
 * touch, the lazily filled PML4 slot, the #PF handler and the late-CR2
 * reproduction device (workload.h).
 */
#include "nmi/workload.h"
#include "arch/cpu.h"
#include "arch/pagetable.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include "mem/palloc.h"
#include <stdio.h>
#include <string.h>

#define PF_ERR_PRESENT	1ull		/* error code: protection, not absence */
#define LATE_WAIT_US	2000		/* how long the device waits for its NMI */

struct wl_state wl;

static uint64_t frames[WL_PAGES];
static uint64_t torture_pml4_phys;

static struct wl_page *page_of(uint64_t va)
{
	for (unsigned i = 0; i < WL_PAGES; i++)
		if (wl.pages[i].va == va)
			return &wl.pages[i];
	return NULL;
}

int wl_pf_setup(char *err, size_t errlen)
{
	struct pt_ctx *pt = paging_kernel();

	for (unsigned i = 0; i < WL_PAGES; i++) {
		struct wl_page *p = &wl.pages[i];
		int r;

		if (!frames[i] && !(frames[i] = palloc_page())) {
			snprintf(err, errlen, "out of memory for the workload pages");
			return -1;
		}
		/* Normal pages first, then the NMI body's, one page apart so
		 * no two share a cache line of PTEs with a neighbour's use. */
		p->va = WL_VA_BASE + 2 * i * PAGE_SIZE;
		p->pattern = 0x5046000000000000ull | (p->va >> 12);
		*(volatile uint64_t *)(uintptr_t)frames[i] = p->pattern;
		/* Builds the page tables once; from then on the handlers
		 * only flip this one entry. */
		r = map_page(p->va, frames[i], PTE_W);
		if (r) {
			snprintf(err, errlen, "cannot map 0x%llx: %s",
				 (unsigned long long)p->va, pt_strerror(r));
			return -1;
		}
		p->pte = pt_entry(pt, p->va, 1);
		if (!p->pte || !(*p->pte & PTE_P)) {
			snprintf(err, errlen, "no page-table entry for 0x%llx after mapping it",
				 (unsigned long long)p->va);
			return -1;
		}
		p->pte_val = *p->pte;
		*p->pte = 0;
		invlpg(p->va);
	}

	/* The second PML4: the kernel's, copied now (the kernel's may have
	 * gained entries since the last run). */
	if (!torture_pml4_phys && !(torture_pml4_phys = palloc_page())) {
		snprintf(err, errlen, "out of memory for the second PML4");
		return -1;
	}
	wl.kernel_cr3 = read_cr3();
	wl.kernel_pml4 = (volatile uint64_t *)(uintptr_t)(wl.kernel_cr3 & PTE_ADDR);
	wl.torture_pml4 = (volatile uint64_t *)(uintptr_t)torture_pml4_phys;
	for (unsigned i = 0; i < 512; i++)
		wl.torture_pml4[i] = wl.kernel_pml4[i];
	wl.torture_cr3 = torture_pml4_phys | (wl.kernel_cr3 & ~PTE_ADDR);
	wl.lazy_slot = (unsigned)((WL_VA_BASE >> 39) & 511);
	if (!(wl.kernel_pml4[wl.lazy_slot] & PTE_P)) {
		snprintf(err, errlen, "the kernel PML4 has no entry %u for the window", wl.lazy_slot);
		return -1;
	}
	memset((void *)&wl.exp_normal, 0, sizeof(wl.exp_normal));
	memset((void *)&wl.exp_nmi, 0, sizeof(wl.exp_nmi));
	wl.nmi_touch = false;
	wl.pf_normal = wl.pf_nmi = wl.lazy_fills = wl.late_windows = wl.late_no_nmi = 0;
	return 0;
}

void wl_pf_teardown(void)
{
	wl_cr3_kernel();
	for (unsigned i = 0; i < WL_PAGES; i++) {
		if (wl.pages[i].pte) {
			*wl.pages[i].pte = 0;
			invlpg(wl.pages[i].va);
		}
	}
}

void wl_cr3_torture(void)
{
	write_cr3(wl.torture_cr3);
}

void wl_cr3_kernel(void)
{
	if (wl.kernel_cr3)
		write_cr3(wl.kernel_cr3);
}

uint64_t wl_pf_touch(unsigned p, struct wl_expect *e, bool late)
{
	uint64_t va = wl.pages[p].va, v;

	e->faults = 0;
	e->lazy = 0;
	e->late = late;
	barrier();
	e->va = va;	/* published before the access that faults */
	barrier();
	v = *(volatile uint64_t *)(uintptr_t)va;
	barrier();
	e->va = 0;
	e->late = false;
	return v;
}

void wl_pf_unmap(unsigned p)
{
	*wl.pages[p].pte = 0;
	invlpg(wl.pages[p].va);
}

void wl_lazy_clear(void)
{
	/* A not-present PML4 entry is never cached; invlpg of an address in
	 * the slot drops the paging-structure-cache entries that the
	 * present one left (SDM vol. 3, 4.10.4.1). */
	wl.torture_pml4[wl.lazy_slot] = 0;
	invlpg(wl.pages[0].va);
}

/*
 * The reproduction device. Real hardware gives an NMI a window of a few
 * dozen instructions between a #PF and the handler's read of CR2 (the
 * entry stub and trap_common, entry.S, up to trap_dispatch). This widens
 * it to "an NMI certainly runs here": raise one, and wait until it ran.
 */
static void late_window(void)
{
	uint64_t pf0 = wl.pf_nmi, end;

	wl.late_windows++;
	if (wl.raise_nmi)
		wl.raise_nmi();
	end = rdtsc() + ns_to_tsc(LATE_WAIT_US * 1000ull);
	while (wl.pf_nmi == pf0 && rdtsc() < end)
		cpu_relax();
	if (wl.pf_nmi == pf0)
		wl.late_no_nmi++;
}

void wl_pf_handler(struct trap_frame *f)
{
	bool in_nmi = wl.nmi_touch;
	struct wl_expect *e = in_nmi ? &wl.exp_nmi : &wl.exp_normal;
	uint64_t va = e->va, cr2;
	struct wl_page *pg = va ? page_of(va) : NULL;

	if (!pg || (f->error_code & PF_ERR_PRESENT))
		trap_unhandled(f);	/* not one of ours */
	if (in_nmi) {
		if (wl.nmi_exception)
			wl.nmi_exception();
	} else if (e->late) {
		late_window();
	}
	cr2 = read_cr2();
	if (in_nmi)
		wl.pf_nmi++;
	else
		wl.pf_normal++;
	e->faults++;
	if (cr2 != va && wl.violation)
		wl.violation(WL_V_CR2, va, cr2, in_nmi, f->rip);

	/* Resolve by the published address, not CR2, so a wrong CR2 (the
	 * negative control) is reported without derailing the workload. */
	if ((read_cr3() & PTE_ADDR) == torture_pml4_phys &&
	    !(wl.torture_pml4[wl.lazy_slot] & PTE_P)) {
		wl.torture_pml4[wl.lazy_slot] = wl.kernel_pml4[wl.lazy_slot];
		e->lazy++;
		wl.lazy_fills++;
		return;
	}
	if (!(*pg->pte & PTE_P)) {
		*pg->pte = pg->pte_val;
		return;
	}
	/* Nothing was missing: the fault should not have happened. */
	if (wl.violation)
		wl.violation(WL_V_PF, va, f->error_code, in_nmi, f->rip);
}
