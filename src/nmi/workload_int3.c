/*
 * workload_int3.c - planted breakpoints (workload.h, int3_sites.S).
 *
 * Planting writes int3 over the first byte of a 3-byte `incq %rax`; the
 * #BP handler emulates that increment and resumes after it, the way a
 * kprobe or jump-label patcher handles a breakpoint it planted. A result
 * of x + 1 proves the breakpoint was taken and handled exactly once.
 */
#include "nmi/workload.h"
#include "arch/cpu.h"
#include "arch/traps.h"

#define INT3		0xcc
#define SITE_LEN	3		/* incq %rax: 48 ff c0 */
#define SITE_BYTE0	0x48

extern uint64_t wl_int3_fn_normal(uint64_t x) __attribute__((weak));
extern uint64_t wl_int3_fn_nmi(uint64_t x) __attribute__((weak));
extern uint8_t wl_int3_site_normal[] __attribute__((weak));
extern uint8_t wl_int3_site_nmi[] __attribute__((weak));

bool wl_int3_linked(void)
{
	return wl_int3_fn_normal && wl_int3_fn_nmi && wl_int3_site_normal && wl_int3_site_nmi;
}

/* Code written through a data store: CPUID serialises, so no stale
 * prefetched bytes of the old instruction run (SDM vol. 3, 8.1.3). */
static void sync_core(void)
{
	(void)cpuid(0);
}

static void poke(volatile uint8_t *site, uint8_t v)
{
	*site = v;
	sync_core();
}

void wl_int3_plant(void)
{
	poke(wl_int3_site_normal, INT3);
	poke(wl_int3_site_nmi, INT3);
	wl.bp_normal = wl.bp_nmi = 0;
}

void wl_int3_unplant(void)
{
	poke(wl_int3_site_normal, SITE_BYTE0);
	poke(wl_int3_site_nmi, SITE_BYTE0);
}

uint64_t wl_int3_normal(uint64_t x)
{
	return wl_int3_fn_normal(x);
}

uint64_t wl_int3_in_nmi(uint64_t x)
{
	return wl_int3_fn_nmi(x);
}

void wl_bp_handler(struct trap_frame *f)
{
	/* int3 is a trap: RIP is the byte after it. */
	uint64_t site = f->rip - 1;
	bool in_nmi;

	if (site == (uintptr_t)wl_int3_site_normal)
		in_nmi = false;
	else if (site == (uintptr_t)wl_int3_site_nmi)
		in_nmi = true;
	else
		trap_unhandled(f);
	if (in_nmi) {
		wl.bp_nmi++;
		if (wl.nmi_exception)
			wl.nmi_exception();
	} else {
		wl.bp_normal++;
	}
	f->rax++;			/* the replaced incq %rax */
	f->rip = site + SITE_LEN;
}
