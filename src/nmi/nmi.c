/*
 * nmi.c - the registry of NMI sources and the dispatch body every
 * NMI-entry strategy calls (nmi.h).
 *
 * One CPU runs irqlab's NMI code, so the counters need no atomics: an NMI
 * handler runs to completion before the interrupted code continues, and
 * each counter is written in one context only (NMI context for handled,
 * nmis, late_*; normal or IRQ context for raised). Normal context reads
 * NMI-written fields with NMI_READ_ONCE.
 */
#include "nmi/nmi.h"
#include "arch/cpu.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include "arch/tsc_calc.h"
#include <stdio.h>

extern struct nmi_source *const __nmi_sources_start[], *const __nmi_sources_end[];

volatile uint64_t nmi_unknown_count;
volatile uint64_t nmi_handle_count;

/* The previous NMI's interrupted RIP (0: unknown), and whether the
 * current one interrupted the same. */
static uint64_t last_rip;
static bool back_to_back;

static size_t n_sources(void)
{
	return (size_t)(__nmi_sources_end - __nmi_sources_start);
}

struct nmi_source *nmi_source_first(void)
{
	return n_sources() ? __nmi_sources_start[0] : NULL;
}

struct nmi_source *nmi_source_next(struct nmi_source *s)
{
	for (size_t i = 0; i + 1 < n_sources(); i++)
		if (__nmi_sources_start[i] == s)
			return __nmi_sources_start[i + 1];
	return NULL;
}

static bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

struct nmi_source *nmi_source_find(const char *name)
{
	for (size_t i = 0; i < n_sources(); i++)
		if (same_name(__nmi_sources_start[i]->name, name))
			return __nmi_sources_start[i];
	return NULL;
}

int nmi_source_start(struct nmi_source *s, uint64_t rate_hz, char *err, size_t errlen)
{
	if (s->active) {
		snprintf(err, errlen, "NMI source %s is already running", s->name);
		return -1;
	}
	/* ns_to_tsc here, in normal context, not in nmi_claim_late. */
	s->late_window_tsc = ns_to_tsc((s->late_window_us ? s->late_window_us :
					NMI_LATE_WINDOW_US) * 1000ull);
	s->raised = s->handled = 0;
	s->nmis = s->late_nmis = s->late_credit = s->late_run = 0;
	s->achieved_rate_hz = s->nmi_rate_hz = 0;
	s->requested_rate_hz = rate_hz;
	s->last_claim_tsc = s->stop_tsc = 0;
	/* Active first: the hardware may raise an NMI while ->start is
	 * still programming it, and that NMI must find its source. */
	barrier();
	s->active = true;
	barrier();
	if (s->start(rate_hz, err, errlen) < 0) {
		s->active = false;
		return -1;
	}
	/* The run starts when the hardware does: ->start may take a while
	 * (the PIT sources measure their clock first). */
	s->start_tsc = rdtsc_ordered();
	return 0;
}

void nmi_source_stop(struct nmi_source *s)
{
	uint64_t ns;

	if (!s->active)
		return;
	s->stop();
	barrier();
	s->active = false;
	barrier();
	s->stop_tsc = rdtsc_ordered();
	ns = tsc_to_ns(s->stop_tsc - s->start_tsc);
	s->achieved_rate_hz = mul_div_round_u64(NMI_READ_ONCE(s->handled), NS_PER_SEC, ns);
	s->nmi_rate_hz = mul_div_round_u64(NMI_READ_ONCE(s->nmis), NS_PER_SEC, ns);
}

void nmi_drain(void)
{
	udelay(NMI_DRAIN_US);
}

/* Per NMI (the body is not reentrant): did a source claim it outright,
 * and which source would take it as a late NMI otherwise. A late claim
 * counts only when no source had a real event: otherwise a source with
 * credit would swallow an NMI that belongs to a later event of its own,
 * whose NMI then turns up unknown. */
static bool real_claim;
static struct nmi_source *late_candidate;

/* Written by the body only; a slot is reused after NMI_RUN_HISTORY runs. */
static struct {
	uint64_t run;
	enum nmi_run_kind kind;
} run_history[NMI_RUN_HISTORY];

enum nmi_run_kind nmi_run_kind(uint64_t run)
{
	unsigned i = (unsigned)(run % NMI_RUN_HISTORY);
	enum nmi_run_kind k;

	/* An NMI between the reads may reuse the slot: check the run
	 * number again after reading the kind. */
	if (run == 0 || NMI_READ_ONCE(run_history[i].run) != run)
		return NMI_RUN_GONE;
	k = NMI_READ_ONCE(run_history[i].kind);
	return NMI_READ_ONCE(run_history[i].run) == run ? k : NMI_RUN_GONE;
}

bool nmi_claim(struct nmi_source *s, uint64_t events, uint64_t late_credit)
{
	real_claim = true;
	s->handled += events;
	s->nmis++;
	s->late_credit = late_credit;
	s->late_run = nmi_handle_count;
	s->last_claim_tsc = rdtsc();
	return true;
}

void nmi_serviced(struct nmi_source *s, uint64_t events)
{
	s->handled += events;
}

bool nmi_claim_late(struct nmi_source *s)
{
	if (!s->late_credit)
		return false;
	switch (s->late) {
	case NMI_LATE_LATCHED:
		/* The CPU's one pending NMI comes next, at the same RIP;
		 * any later NMI, or one that is not back-to-back, was not
		 * latched during the claiming run. */
		if (!back_to_back || s->late_run + 1 != nmi_handle_count) {
			s->late_credit = 0;
			return false;
		}
		break;
	case NMI_LATE_SOURCE:
		break;
	case NMI_LATE_TIMED:
	default:
		/* A latched NMI comes right after the iret, with the same RIP,
		 * however long a preempted vCPU took to get there. Any other
		 * late NMI must come within the window. */
		if (!(s->late_b2b && back_to_back) &&
		    rdtsc() - s->last_claim_tsc > s->late_window_tsc) {
			s->late_credit = 0;
			return false;
		}
		break;
	}
	if (!late_candidate)
		late_candidate = s;
	return true;
}

bool nmi_back_to_back(void)
{
	return back_to_back;
}

unsigned nmi_handle(void)
{
	return nmi_handle_at(0);
}

/*
 * Every started source is asked, not just the first that claims: two
 * sources' NMIs that arrive while NMIs are blocked collapse into one, and
 * both must service their events in it. Not reentrant: the entry
 * strategies run one body at a time (naive, the negative control, does
 * not, and then the sources' state is as unprotected as its frame).
 */
unsigned nmi_handle_at(uint64_t interrupted_rip)
{
	struct nmi_source *const *p;
	unsigned claimed = 0;

	nmi_handle_count++;
	back_to_back = interrupted_rip && interrupted_rip == last_rip;
	last_rip = interrupted_rip;
	real_claim = false;
	late_candidate = NULL;
	for (p = __nmi_sources_start; p < __nmi_sources_end; p++)
		if ((*p)->active && !(*p)->fallback && (*p)->handle())
			claimed++;
	if (!claimed)
		for (p = __nmi_sources_start; p < __nmi_sources_end; p++)
			if ((*p)->active && (*p)->fallback && (*p)->handle())
				claimed++;
	if (!real_claim && late_candidate) {
		late_candidate->late_credit--;
		late_candidate->nmis++;
		late_candidate->late_nmis++;
	}
	if (!claimed)
		nmi_unknown_count++;
	run_history[nmi_handle_count % NMI_RUN_HISTORY].run = nmi_handle_count;
	run_history[nmi_handle_count % NMI_RUN_HISTORY].kind =
		real_claim ? NMI_RUN_EVENT : claimed ? NMI_RUN_LATE : NMI_RUN_UNKNOWN;
	return claimed;
}

void nmi_trap_handler(struct trap_frame *f)
{
	nmi_handle_at(f->rip);
}
