/*
 * workload.h - the exceptions the NMI torture raises, in normal context
 * and inside the NMI body (workload_pf.c, workload_int3.c), and their
 * handlers.
 *
 * Page faults: pages in the VM_TEST_BASE window whose page-table entries
 * exist but are not present. A touch faults; the #PF handler checks CR2
 * against the address the toucher published, then makes the entry present
 * (one 8-byte store: no allocation, so it is safe from NMI context and
 * from a handler an NMI interrupted); the toucher later clears it again
 * and invalidates the TLB entry with invlpg. Normal context and the NMI
 * body use different pages.
 *
 * Lazy fill (Linus' vmalloc case, seed 001 lines 952-1036): the torture
 * runs on a second PML4 that is a copy of the kernel's; the workload
 * clears the copy's slot for the window from time to time, and the #PF
 * handler fills it again from the kernel's (reference) PML4, from NMI
 * context too.
 *
 * Breakpoints: int3 planted over the first byte of an instruction
 * (int3_sites.S); the #BP handler emulates the instruction.
 *
 * The late-CR2 reproduction device: a #PF handler that reads CR2 only
 * after an NMI has run in its window (it raises that NMI itself, through
 * the torture's "self" source, and waits for it). The NMI's own #PF
 * overwrites CR2 unless the NMI body saves and restores it (nmi_cr2=on):
 * Avi Kivity's sequence (seed 001 lines 5499-5560), made to happen on
 * every such fault instead of once in a blue moon.
 */
#ifndef IRQLAB_NMI_WORKLOAD_H
#define IRQLAB_NMI_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/paging.h"

#define WL_VA_BASE		(VM_TEST_BASE + 0x20000000ull)
#define WL_NORMAL_PAGES		8
#define WL_NMI_PAGES		4
#define WL_PAGES		(WL_NORMAL_PAGES + WL_NMI_PAGES)

struct wl_page {
	uint64_t va;
	uint64_t pte_val;		/* the present entry */
	volatile uint64_t *pte;
	uint64_t pattern;		/* first word of the page */
};

/* What a toucher expects; one for normal context, one for the NMI body. */
struct wl_expect {
	volatile uint64_t va;		/* 0: no touch in progress */
	volatile bool late;		/* use the late-CR2 device */
	volatile unsigned faults;	/* #PFs taken for this touch */
	volatile unsigned lazy;		/* of which PML4 lazy fills */
};

struct wl_state {
	struct wl_page pages[WL_PAGES];
	struct wl_expect exp_normal, exp_nmi;
	volatile bool nmi_touch;	/* the NMI body is touching */
	uint64_t kernel_cr3, torture_cr3;
	volatile uint64_t *kernel_pml4, *torture_pml4;
	unsigned lazy_slot;
	/* Counted by the handlers. */
	volatile uint64_t pf_normal, pf_nmi, lazy_fills, late_windows, late_no_nmi;
	volatile uint64_t bp_normal, bp_nmi;
	/* Set by the torture: called for a violation found by a handler. */
	void (*violation)(unsigned what, uint64_t a, uint64_t b, uint64_t c, uint64_t d);
	/* Set by the torture: raise one NMI now (the late-CR2 device). */
	void (*raise_nmi)(void);
	/* Set by the torture: an exception was taken inside the NMI body
	 * (called before it returns). */
	void (*nmi_exception)(void);
};
extern struct wl_state wl;

/* Violations the handlers report (torture.h numbers them the same). */
#define WL_V_CR2	1	/* a, b: expected, found; c: in NMI; d: RIP */
#define WL_V_PF		2	/* a: address; b: error code; c: in NMI; d: RIP */
#define WL_V_INT3	3	/* a: RIP; b: in NMI */

/* Normal context: allocate and fault the pages in once, build the second
 * PML4. 0, or -1 with a message. Teardown unmaps and frees nothing (the
 * frames stay reserved for the next run). */
int wl_pf_setup(char *err, size_t errlen);
void wl_pf_teardown(void);
void wl_cr3_torture(void);
void wl_cr3_kernel(void);
/* Touch page p (index into wl.pages) with the given expectation; returns
 * the word read. */
uint64_t wl_pf_touch(unsigned p, struct wl_expect *e, bool late);
void wl_pf_unmap(unsigned p);
void wl_lazy_clear(void);
struct trap_frame;
void wl_pf_handler(struct trap_frame *f);

/* Breakpoints. */
bool wl_int3_linked(void);
void wl_int3_plant(void);
void wl_int3_unplant(void);
uint64_t wl_int3_normal(uint64_t x);
uint64_t wl_int3_in_nmi(uint64_t x);
void wl_bp_handler(struct trap_frame *f);

#endif
