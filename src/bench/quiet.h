/*
 * quiet.h - keep interrupts that are not part of a benchmark away from the
 * CPU while it measures, without cli (image only).
 *
 * nanoBench's reason for not relying on IF alone: an interrupt that is
 * pending but masked by IF=0 can slow retirement on some cores, and a body
 * that executes sti would take it in the middle of the measurement. So
 * the sources are silenced where they start: every LVT entry of the local
 * APIC is masked (timer, LINT0/1, error, PMC, thermal, CMCI) and the timer
 * stopped, so local sources never raise anything; TPR goes to 0xf0, so an
 * external or inter-processor interrupt stays in the IRR and is never
 * offered to the core. NMI, SMI and INIT cannot be masked; the statistics
 * (median, trimmed mean) are what keep a rare one out of the figures.
 */
#ifndef IRQLAB_BENCH_QUIET_H
#define IRQLAB_BENCH_QUIET_H

#include <stdbool.h>
#include <stdint.h>

struct apic_quiet_state {
	bool saved;
	uint32_t tpr, timer, tmict, tmcct, tdcr, lint0, lint1, error, pmc, therm, cmci;
	uint64_t deadline;		/* IA32_TSC_DEADLINE, deadline mode only */
	unsigned max_lvt;
};

/* Save every LVT entry, the timer and TPR into s, then silence them. */
void apic_quiet_begin(struct apic_quiet_state *s);
/* Put back what apic_quiet_begin found. A running one-shot timer resumes
 * with the count it had left (the measurement's time is added to its
 * delay); a periodic one restarts its period (its phase is lost). */
void apic_quiet_end(struct apic_quiet_state *s);

#endif
