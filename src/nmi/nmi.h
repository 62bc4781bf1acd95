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
 *
 * Run one with nmi_source_start()/nmi_source_stop() (not ->start/->stop
 * directly): they mark it active, so nmi_handle() asks it, reset the
 * counters and measure the achieved rate.
 *
 * Late NMIs. An NMI carries no source identity, and a handler that reads
 * "what happened since last time" can service an event whose own NMI is
 * still to come: the event was signalled after this NMI was taken (its
 * NMI is latched behind this one until iret), or it was counted before
 * it was signalled (an IPI counted before its ICR write; a period a
 * time-based source counts before the emulated hardware raises its edge).
 * A source then finds nothing new in that NMI. nmi_claim() records how
 * many such NMIs may still follow (`late_credit`); nmi_claim_late() lets
 * the source claim one of them under its `late` rule:
 *
 *  - NMI_LATE_LATCHED: the credit is for an NMI latched by the CPU while
 *    the claiming run had NMIs blocked. The CPU holds one pending NMI and
 *    delivers it as soon as NMIs are unblocked, before any other
 *    instruction: it interrupts the same RIP as the run that left the
 *    credit (Linux's default_do_nmi() uses the same test, regs->ip ==
 *    last_nmi_rip, for its swallow_nmi). So the credit holds for the very
 *    next NMI, if it is back-to-back, and for no other; no clock involved,
 *    however long a preempted vCPU took. Exact whenever the source's
 *    status can only show an event after its NMI has been signalled.
 *  - NMI_LATE_SOURCE: the source's handle() only asks when its own state
 *    shows an NMI still to be sent (ipi and self: the event counted, the
 *    ICR write not done, and this NMI interrupted the sender); no clock.
 *  - NMI_LATE_TIMED: within the late window of the last claim (or
 *    back-to-back, with late_b2b). For sources whose NMIs can lag behind
 *    their status by an unbounded time (an emulator's timer), where the
 *    hardware offers nothing better; weak on a loaded host.
 *
 * Every late claim is counted (late_nmis); a source never claims more
 * NMIs than its credit allows, and a late claim counts only when no source
 * had a real event (nmi.c), so a foreign NMI is reported as unknown unless
 * it falls under such a rule.
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
	/* Stop the hardware, let NMIs already on their way arrive
	 * (nmi_drain()), and set `raised` to its final value. */
	void (*stop)(void);
	/* NMI context: if this source has an event pending, service it
	 * (acknowledge, re-arm), account it with nmi_claim() and return
	 * true; otherwise return nmi_claim_late(). */
	bool (*handle)(void);
	uint64_t raised, handled;	/* accounting at the source */
	uint64_t achieved_rate_hz;	/* handled events per second, last run */

	/* Set in the definition: the source cannot recognise its own NMIs
	 * (host-injected), so it is asked only when no other source claimed
	 * the NMI. */
	bool fallback;
	/* Set in the definition (or by ->start, before its hardware runs):
	 * which late NMIs nmi_claim_late() accepts (see "Late NMIs"). */
	enum nmi_late {
		NMI_LATE_TIMED,
		NMI_LATE_LATCHED,
		NMI_LATE_SOURCE,
	} late;
	/* NMI_LATE_TIMED: how long after a claim a late NMI may still come
	 * (0: NMI_LATE_WINDOW_US), and whether a back-to-back late NMI is
	 * claimed outside the window too. */
	uint32_t late_window_us;
	bool late_b2b;

	/* Kept by nmi.c; read-only for everyone else. */
	volatile bool active;		/* between nmi_source_start and _stop */
	uint64_t requested_rate_hz;
	uint64_t nmis;			/* NMIs this source claimed */
	uint64_t late_nmis;		/* of which through nmi_claim_late() */
	uint64_t late_credit;		/* NMIs that may still follow */
	uint64_t late_run;		/* nmi_handle_count of the claiming run */
	uint64_t last_claim_tsc, late_window_tsc;
	uint64_t start_tsc, stop_tsc;
	uint64_t nmi_rate_hz;		/* claimed NMIs per second, last run */
};

#define NMI_SOURCE(var)								\
	static struct nmi_source *const nmi_source_ptr_##var			\
	__attribute__((used, section(".nmi_sources"), aligned(8))) = &var

/* A field written in NMI context, read once in normal context. */
#define NMI_READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define NMI_WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/* Default: how long after a claim a late NMI may still be claimed. */
#define NMI_LATE_WINDOW_US	5000
/* How long stop() waits for NMIs already on their way (nmi_drain). */
#define NMI_DRAIN_US		2000

/* Iterate registered sources. */
struct nmi_source *nmi_source_first(void);
struct nmi_source *nmi_source_next(struct nmi_source *s);
struct nmi_source *nmi_source_find(const char *name);

/*
 * Normal context. start: reset the counters, mark the source active (its
 * handle() may run from the moment ->start begins programming hardware),
 * call ->start. -1 with a message if it is already active or ->start
 * fails. stop: ->stop, then inactive, then the rates of the run.
 */
int nmi_source_start(struct nmi_source *s, uint64_t rate_hz, char *err, size_t errlen);
void nmi_source_stop(struct nmi_source *s);

/* Normal context: wait NMI_DRAIN_US so NMIs raised before a source's
 * hardware was masked are delivered (and claimed) before stop() counts. */
void nmi_drain(void);

/*
 * NMI context, from a source's handle(). nmi_claim: the source found and
 * serviced `events` events (0 is allowed when the hardware says the NMI is
 * its own but no new event is counted); `late_credit` NMIs may still
 * follow for them (usually 1: one NMI can be latched behind this one).
 * Returns true. nmi_claim_late: the source found nothing new; claims the
 * NMI if credit is left within the window, else returns false.
 */
bool nmi_claim(struct nmi_source *s, uint64_t events, uint64_t late_credit);
bool nmi_claim_late(struct nmi_source *s);
/* NMI context: the source serviced `events` events, but its hardware
 * shows that none of them has signalled its NMI yet: they count as
 * handled, this NMI is not claimed (their NMIs will be, when they come). */
void nmi_serviced(struct nmi_source *s, uint64_t events);

/* The C body of every NMI entry: asks each started source in turn (the
 * fallback ones only if nobody else claimed); an NMI nobody claims is
 * counted as unknown. Returns the number of sources that claimed it.
 * General registers only (src/nmi is GPR-only); no printf.
 * nmi_handle_at: the same, given the RIP the NMI interrupted (the
 * outermost NMI's saved RIP, also for a repeat), so back-to-back NMIs are
 * recognised; nmi_handle() is nmi_handle_at() with the RIP unknown. */
unsigned nmi_handle_at(uint64_t interrupted_rip);
unsigned nmi_handle(void);
/* NMI context, for sources: is the NMI being handled back-to-back with
 * the previous one (same interrupted RIP)? False when the RIP is unknown. */
bool nmi_back_to_back(void);
extern volatile uint64_t nmi_unknown_count;

/* For trap_set_handler(VEC_NMI, nmi_trap_handler): nmi_handle() behind
 * the generic entry path (entry.S: IST1, plain iret), for tests that need
 * NMIs dispatched while no NMI-entry strategy owns the gate. */
struct trap_frame;
void nmi_trap_handler(struct trap_frame *f);
extern volatile uint64_t nmi_handle_count;	/* every nmi_handle() call */

/*
 * What one run of the body found, kept for the last NMI_RUN_HISTORY runs
 * and looked up by the run's nmi_handle_count. For negative controls that
 * send an NMI no source caused and must tell apart a source taking it by
 * mistake (NMI_RUN_LATE: only a late claim) from the CPU merging it with
 * a source's NMI that was signalled at the same moment (NMI_RUN_EVENT: a
 * source saw its hardware's event; nothing can then tell the two apart).
 */
enum nmi_run_kind {
	NMI_RUN_GONE,		/* not run yet, or overwritten since */
	NMI_RUN_EVENT,		/* a source found its hardware's event */
	NMI_RUN_LATE,		/* claimed by late credit only */
	NMI_RUN_UNKNOWN,	/* nobody claimed it */
};
#define NMI_RUN_HISTORY		16
/* Normal context. */
enum nmi_run_kind nmi_run_kind(uint64_t run);

#endif
