/*
 * quiet.c - mask the local APIC's interrupt sources around a measurement
 * and restore them exactly (quiet.h says why not cli).
 */
#include "bench/quiet.h"
#include "arch/apic.h"
#include "arch/cpu.h"

#define APIC_LVT_CMCI		0x2f0
/* apic_max_lvt() counts entries (max LVT index + 1). Timer, LINT0/1 and
 * error always exist; PMC from 5 entries, thermal from 6, CMCI from 7
 * (SDM vol. 3, 11.5.1). QEMU's TCG APIC has 6: no CMCI register. */
#define HAS_PMC(n)		((n) >= 5)
#define HAS_THERM(n)		((n) >= 6)
#define HAS_CMCI(n)		((n) >= 7)
#define APIC_TIMER_MODE_MASK	(3u << 17)
#define TPR_BLOCK_ALL		0xf0	/* class 15: every vector 16..255 held */

void apic_quiet_begin(struct apic_quiet_state *s)
{
	unsigned n = apic_max_lvt();

	s->max_lvt = n;
	s->tpr = apic_read(APIC_TPR);
	s->timer = apic_read(APIC_LVT_TIMER);
	s->tmict = apic_read(APIC_TMICT);
	s->tmcct = apic_read(APIC_TMCCT);
	s->tdcr = apic_read(APIC_TDCR);
	s->deadline = 0;
	if ((s->timer & APIC_TIMER_MODE_MASK) == APIC_TIMER_TSC_DEADLINE)
		s->deadline = rdmsr(MSR_IA32_TSC_DEADLINE);
	s->lint0 = apic_read(APIC_LVT_LINT0);
	s->lint1 = apic_read(APIC_LVT_LINT1);
	s->error = apic_read(APIC_LVT_ERROR);
	s->pmc = HAS_PMC(n) ? apic_read(APIC_LVT_PMC) : APIC_LVT_MASKED;
	s->therm = HAS_THERM(n) ? apic_read(APIC_LVT_THERM) : APIC_LVT_MASKED;
	s->cmci = HAS_CMCI(n) ? apic_read(APIC_LVT_CMCI) : APIC_LVT_MASKED;
	s->saved = true;

	apic_write(APIC_TPR, TPR_BLOCK_ALL);
	if (s->deadline)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);	/* disarm */
	apic_mask_all_lvt();				/* also stops the timer */
	if (HAS_CMCI(n))
		apic_write(APIC_LVT_CMCI, APIC_LVT_MASKED);
}

void apic_quiet_end(struct apic_quiet_state *s)
{
	unsigned n = s->max_lvt;

	if (!s->saved)
		return;
	apic_write(APIC_LVT_LINT0, s->lint0);
	apic_write(APIC_LVT_LINT1, s->lint1);
	apic_write(APIC_LVT_ERROR, s->error);
	if (HAS_PMC(n))
		apic_write(APIC_LVT_PMC, s->pmc);
	if (HAS_THERM(n))
		apic_write(APIC_LVT_THERM, s->therm);
	if (HAS_CMCI(n))
		apic_write(APIC_LVT_CMCI, s->cmci);
	apic_write(APIC_TDCR, s->tdcr);
	apic_write(APIC_LVT_TIMER, s->timer);
	if ((s->timer & APIC_TIMER_MODE_MASK) == APIC_TIMER_TSC_DEADLINE) {
		if (s->deadline)
			wrmsr(MSR_IA32_TSC_DEADLINE, s->deadline);
	} else if ((s->timer & APIC_TIMER_MODE_MASK) == APIC_TIMER_PERIODIC) {
		if (s->tmict)
			apic_write(APIC_TMICT, s->tmict);
	} else if (s->tmcct) {
		/* one-shot still counting; an expired one stays expired */
		apic_write(APIC_TMICT, s->tmcct);
	}
	apic_write(APIC_TPR, s->tpr);
	s->saved = false;
}
