/*
 * nmi.h - NMI sources and the C body every NMI-entry strategy calls.
 *
 * A source programs some hardware to raise NMIs (PMU overflow, HPET
 * comparator over FSB/MSI, I/O APIC redirection entry, LINT0/1, an IPI,
 * the host's monitor) and, in NMI context, claims the NMIs it caused.
 * Accounting is at the source: `raised` counts events the hardware was
 * made to signal (overflows, periods, IPIs sent), `handled` the ones the
 * handler serviced. Nested NMIs legitimately collapse (the CPU latches at
 * most one while NMIs are blocked), so the torture test compares the two
 * with that rule, not NMI entries against raised events.
 *
 * Sources register themselves where they are written:
 *	NMI_SOURCE(hpet_msi_source);
 */
#ifndef IRQLAB_NMI_NMI_H
#define IRQLAB_NMI_NMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nmi_source {
	const char *name;		/* "pmu", "hpet", "ioapic", "lint", "ipi", "host" */
	/* Usable on this machine? If not, why (printed as SKIP). */
	bool (*probe)(char *why, size_t whylen);
	/* Start raising NMIs at about rate_hz; 0 or -1 with a message. */
	int (*start)(uint64_t rate_hz, char *err, size_t errlen);
	void (*stop)(void);
	/* NMI context: if this source has an event pending, service it
	 * (acknowledge, re-arm), count it as handled and return true. */
	bool (*handle)(void);
	uint64_t raised, handled;	/* accounting at the source */
	uint64_t achieved_rate_hz;	/* measured over the last run */
};

#define NMI_SOURCE(var)								\
	static struct nmi_source *const nmi_source_ptr_##var			\
	__attribute__((used, section(".nmi_sources"), aligned(8))) = &var

/* Iterate registered sources. */
struct nmi_source *nmi_source_first(void);
struct nmi_source *nmi_source_next(struct nmi_source *s);
struct nmi_source *nmi_source_find(const char *name);

/* The C body of every NMI entry: asks each started source in turn;
 * an NMI nobody claims is counted as unknown. Returns the number of
 * sources that claimed it. General registers only (src/nmi is GPR-only). */
unsigned nmi_handle(void);
extern volatile uint64_t nmi_unknown_count;

#endif
