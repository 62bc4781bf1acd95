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
 * still on its way: the event fired after this NMI was taken (its NMI is
 * latched behind this one until iret), or a time-based source counted a
 * period whose edge the (emulated) hardware raises a little later. A
 * source then finds nothing new in that NMI. nmi_claim() records how many
 * such NMIs may still follow (`late_credit`); nmi_claim_late() lets the
 * source claim one of them, but only within its late window of its last
 * claim. Every late claim is counted (late_nmis); a source never claims
 * more NMIs than its credit allows, so a foreign NMI is reported as
 * unknown unless it lands in that window while credit is left.
 *
 * Back-to-back NMIs. A latched NMI is delivered as soon as the previous
 * NMI's iret has executed, before any other instruction: it interrupts the
 * same RIP as the previous one (Linux's default_do_nmi() uses the same
 * test, regs->ip == last_nmi_rip). Entry code that passes the interrupted
 * RIP (nmi_handle_at) lets a source whose late NMIs are mostly latched
 * ones (late_b2b) claim those whenever they come, however long a
 * preempted vCPU took; its other late NMIs (an emulator that updates the
 * source's status before it sends the interrupt) still need the window.
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
	/* Set in the definition: how long after a claim a late NMI may
	 * still come (0: NMI_LATE_WINDOW_US). Short windows absorb fewer
	 * foreign NMIs; long ones survive a loaded host. */
	uint32_t late_window_us;
	/* Set in the definition: this source's late NMIs are usually ones
	 * latched behind the NMI that serviced their event; a back-to-back
	 * late NMI is claimed outside the window too. */
	bool late_b2b;

	/* Kept by nmi.c; read-only for everyone else. */
	volatile bool active;		/* between nmi_source_start and _stop */
	uint64_t requested_rate_hz;
	uint64_t nmis;			/* NMIs this source claimed */
	uint64_t late_nmis;		/* of which through nmi_claim_late() */
	uint64_t late_credit;		/* NMIs that may still follow */
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

#endif
