/*
 * torture.c - the NMI torture run (torture.h): sources on, workload in
 * normal context, in-NMI workload through the strategy body's hook,
 * invariants, watchdog, recovery.
 *
 * The "self" NMI source. The in-NMI workload needs an NMI pending at the
 * moment an exception returns, so it sends one to its own APIC ID while
 * NMIs are blocked. Those NMIs are accounted like any source's: raised
 * before the ICR write, claimed by the next body run that asks the
 * sources. So "no unknown NMIs" and "every event serviced exactly once"
 * cover them too, and the two NMIs one body run sends while blocked show
 * the CPU's one-bit latch (iretless: two events, one NMI).
 */
#include "nmi/torture_int.h"
#include "nmi/workload.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/tsc.h"
#include <stdio.h>
#include <string.h>

#define WD_VECTOR		0x5e	/* own watchdog tick when no source ticks */
#define WD_HZ			1000
#define STALL_AFTER		200	/* iterations before TC_STALL stalls */
#define CONTROL_AFTER_RUNS	50	/* body runs before a control strikes */
#define SAMPLES			4096
#define SETTLE_MS		50	/* sources run before the measured run */
#define MIN_RUN_MS		200	/* shortest run when a violation stops it */

const char *const torture_source_names[TORTURE_NSRC] = { "ipi", "hpet", "ioapic", "lint" };
const char *const torture_control_names[TC_COUNT + 1] = {
	"none", "frame", "canary", "dr7", "stall", NULL
};
const char *const torture_violation_names[V_COUNT] = {
	"frame", "cr2", "dr7", "pf", "int3", "repeat", "accounting", "unknown", "progress"
};
const char *const torture_step_names[ST_DONE + 1] = {
	"setup", "page fault", "lazy PML4 fill", "late-CR2 page fault", "int3",
	"DR7 check", "stalled on purpose", "done"
};

struct t_state T;
volatile unsigned torture_strays, torture_strays_sent;

static uint64_t s_pf_storm[SAMPLES], s_int3_storm[SAMPLES];
static uint64_t s_pf_nmi[SAMPLES], s_int3_nmi[SAMPLES];
static volatile size_t n_pf_storm, n_int3_storm, n_pf_nmi, n_int3_nmi;

/* A data breakpoint target nobody touches, alone on its page (TCG checks
 * every access to a watched page). */
static uint64_t dr_watch[512] __attribute__((aligned(4096)));
/* DR7: L0, R/W0 = 01 (writes), LEN0 = 10 (8 bytes). */
#define DR7_PATTERN	(1ull | (1ull << 16) | (2ull << 18))
#define DR7_FIXED1	(1ull << 10)

/* ---- the self source ---- */

static volatile bool self_armed, self_claimed;
/* self_nmi() calls between their count and the end of their ICR write:
 * one from normal context can be interrupted there by an NMI whose body
 * sends again (run_hook), so this is a count, not a flag. */
static volatile unsigned self_sending;
static uint32_t self_apic;

static bool self_probe(char *why, size_t len)
{
	if (apic_mode() == APIC_MODE_NONE) {
		snprintf(why, len, "no local APIC");
		return false;
	}
	return true;
}

static int self_start(uint64_t rate_hz, char *err, size_t len)
{
	(void)rate_hz;
	if (!self_probe(err, len))
		return -1;
	self_apic = apic_id();
	/* A run abandoned through the recovery point can leave a send
	 * interrupted for good. */
	self_sending = 0;
	self_armed = true;
	return 0;
}

static void self_stop(void)
{
	self_armed = false;
	nmi_drain();
}

static bool self_handle(void)
{
	struct nmi_source *s = &torture_self_source;
	uint64_t raised = NMI_READ_ONCE(s->raised);

	if (raised > s->handled) {
		self_claimed = true;
		/* A send from normal context can be overtaken: another source's
		 * NMI between the count and the ICR write services it early,
		 * and its own NMI finds nothing (nmi.h, "Late NMIs"). A body
		 * run never interrupts a send from NMI context, so
		 * self_sending counts the interrupted normal-context send. */
		return nmi_claim(s, raised - s->handled, self_sending);
	}
	return self_sending && nmi_claim_late(s);
}

struct nmi_source torture_self_source = {
	.name = "self",
	.probe = self_probe,
	.start = self_start,
	.stop = self_stop,
	.handle = self_handle,
	/* Late only while self_nmi() is between its count and its send. */
	.late = NMI_LATE_SOURCE,
};
NMI_SOURCE(torture_self_source);

void self_nmi(void)
{
	if (!self_armed)
		return;
	self_sending++;
	barrier();
	/* One instruction: an NMI cannot split the read-modify-write. */
	asm volatile("incq %0" : "+m"(torture_self_source.raised) : : "memory");
	apic_send_nmi(self_apic);
	barrier();
	self_sending--;
}

/* From NMI context: the NMI stays latched (NMIs are blocked) until some
 * iretq; remember that it has not been delivered yet. */
static void self_nmi_latched(void)
{
	T.latched_entries = nmi_cnt_entries;
	T.latched_valid = true;
	self_nmi();
}

/* ---- violations ---- */

static void record_violation(struct torture_result *r, enum torture_violation v,
			     uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	struct torture_violation_info *i = &r->v[v];

	if (i->count++ == 0) {
		i->a = a;
		i->b = b;
		i->c = c;
		i->d = d;
		i->at_iteration = T.iteration;
	}
}

/* From the handlers and the NMI hook, while a run is on. */
static void violation(enum torture_violation v, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	if (T.r)
		record_violation(T.r, v, a, b, c, d);
}

static void wl_violation(unsigned what, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	violation(what == WL_V_CR2 ? V_CR2 : what == WL_V_INT3 ? V_INT3 : V_PF, a, b, c, d);
}

static bool any_violation(void)
{
	for (unsigned v = 0; v < V_COUNT; v++)
		if (T.r->v[v].count)
			return true;
	return false;
}

/* An exception in the body: is an NMI we sent still latched? Then this
 * exception's iretq would unblock NMIs with one pending: the hazard. */
static void on_nmi_exception(void)
{
	if (T.latched_valid && nmi_cnt_entries == T.latched_entries)
		T.hazards++;
	T.latched_valid = false;
}

static void sample(uint64_t *buf, volatile size_t *n, uint64_t v)
{
	if (*n < SAMPLES)
		buf[(*n)++] = v;
}

/* ---- the in-NMI workload ---- */

static void nmi_pf(bool timed)
{
	unsigned p = WL_NORMAL_PAGES + (T.nmi_page++ % WL_NMI_PAGES);
	uint64_t t0, t1, v;

	t0 = rdtsc();
	wl.nmi_touch = true;
	v = wl_pf_touch(p, &wl.exp_nmi, false);
	wl.nmi_touch = false;
	t1 = rdtsc();
	if (v != wl.pages[p].pattern || wl.exp_nmi.lazy > 1 ||
	    wl.exp_nmi.faults != 1 + wl.exp_nmi.lazy)
		violation(V_PF, wl.pages[p].va, v, 1, wl.exp_nmi.faults);
	wl_pf_unmap(p);
	if (timed && !wl.exp_nmi.lazy)
		sample(s_pf_nmi, &n_pf_nmi, t1 - t0);
}

static void nmi_int3(bool timed)
{
	uint64_t x = T.nmi_work_runs, t0, t1, y;

	t0 = rdtsc();
	y = wl_int3_in_nmi(x);
	t1 = rdtsc();
	if (y != x + 1)
		violation(V_INT3, (uint64_t)(uintptr_t)wl_int3_in_nmi, y - x, 1, 0);
	if (timed)
		sample(s_int3_nmi, &n_int3_nmi, t1 - t0);
}

static void run_controls(struct nmi_hw_frame *frame, unsigned kind)
{
	if (T.control_done || kind != NMI_RUN_FIRST || T.nmi_work_runs < CONTROL_AFTER_RUNS)
		return;
	if (T.cfg.control == TC_FRAME) {
		/* What a nested NMI does to a naive frame, done by hand: the
		 * exit check must catch it before the iretq uses it. */
		T.control_done = true;
		frame->rip ^= 0x40;
	} else if (T.cfg.control == TC_CANARY) {
		T.control_done = true;
		((volatile uint64_t *)nmi_canary_base())[3] = 0;
	}
}

static void run_hook(struct nmi_hw_frame *frame, unsigned kind, bool claimed)
{
	bool send;
	unsigned order;

	run_controls(frame, kind);
	if (!T.cfg.nmi_work)
		return;
	T.nmi_work_runs++;
	/* Not for NMIs that were our own: that would chain NMIs forever. */
	send = !claimed;
	order = (unsigned)(T.nmi_work_runs & 1);
	if (send)
		self_nmi_latched();
	if (order)
		nmi_pf(!send);
	else
		nmi_int3(!send);
	if (send)
		self_nmi_latched();
	if (order)
		nmi_int3(!send);
	else
		nmi_pf(!send);
}

static void cost_hook(unsigned kind)
{
	/* Once per measured NMI: raise another one and fault, so the
	 * strategy's nesting path (or iretless' deferral) is in the cost. */
	if (!T.cost_nest_armed || kind != NMI_RUN_FIRST)
		return;
	T.cost_nest_armed = false;
	self_nmi();
	nmi_pf(false);
}

static void latch_hook(void)
{
	unsigned n = T.latch_sends;

	T.latch_sends = 0;
	while (n--)
		self_nmi();
}

/* Single-step five nops inside the NMI handler; tf_db counts the traps. */
static void tf_hook(void)
{
	uint64_t base;

	if (!T.tf_armed)
		return;
	T.tf_armed = false;
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"	/* TF */
		     "popfq\n"
		     /* The first trap comes after the instruction that follows
		      * the popf that set TF. */
		     "1:\tnop\n\tnop\n\tnop\n\tnop\n\tnop"
		     : "=&r"(base) : : "memory", "cc");
	T.tf_base = base;
}

static void nmi_hook(struct nmi_hw_frame *frame, unsigned kind)
{
	bool claimed = self_claimed;

	self_claimed = false;
	switch (T.phase) {
	case PH_RUN:
		run_hook(frame, kind, claimed);
		break;
	case PH_COST:
		cost_hook(kind);
		break;
	case PH_LATCH:
		latch_hook();
		break;
	case PH_TF:
		tf_hook();
		break;
	default:
		break;
	}
}

/* ---- recovery ---- */

/* A body check failed: the frame must not be returned through. */
static void guard_abort(void)
{
	if (!T.rp_valid)
		return;		/* strategy.c stops the run */
	T.rp_valid = false;
	T.aborted = TA_GUARD;
	T.phase = PH_IDLE;
	nmi_recover_jump(&T.rp, 1);
}

void torture_recovered(void)
{
	wl.nmi_touch = false;
	wl.exp_normal.va = wl.exp_nmi.va = 0;
	nmi_strategy_reset();
	/* A latch NMI that found stale state before the reset returned with
	 * popf/ret and left NMIs blocked. */
	nmi_unblock();
}

/* ---- watchdog: on the APIC timer, never an NMI ---- */

static void wd_check(struct trap_frame *f)
{
	uint64_t now = rdtsc();

	if (T.phase != PH_RUN || !T.rp_valid)
		return;
	if (T.progress != T.wd_progress) {
		T.wd_progress = T.progress;
		T.wd_change_tsc = now;
		return;
	}
	if (now - T.wd_change_tsc < T.wd_limit_tsc)
		return;
	T.wd_rip = f->rip;
	T.rp_valid = false;
	T.aborted = TA_WATCHDOG;
	T.phase = PH_IDLE;
	/* The tick was acknowledged (EOI) before we got here. */
	nmi_recover_jump(&T.rp, 2);
}

static void wd_chain(struct trap_frame *f)
{
	T.wd_chained(f);
	wd_check(f);
}

static void wd_own(struct trap_frame *f)
{
	apic_eoi();
	wd_check(f);
}

static void wd_start(uint64_t ms)
{
	uint32_t lvt = apic_read(APIC_LVT_TIMER);

	T.wd_limit_tsc = ns_to_tsc(ms * 1000000ull);
	T.wd_progress = T.progress;
	T.wd_change_tsc = rdtsc();
	T.wd_vector = lvt & 0xff;
	T.wd_chained = (lvt & APIC_LVT_MASKED) ? NULL : trap_get_handler(T.wd_vector);
	if (T.wd_chained) {
		/* A source (ipi) owns the APIC timer: ride on its ticks. */
		T.wd_own_timer = false;
		trap_set_handler(T.wd_vector, wd_chain);
	} else {
		T.wd_own_timer = true;
		T.wd_vector = WD_VECTOR;
		trap_set_handler(WD_VECTOR, wd_own);
		apic_timer_periodic(WD_VECTOR, (uint32_t)(apic_timer_hz() / WD_HZ));
	}
}

static void wd_stop(void)
{
	if (T.wd_own_timer) {
		apic_timer_stop();
		trap_set_handler(WD_VECTOR, NULL);
	} else if (T.wd_chained) {
		trap_set_handler(T.wd_vector, T.wd_chained);
	}
	T.wd_chained = NULL;
	T.wd_own_timer = false;
}

/* ---- set-up ---- */

bool torture_linked(char *why, size_t len)
{
	if (!nmi_recover_set || !nmi_recover_jump || !nmi_unblock || !nmi_ret_cost_iret ||
	    !nmi_ret_cost_popf || !nmi_ret_cost_base || !wl_int3_linked()) {
		snprintf(why, len, "the torture's assembly (src/nmi/*.S) is not linked in: "
			 "the Makefile must assemble src/nmi/*.S");
		return false;
	}
	return true;
}

static trap_handler_t saved_pf, saved_bp;

void torture_attach(void)
{
	saved_pf = trap_get_handler(VEC_PF);
	saved_bp = trap_get_handler(VEC_BP);
	trap_set_handler(VEC_PF, wl_pf_handler);
	trap_set_handler(VEC_BP, wl_bp_handler);
	wl.violation = wl_violation;
	wl.raise_nmi = self_nmi;
	wl.nmi_exception = on_nmi_exception;
	nmi_body_ctl.hook = nmi_hook;
	nmi_body_ctl.abort = guard_abort;
}

void torture_detach(void)
{
	nmi_body_ctl.hook = NULL;
	nmi_body_ctl.abort = NULL;
	nmi_body_ctl.dr7_restore = true;
	nmi_body_ctl.cr2_save = nmi_cr2_save_selected();
	trap_set_handler(VEC_PF, saved_pf);
	trap_set_handler(VEC_BP, saved_bp);
	wl.violation = NULL;
	wl.raise_nmi = NULL;
	wl.nmi_exception = NULL;
}

static void set_dr7(uint64_t dr0, uint64_t dr7)
{
	/* No accessor for DR0 in arch/cpu.h yet. */
	asm volatile("mov %0, %%db0" : : "r"(dr0) : "memory");
	write_dr7(dr7);
}

static int start_sources(struct torture_result *r, char *err, size_t len)
{
	unsigned started = 0;

	for (unsigned i = 0; i < TORTURE_NSRC; i++) {
		struct torture_source_result *sr = &r->src[i];
		struct nmi_source *s = nmi_source_find(torture_source_names[i]);

		if (!(T.cfg.sources & (1u << i)))
			continue;
		if (!s) {
			snprintf(sr->why, sizeof(sr->why), "not registered");
			continue;
		}
		if (!s->probe(sr->why, sizeof(sr->why)))
			continue;
		if (nmi_source_start(s, T.cfg.rate_hz, sr->why, sizeof(sr->why)) < 0)
			continue;
		sr->used = true;
		started++;
	}
	if (!started) {
		snprintf(err, len, "none of the selected NMI sources could start");
		return -1;
	}
	return 0;
}

static void take_source(struct nmi_source *s, struct torture_source_result *sr)
{
	sr->requested_hz = s->requested_rate_hz;
	sr->achieved_hz = s->achieved_rate_hz;
	sr->nmi_hz = s->nmi_rate_hz;
	sr->raised = s->raised;
	sr->handled = s->handled;
	sr->nmis = s->nmis;
	sr->late_nmis = s->late_nmis;
}

/*
 * Stop order: ipi, ioapic, lint, then hpet. A stopped source's handler
 * still runs (and services events) in the NMIs that other sources raise
 * while it drains; the HPET comparator keeps advancing with its interrupt
 * disabled, so an NMI from another source during the HPET's drain would
 * service periods after the stop (handled > raised). Stopping it last,
 * when no other source raises NMIs, avoids that.
 */
static const unsigned stop_order[TORTURE_NSRC] = { 0, 2, 3, 1 };

static void stop_sources(struct torture_result *r)
{
	for (unsigned k = 0; k < TORTURE_NSRC; k++) {
		unsigned i = stop_order[k];
		struct nmi_source *s;

		if (!r->src[i].used)
			continue;
		s = nmi_source_find(torture_source_names[i]);
		nmi_source_stop(s);
		take_source(s, &r->src[i]);
	}
	nmi_source_stop(&torture_self_source);
	take_source(&torture_self_source, &r->self);
	r->self.used = true;
}

/* ---- the run ---- */

static void check_touch(unsigned p, uint64_t v, bool lazy)
{
	const struct wl_expect *e = &wl.exp_normal;

	if (v != wl.pages[p].pattern || e->lazy > (lazy ? 1u : 0u) || e->faults != 1 + e->lazy)
		violation(V_PF, wl.pages[p].va, v, 0, e->faults);
}

static void run_loop(void)
{
	const struct torture_cfg *c = &T.cfg;
	uint64_t start = rdtsc(), end = start + ns_to_tsc(c->max_ms * 1000000ull);
	uint64_t e0 = nmi_cnt_entries;

	for (uint64_t i = 0;; i++) {
		unsigned p = (unsigned)(i % WL_NORMAL_PAGES);
		bool lazy = i % 8 == 0, late = i % 8 == 3;
		uint64_t t0, t1, v, y;

		T.iteration = i;
		if (nmi_cnt_entries - e0 >= c->max_nmis || rdtsc() >= end)
			break;
		/* After a violation, run on a little so the figures that say
		 * whether the hazard was exercised still mean something. */
		if (c->stop_on_violation && any_violation() &&
		    rdtsc() - start >= ns_to_tsc(MIN_RUN_MS * 1000000ull))
			break;
		if (torture_strays && i % TORTURE_STRAY_EVERY == TORTURE_STRAY_EVERY / 2) {
			/* No source counts it: it must come out unknown. */
			torture_strays--;
			torture_strays_sent++;
			apic_send_nmi(self_apic);
		}
		if (c->control == TC_STALL && i >= STALL_AFTER) {
			T.step = ST_STALL;
			for (;;)
				cpu_relax();
		}

		if (lazy)
			wl_lazy_clear();
		T.step = late ? ST_LATE : lazy ? ST_LAZY : ST_PF;
		t0 = rdtsc();
		v = wl_pf_touch(p, &wl.exp_normal, late);
		t1 = rdtsc();
		check_touch(p, v, lazy);
		if (!late && !lazy)
			sample(s_pf_storm, &n_pf_storm, t1 - t0);
		wl_pf_unmap(p);

		T.step = ST_INT3;
		t0 = rdtsc();
		y = wl_int3_normal(i);
		t1 = rdtsc();
		if (y != i + 1)
			violation(V_INT3, (uint64_t)(uintptr_t)wl_int3_normal, y - i, 0, 0);
		sample(s_int3_storm, &n_int3_storm, t1 - t0);

		T.step = ST_DR7;
		v = read_dr7();
		T.r->dr7_checks++;
		if (v != T.dr7_pattern)
			violation(V_DR7, T.dr7_pattern, v, 0, 0);
		T.progress++;
	}
	T.step = ST_DONE;
}

static void finish_checks(struct torture_result *r)
{
	const struct nmi_strategy_stats *st = &r->st;

	for (unsigned i = 0; i < TORTURE_NSRC; i++) {
		const struct torture_source_result *s = &r->src[i];

		/* raised can lead by one: an event between the last NMI and
		 * the masking (nmi_sources suite, same rule). */
		if (s->used && (s->handled > s->raised || s->raised - s->handled > 1))
			record_violation(r, V_ACCOUNT, i, s->raised, s->handled, 0);
	}
	if (r->self.raised != r->self.handled)
		record_violation(r, V_ACCOUNT, TORTURE_NSRC, r->self.raised, r->self.handled, 0);
	if (r->unknown)
		record_violation(r, V_UNKNOWN, r->unknown, 0, 0, 0);
	if (st->spurious_repeats)
		record_violation(r, V_REPEAT, st->spurious_repeats, 0, 0, 0);
	if (r->iterations == 0)
		record_violation(r, V_PROGRESS, 0, 0, 0, 0);
}

static void stats_delta(struct nmi_strategy_stats *d, const struct nmi_strategy_stats *a,
			const struct nmi_strategy_stats *b)
{
	const uint64_t *pa = (const uint64_t *)a, *pb = (const uint64_t *)b;
	uint64_t *pd = (uint64_t *)d;

	for (size_t i = 0; i < sizeof(*d) / sizeof(uint64_t); i++)
		pd[i] = pb[i] - pa[i];
}

int torture_run(const struct torture_cfg *cfg, struct torture_result *r)
{
	struct nmi_strategy_stats st0, st1;
	uint64_t unknown0, unknown_end, t0, dr7_save;

	memset(r, 0, sizeof(*r));
	if (!torture_linked(r->err, sizeof(r->err)))
		return -1;
	memset(&T, 0, sizeof(T));
	T.cfg = *cfg;
	if (nmi_strategy_install(cfg->strategy, r->err, sizeof(r->err)) < 0)
		return -1;
	if (wl_pf_setup(r->err, sizeof(r->err)) < 0)
		return -1;
	n_pf_storm = n_int3_storm = n_pf_nmi = n_int3_nmi = 0;
	wl_int3_plant();
	torture_attach();
	nmi_body_ctl.cr2_save = cfg->cr2_save;
	nmi_body_ctl.dr7_restore = cfg->control != TC_DR7;
	if (nmi_source_start(&torture_self_source, 0, r->err, sizeof(r->err)) < 0 ||
	    start_sources(r, r->err, sizeof(r->err)) < 0) {
		stop_sources(r);
		torture_detach();
		wl_int3_unplant();
		wl_pf_teardown();
		return -1;
	}

	/*
	 * Start-up transients of the sources themselves (an edge the I/O APIC
	 * latched while its entry was masked, a first HPET match racing the
	 * programming) are the nmi_sources suite's business: let them pass
	 * before the measured run, and report their unknown NMIs apart.
	 */
	unknown0 = nmi_unknown_count;
	t0 = nmi_cnt_entries;
	udelay(SETTLE_MS * 1000ull);
	r->unknown_settle = nmi_unknown_count - unknown0;
	r->settle_nmis = nmi_cnt_entries - t0;

	T.r = r;
	dr7_save = read_dr7();
	/* The pattern as written (bit 10 always reads 1), not read back: an
	 * NMI right after the write could already have changed it. */
	T.dr7_pattern = DR7_PATTERN | DR7_FIXED1;
	set_dr7((uint64_t)(uintptr_t)dr_watch, DR7_PATTERN);
	nmi_strategy_stats(&st0);
	unknown0 = nmi_unknown_count;
	wl_cr3_torture();
	t0 = rdtsc();

	/*
	 * The recovery point first, then the in-NMI workload: under a storm
	 * the NMIs can starve this code for milliseconds, and a body check
	 * that fails must always find a context to return to. In reverse
	 * order at the end.
	 */
	if (nmi_recover_set(&T.rp) == 0) {
		T.rp_valid = true;
		T.phase = PH_RUN;
		wd_start(cfg->watchdog_ms);
		run_loop();
	}
	T.phase = PH_IDLE;
	T.rp_valid = false;
	if (T.aborted) {
		r->guard = nmi_guard;
		torture_recovered();
	}
	r->aborted = T.aborted;

	wd_stop();
	r->duration_ms = tsc_to_ns(rdtsc() - t0) / 1000000;
	r->iterations = T.progress;
	wl_cr3_kernel();
	set_dr7(0, dr7_save);
	nmi_strategy_stats(&st1);
	unknown_end = nmi_unknown_count;
	stop_sources(r);
	r->unknown = nmi_unknown_count - unknown0;
	r->unknown_stop = nmi_unknown_count - unknown_end;
	T.r = NULL;
	torture_detach();
	wl_int3_unplant();
	wl_pf_teardown();

	stats_delta(&r->st, &st0, &st1);
	r->pf_normal = wl.pf_normal;
	r->pf_nmi = wl.pf_nmi;
	r->lazy_fills = wl.lazy_fills;
	r->late_windows = wl.late_windows;
	r->late_no_nmi = wl.late_no_nmi;
	r->int3_normal = wl.bp_normal;
	r->int3_nmi = wl.bp_nmi;
	r->hazards = T.hazards;
	r->nmi_work_runs = T.nmi_work_runs;
	r->wd_step = T.step;
	r->wd_iteration = T.iteration;
	r->wd_rip = T.wd_rip;
	r->wd_idle_ms = T.aborted == TA_WATCHDOG ?
		tsc_to_ns(rdtsc() - T.wd_change_tsc) / 1000000 : 0;
	if (r->aborted == TA_GUARD)
		r->v[V_FRAME].count++;
	else
		finish_checks(r);
	r->pf_storm = s_pf_storm;
	r->n_pf_storm = n_pf_storm;
	r->int3_storm = s_int3_storm;
	r->n_int3_storm = n_int3_storm;
	r->pf_in_nmi = s_pf_nmi;
	r->n_pf_in_nmi = n_pf_nmi;
	r->int3_in_nmi = s_int3_nmi;
	r->n_int3_in_nmi = n_int3_nmi;
	return 0;
}
