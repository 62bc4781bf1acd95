/*
 * The NMI torture test (src/nmi/torture.h): nmi= selects the strategy,
 * nmi_cr2= the CR2 save. One storm of NMIs from the hardware sources with
 * #PF and int3 in normal context and inside the NMI handler, every
 * invariant reported; then the costs; then the negative controls that
 * show the checks can fail (a frame corrupted by hand, a canary, DR7 not
 * restored). nmi=naive and nmi_cr2=off are the two negative controls of
 * the whole design: their runs must fail (tests/scenarios/nmi.txt expects
 * exactly that).
 */
#include "tests/suites.h"
#include "config.h"
#include "bench/stats.h"
#include "nmi/torture.h"
#include "nmi/torture_int.h"
#include "arch/cpu.h"
#include "arch/tsc.h"
#include "lib/report.h"
#include "record/record.h"
#include <stdio.h>
#include <string.h>

static const char *const src_choices[] = { "ipi", "hpet", "ioapic", "lint", NULL };

CONFIG_OPTION(opt_nt_nmis, "nmi_torture_nmis", OPT_UINT, NULL, 1, 1000000000ull, "40000",
	      "NMI torture: stop after this many NMIs (or nmi_torture_ms)");
CONFIG_OPTION(opt_nt_ms, "nmi_torture_ms", OPT_UINT, NULL, 10, 3600000, "8000",
	      "NMI torture: longest run, ms");
CONFIG_OPTION(opt_nt_rate, "nmi_torture_rate", OPT_UINT, NULL, 1, 100000, "20000",
	      "NMI torture: rate asked of each hardware source, Hz");
CONFIG_OPTION(opt_nt_sources, "nmi_torture_sources", OPT_LIST, src_choices, 0, 0,
	      "ipi,hpet,ioapic", "NMI torture: hardware NMI sources (those that probe OK run)");
CONFIG_OPTION(opt_nt_control, "nmi_torture_control", OPT_ENUM, torture_control_names, 0, 0,
	      "none", "NMI torture: break the main run on purpose (frame, canary, dr7, "
	      "stall: the watchdog's negative control)");
CONFIG_OPTION(opt_nt_costs, "nmi_torture_costs", OPT_BOOL, NULL, 0, 0, "on",
	      "NMI torture: measure the costs (round trips, per-strategy NMI cost)");
CONFIG_OPTION(opt_nt_negctl, "nmi_torture_negctl", OPT_BOOL, NULL, 0, 0, "on",
	      "NMI torture: run the short negative controls after the main run");
CONFIG_OPTION(opt_nt_watchdog, "nmi_torture_watchdog_ms", OPT_UINT, NULL, 50, 600000, "2000",
	      "NMI torture: end a run that makes no progress for this long (exit code 4)");

#define COST_N		512
#define NEGCTL_MS	300
#define NEGCTL_STRAYS	20
#define LATCH_SENDS	3
#define RET_LOOP	2000
#define RET_REPS	16

static struct torture_result res;
static int64_t scratch[4096];
static uint64_t cost_a[COST_N], cost_b[COST_N], cost_body[3 * COST_N];

struct fig {
	size_t n;
	int64_t min, p99, max;
	double median;
};

static struct fig figures(const uint64_t *s, size_t n)
{
	struct fig f = { .n = n };

	if (n > sizeof(scratch) / sizeof(scratch[0]))
		n = f.n = sizeof(scratch) / sizeof(scratch[0]);
	if (!n)
		return f;
	for (size_t i = 0; i < n; i++)
		scratch[i] = (int64_t)s[i];
	stats_sort(scratch, n);
	f.min = scratch[0];
	f.max = scratch[n - 1];
	f.median = stats_median(scratch, n);
	f.p99 = stats_percentile(scratch, n, 99);
	return f;
}

static void cost_line(const char *name, const char *strategy, const char *variant,
		      const uint64_t *s, size_t n)
{
	struct fig f = figures(s, n);

	if (!f.n) {
		printf("  %-26s %-9s %-14s no samples\n", name, strategy, variant);
		return;
	}
	printf("  %-26s %-9s %-14s n=%-5zu min %7lld  median %9.1f  p99 %8lld  max %8lld\n",
	       name, strategy, variant, f.n, (long long)f.min, f.median, (long long)f.p99,
	       (long long)f.max);
	record_emitf(REC_BENCH, "{\"suite\":\"nmi_torture\",\"name\":\"%s\",\"strategy\":\"%s\","
		     "\"variant\":\"%s\",\"timer\":\"tsc\",\"n\":%zu,\"min_cycles\":%lld,"
		     "\"median_cycles\":%.1f,\"p99_cycles\":%lld,\"max_cycles\":%lld}",
		     name, strategy, variant, f.n, (long long)f.min, f.median,
		     (long long)f.p99, (long long)f.max);
}

static void cfg_from_cmdline(struct torture_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->strategy = nmi_strategy_selected();
	c->cr2_save = nmi_cr2_save_selected();
	c->max_nmis = opt_nt_nmis.u;
	c->max_ms = opt_nt_ms.u;
	c->rate_hz = opt_nt_rate.u;
	c->sources = (unsigned)opt_nt_sources.u;
	c->nmi_work = true;
	c->control = (enum torture_control)opt_nt_control.u;
	c->watchdog_ms = opt_nt_watchdog.u;
	c->stop_on_violation = true;
}

/* ---- reporting one run ---- */

static void print_guard(const struct nmi_guard_report *g)
{
	printf("  %s: NMI #%llu, %s run, found by %s\n", nmi_guard_kind_name(g->kind),
	       (unsigned long long)g->nmi_index,
	       g->run_kind == NMI_RUN_FIRST ? "first" : g->run_kind == NMI_RUN_REPEAT ? "repeat" :
	       g->run_kind == NMI_RUN_RERUN ? "rerun" : "takeover",
	       g->at_entry ? "the entry check of an NMI that got into the body"
			   : "the exit check before the final iretq");
	if (g->kind == NMI_GUARD_CANARY) {
		printf("  canary at 0x%llx: want 0x%016llx, found 0x%016llx\n",
		       (unsigned long long)g->canary_addr, (unsigned long long)g->canary_want,
		       (unsigned long long)g->canary_found);
		return;
	}
	printf("  saved frame at 0x%llx, recorded when the NMI came: RIP=%016llx CS=%04llx "
	       "RFLAGS=%08llx RSP=%016llx SS=%04llx\n", (unsigned long long)g->frame_addr,
	       (unsigned long long)g->recorded.rip, (unsigned long long)g->recorded.cs,
	       (unsigned long long)g->recorded.rflags, (unsigned long long)g->recorded.rsp,
	       (unsigned long long)g->recorded.ss);
	printf("  found before returning through it:            RIP=%016llx CS=%04llx "
	       "RFLAGS=%08llx RSP=%016llx SS=%04llx\n",
	       (unsigned long long)g->found.rip, (unsigned long long)g->found.cs,
	       (unsigned long long)g->found.rflags, (unsigned long long)g->found.rsp,
	       (unsigned long long)g->found.ss);
	printf("  the run was abandoned through the recovery point; the frame was not used\n");
}

static void print_run(const char *tag, const struct torture_result *r)
{
	const struct nmi_strategy_stats *st = &r->st;

	printf("%s: %llu NMIs in %llu ms (%llu/s): %llu nested, %llu in the repeat/exit "
	       "window; %llu body runs (%llu first, %llu repeat, %llu rerun, %llu takeover), "
	       "%llu with 2+ nested NMIs collapsed\n", tag,
	       (unsigned long long)st->entries, (unsigned long long)r->duration_ms,
	       (unsigned long long)(r->duration_ms ? st->entries * 1000 / r->duration_ms : 0),
	       (unsigned long long)st->nested, (unsigned long long)st->window,
	       (unsigned long long)st->runs, (unsigned long long)st->runs_by_kind[NMI_RUN_FIRST],
	       (unsigned long long)st->runs_by_kind[NMI_RUN_REPEAT],
	       (unsigned long long)st->runs_by_kind[NMI_RUN_RERUN],
	       (unsigned long long)st->runs_by_kind[NMI_RUN_TAKEOVER],
	       (unsigned long long)st->collapsed);
	printf("%s: hazards (exception in the NMI handler with an NMI latched) %llu; "
	       "exception returns by popf/ret %llu (TF fallbacks %llu)\n", tag,
	       (unsigned long long)r->hazards, (unsigned long long)st->iretless_returns,
	       (unsigned long long)st->tf_fallbacks);
	printf("%s: workload %llu iterations: #PF %llu (lazy PML4 fills %llu, late-CR2 windows "
	       "%llu, %llu without an NMI), int3 %llu, DR7 checks %llu; in the NMI handler: "
	       "%llu runs, #PF %llu, int3 %llu\n", tag,
	       (unsigned long long)r->iterations, (unsigned long long)r->pf_normal,
	       (unsigned long long)r->lazy_fills, (unsigned long long)r->late_windows,
	       (unsigned long long)r->late_no_nmi, (unsigned long long)r->int3_normal,
	       (unsigned long long)r->dr7_checks, (unsigned long long)r->nmi_work_runs,
	       (unsigned long long)r->pf_nmi, (unsigned long long)r->int3_nmi);
	for (unsigned i = 0; i < TORTURE_NSRC; i++) {
		const struct torture_source_result *s = &r->src[i];

		if (!s->used) {
			if (s->why[0])
				printf("%s: source %s not used: %s\n", tag, torture_source_names[i], s->why);
			continue;
		}
		printf("%s: source %-6s asked %llu Hz, achieved %llu events/s, %llu NMIs/s; "
		       "raised %llu, handled %llu, NMIs %llu (late %llu)\n", tag,
		       torture_source_names[i], (unsigned long long)s->requested_hz,
		       (unsigned long long)s->achieved_hz, (unsigned long long)s->nmi_hz,
		       (unsigned long long)s->raised, (unsigned long long)s->handled,
		       (unsigned long long)s->nmis, (unsigned long long)s->late_nmis);
	}
	printf("%s: source self   raised %llu, handled %llu, NMIs %llu (late %llu)\n", tag,
	       (unsigned long long)r->self.raised,
	       (unsigned long long)r->self.handled, (unsigned long long)r->self.nmis,
	       (unsigned long long)r->self.late_nmis);
	printf("%s: unknown NMIs %llu (%llu while the sources stopped; by run kind "
	       "first/repeat/rerun/takeover %llu/%llu/%llu/%llu); %llu more while they started, "
	       "not counted\n", tag, (unsigned long long)r->unknown,
	       (unsigned long long)r->unknown_stop,
	       (unsigned long long)st->unknown_by_kind[NMI_RUN_FIRST],
	       (unsigned long long)st->unknown_by_kind[NMI_RUN_REPEAT],
	       (unsigned long long)st->unknown_by_kind[NMI_RUN_RERUN],
	       (unsigned long long)st->unknown_by_kind[NMI_RUN_TAKEOVER],
	       (unsigned long long)r->unknown_settle);
}

static void record_run(const char *strategy, bool cr2, const struct torture_result *r)
{
	const struct nmi_strategy_stats *st = &r->st;
	uint64_t viol = 0;

	for (unsigned v = 0; v < V_COUNT; v++)
		viol += r->v[v].count;
	record_emitf(REC_NMI, "{\"suite\":\"nmi_torture\",\"strategy\":\"%s\",\"cr2_save\":%s,"
		     "\"nmis\":%llu,\"duration_ms\":%llu,\"nested\":%llu,\"window\":%llu,"
		     "\"runs\":%llu,\"repeats\":%llu,\"reruns\":%llu,\"takeovers\":%llu,"
		     "\"collapsed\":%llu,\"hazards\":%llu,\"popf_returns\":%llu,"
		     "\"pf\":%llu,\"pf_in_nmi\":%llu,\"int3\":%llu,\"int3_in_nmi\":%llu,"
		     "\"lazy_fills\":%llu,\"unknown\":%llu,\"violations\":%llu,\"aborted\":\"%s\"}",
		     strategy, cr2 ? "true" : "false",
		     (unsigned long long)st->entries, (unsigned long long)r->duration_ms,
		     (unsigned long long)st->nested, (unsigned long long)st->window,
		     (unsigned long long)st->runs,
		     (unsigned long long)st->runs_by_kind[NMI_RUN_REPEAT],
		     (unsigned long long)st->runs_by_kind[NMI_RUN_RERUN],
		     (unsigned long long)st->runs_by_kind[NMI_RUN_TAKEOVER],
		     (unsigned long long)st->collapsed, (unsigned long long)r->hazards,
		     (unsigned long long)st->iretless_returns, (unsigned long long)r->pf_normal,
		     (unsigned long long)r->pf_nmi, (unsigned long long)r->int3_normal,
		     (unsigned long long)r->int3_nmi, (unsigned long long)r->lazy_fills,
		     (unsigned long long)r->unknown, (unsigned long long)viol,
		     r->aborted == TA_GUARD ? "guard" : r->aborted == TA_WATCHDOG ? "watchdog" : "no");
	for (unsigned i = 0; i < TORTURE_NSRC; i++) {
		const struct torture_source_result *s = &r->src[i];

		if (s->used)
			record_emitf(REC_NMI, "{\"suite\":\"nmi_torture\",\"strategy\":\"%s\","
				     "\"source\":\"%s\",\"requested_hz\":%llu,\"achieved_hz\":%llu,"
				     "\"nmi_hz\":%llu,\"raised\":%llu,\"handled\":%llu,\"nmis\":%llu}",
				     strategy, torture_source_names[i],
				     (unsigned long long)s->requested_hz,
				     (unsigned long long)s->achieved_hz,
				     (unsigned long long)s->nmi_hz, (unsigned long long)s->raised,
				     (unsigned long long)s->handled, (unsigned long long)s->nmis);
	}
}

static void watchdog_fired(const char *strategy, const struct torture_result *r)
{
	printf("WATCHDOG: nmi=%s: no progress for %llu ms (limit %llu ms)\n", strategy,
	       (unsigned long long)r->wd_idle_ms, (unsigned long long)opt_nt_watchdog.u);
	printf("  where it stood: iteration %llu, step \"%s\", interrupted at RIP 0x%016llx "
	       "(addr2line -e build/irqlab.elf), %llu NMIs so far\n",
	       (unsigned long long)r->wd_iteration, torture_step_names[r->wd_step],
	       (unsigned long long)r->wd_rip, (unsigned long long)r->st.entries);
	record_emitf(REC_ERROR, "{\"suite\":\"nmi_torture\",\"error\":\"watchdog\",\"strategy\":"
		     "\"%s\",\"iteration\":%llu,\"step\":\"%s\",\"rip\":\"0x%llx\",\"idle_ms\":%llu}",
		     strategy, (unsigned long long)r->wd_iteration, torture_step_names[r->wd_step],
		     (unsigned long long)r->wd_rip, (unsigned long long)r->wd_idle_ms);
	report(false, "nmi=%s: watchdog: no progress for %llu ms at iteration %llu (%s)",
	       strategy, (unsigned long long)r->wd_idle_ms, (unsigned long long)r->wd_iteration,
	       torture_step_names[r->wd_step]);
	report_finish(EXIT_WATCHDOG);
}

static const char *v_detail(enum torture_violation v, const struct torture_violation_info *i,
			    char *buf, size_t len)
{
	switch (v) {
	case V_CR2:
		snprintf(buf, len, "first: #PF handler %s saw CR2 0x%llx, its workload faulted "
			 "on 0x%llx (RIP 0x%llx, iteration %llu)", i->c ? "in the NMI" : "in normal context",
			 (unsigned long long)i->b, (unsigned long long)i->a,
			 (unsigned long long)i->d, (unsigned long long)i->at_iteration);
		break;
	case V_DR7:
		snprintf(buf, len, "first: DR7 0x%llx, set to 0x%llx (iteration %llu)",
			 (unsigned long long)i->b, (unsigned long long)i->a,
			 (unsigned long long)i->at_iteration);
		break;
	case V_PF:
		snprintf(buf, len, "first: 0x%llx %s, read 0x%llx, faults %llu",
			 (unsigned long long)i->a, i->c ? "in the NMI" : "in normal context",
			 (unsigned long long)i->b, (unsigned long long)i->d);
		break;
	case V_ACCOUNT:
		snprintf(buf, len, "first: %s raised %llu, handled %llu",
			 i->a < TORTURE_NSRC ? torture_source_names[i->a] : "self",
			 (unsigned long long)i->b, (unsigned long long)i->c);
		break;
	default:
		snprintf(buf, len, "first: 0x%llx 0x%llx", (unsigned long long)i->a,
			 (unsigned long long)i->b);
		break;
	}
	return buf;
}

/* The main run's verdicts. */
static void judge(const struct torture_cfg *c, const struct torture_result *r)
{
	const char *n = nmi_strategy_name(c->strategy);
	const struct nmi_strategy_stats *st = &r->st;
	char buf[200];
	uint64_t viol = 0;

	if (r->aborted == TA_GUARD) {
		print_guard(&r->guard);
		report(false, "nmi=%s: %s at NMI #%llu: the NMI's saved frame at 0x%llx "
		       "(RIP 0x%llx) became RIP 0x%llx RSP 0x%llx; not returned through",
		       n, nmi_guard_kind_name(r->guard.kind),
		       (unsigned long long)r->guard.nmi_index,
		       (unsigned long long)r->guard.frame_addr,
		       (unsigned long long)r->guard.recorded.rip,
		       (unsigned long long)r->guard.found.rip,
		       (unsigned long long)r->guard.found.rsp);
		return;
	}
	for (unsigned v = 0; v < V_COUNT; v++) {
		viol += r->v[v].count;
		if (r->v[v].count)
			printf("VIOLATION %s: %llu, %s\n", torture_violation_names[v],
			       (unsigned long long)r->v[v].count,
			       v_detail((enum torture_violation)v, &r->v[v], buf, sizeof(buf)));
	}
	report(r->v[V_CR2].count == 0, "nmi=%s: every #PF handler saw its own address in CR2 "
	       "(%llu checked, %llu in late-CR2 windows, %llu wrong)", n,
	       (unsigned long long)(r->pf_normal + r->pf_nmi), (unsigned long long)r->late_windows,
	       (unsigned long long)r->v[V_CR2].count);
	report(r->v[V_DR7].count == 0, "nmi=%s: DR7 unchanged across NMIs (%llu checks, %llu wrong)",
	       n, (unsigned long long)r->dr7_checks, (unsigned long long)r->v[V_DR7].count);
	report(r->v[V_PF].count == 0 && r->v[V_INT3].count == 0,
	       "nmi=%s: every fault and breakpoint handled exactly once (%llu #PF, %llu int3 "
	       "in normal context; %llu #PF, %llu int3 in the NMI handler; %llu wrong)", n,
	       (unsigned long long)r->pf_normal, (unsigned long long)r->int3_normal,
	       (unsigned long long)r->pf_nmi, (unsigned long long)r->int3_nmi,
	       (unsigned long long)(r->v[V_PF].count + r->v[V_INT3].count));
	report(r->v[V_ACCOUNT].count == 0, "nmi=%s: every source event serviced exactly once%s%s", n,
	       r->v[V_ACCOUNT].count ? ": " : "",
	       r->v[V_ACCOUNT].count ? v_detail(V_ACCOUNT, &r->v[V_ACCOUNT], buf, sizeof(buf)) : "");
	report(r->unknown == 0, "nmi=%s: no unknown NMIs (%llu)", n, (unsigned long long)r->unknown);
	report(st->spurious_repeats == 0, "nmi=%s: no repeat without a nested NMI (%llu)", n,
	       (unsigned long long)st->spurious_repeats);
	report(r->iterations > 0 && r->nmi_work_runs > 0,
	       "nmi=%s: forward progress (%llu workload iterations, %llu NMI workload runs)", n,
	       (unsigned long long)r->iterations, (unsigned long long)r->nmi_work_runs);
	report(r->hazards > 0, "nmi=%s: the hazard was exercised: %llu exceptions in the NMI "
	       "handler with an NMI latched", n, (unsigned long long)r->hazards);
	if (c->strategy == NMI_NESTED || c->strategy == NMI_LATCH)
		report(st->nested > 0 && st->runs_by_kind[NMI_RUN_REPEAT] +
		       st->runs_by_kind[NMI_RUN_RERUN] > 0,
		       "nmi=%s: %llu nested NMIs detected and handled by %llu repeats "
		       "(%llu runs collapsed 2+ nested NMIs into one repeat)", n,
		       (unsigned long long)st->nested,
		       (unsigned long long)(st->runs_by_kind[NMI_RUN_REPEAT] +
					    st->runs_by_kind[NMI_RUN_RERUN]),
		       (unsigned long long)st->collapsed);
	if (c->strategy == NMI_IRETLESS)
		report(st->nested == 0 && st->iretless_returns > 0,
		       "nmi=iretless: no NMI nested (%llu); %llu exceptions returned by popf/ret, "
		       "the latched NMI came after the final iretq", (unsigned long long)st->nested,
		       (unsigned long long)st->iretless_returns);
	report(viol == 0, "nmi=%s survives %llu NMIs in %llu ms with #PF and int3 inside the "
	       "NMI handler (%llu invariant violations)", n, (unsigned long long)st->entries,
	       (unsigned long long)r->duration_ms, (unsigned long long)viol);
}

/* ---- costs ---- */

static void quiet_costs(void)
{
	char err[200];
	uint64_t iret, popf;

	if (torture_quiet_costs(cost_a, cost_b, COST_N, err, sizeof(err)) < 0) {
		report(false, "quiet costs: %s", err);
		return;
	}
	cost_line("pf-roundtrip", "-", "no NMIs", cost_a, COST_N);
	cost_line("int3-roundtrip", "-", "no NMIs", cost_b, COST_N);
	torture_ret_cost(RET_LOOP, RET_REPS, &iret, &popf);
	printf("  %-26s iretq %llu cycles, popf/ret %llu cycles per kernel-to-kernel return "
	       "(best of %u loops of %u)\n", "exception-return", (unsigned long long)iret,
	       (unsigned long long)popf, RET_REPS, RET_LOOP);
	record_emitf(REC_BENCH, "{\"suite\":\"nmi_torture\",\"name\":\"exception-return\","
		     "\"timer\":\"tsc\",\"iret_cycles\":%llu,\"popf_ret_cycles\":%llu}",
		     (unsigned long long)iret, (unsigned long long)popf);
}

static void storm_costs(const struct torture_cfg *c, const struct torture_result *r)
{
	const char *n = nmi_strategy_name(c->strategy);

	cost_line("pf-roundtrip", n, "during storm", r->pf_storm, r->n_pf_storm);
	cost_line("int3-roundtrip", n, "during storm", r->int3_storm, r->n_int3_storm);
	cost_line("pf-roundtrip", n, "in NMI handler", r->pf_in_nmi, r->n_pf_in_nmi);
	cost_line("int3-roundtrip", n, "in NMI handler", r->int3_in_nmi, r->n_int3_in_nmi);
}

static void strategy_costs(void)
{
	char err[200];
	size_t nb;

	for (unsigned s = 0; s < NMI_STRATEGIES; s++) {
		const char *n = nmi_strategy_name((enum nmi_strategy)s);

		for (int nest = 0; nest < 2; nest++) {
			/* naive with nesting corrupts its frame: not a cost. */
			if (nest && s == NMI_NAIVE)
				continue;
			if (torture_nmi_cost((enum nmi_strategy)s, nest, cost_a, cost_body, COST_N,
					     &nb, err, sizeof(err)) < 0) {
				report(false, "NMI cost of nmi=%s: %s", n, err);
				continue;
			}
			cost_line("nmi-roundtrip", n, nest ? "nesting" : "no nesting", cost_a, COST_N);
			cost_line("nmi-body", n, nest ? "nesting" : "no nesting", cost_body, nb);
		}
	}
}

/* ---- negative controls: each check must be able to fail ---- */

static void negctl(enum torture_control ctl)
{
	struct torture_cfg c;
	const char *n;

	cfg_from_cmdline(&c);
	c.control = ctl;
	c.max_ms = NEGCTL_MS;
	c.max_nmis = 1000000000ull;
	n = nmi_strategy_name(c.strategy);
	if (torture_run(&c, &res) < 0) {
		report(false, "negative control %s: %s", torture_control_names[ctl], res.err);
		return;
	}

	switch (ctl) {
	case TC_FRAME:
		report(res.aborted == TA_GUARD && res.guard.kind == NMI_GUARD_FRAME && !res.guard.at_entry,
		       "negative control: nmi=%s with its saved frame changed by hand: frame "
		       "corruption detected before the final iretq (%s)", n,
		       nmi_guard_kind_name(res.guard.kind));
		break;
	case TC_CANARY:
		report(res.aborted == TA_GUARD && res.guard.kind == NMI_GUARD_CANARY,
		       "negative control: nmi=%s with an NMI stack canary overwritten: caught (%s)",
		       n, nmi_guard_kind_name(res.guard.kind));
		break;
	case TC_DR7:
		report(!res.aborted && res.v[V_DR7].count > 0,
		       "negative control: nmi=%s without the DR7 restore: DR7 check fails "
		       "(%llu wrong in %llu checks%s%s)", n, (unsigned long long)res.v[V_DR7].count,
		       (unsigned long long)res.dr7_checks, res.aborted ? "; run abandoned: " : "",
		       res.aborted ? nmi_guard_kind_name(res.guard.kind) : "");
		break;
	default:
		break;
	}
}

/* The negative control of "no unknown NMIs": NMIs sent with no source
 * event, from normal context in the middle of the storm. Each must be
 * counted unknown unless the CPU merged it with a source's NMI that was
 * pending at the same moment (one NMI then carries both, and nothing
 * can tell them apart). */
static void negctl_stray(void)
{
	struct torture_cfg c;
	const char *n;

	cfg_from_cmdline(&c);
	c.control = TC_NONE;
	c.max_ms = NEGCTL_MS;
	c.max_nmis = 1000000000ull;
	n = nmi_strategy_name(c.strategy);
	torture_strays_sent = 0;
	torture_strays = NEGCTL_STRAYS;
	if (torture_run(&c, &res) < 0) {
		torture_strays = 0;
		report(false, "negative control stray: %s", res.err);
		return;
	}
	torture_strays = 0;
	report(torture_strays_sent == NEGCTL_STRAYS && res.unknown > 0,
	       "negative control: nmi=%s with %u stray NMIs sent during the storm: "
	       "%llu counted unknown", n, torture_strays_sent,
	       (unsigned long long)res.unknown);
}

static void tf_probe(void)
{
	struct torture_tf_result t;
	char err[200];

	if (torture_tf_probe(&t, err, sizeof(err)) < 0) {
		report(false, "iretless single-step probe: %s", err);
		return;
	}
	report(t.steps == 3 && t.fallbacks == 2 && t.in_order,
	       "nmi=iretless with TF set in the NMI handler: %llu single-step traps, each "
	       "after its instruction (%s), %llu exception returns fell back to iretq",
	       (unsigned long long)t.steps, t.in_order ? "yes" : "no",
	       (unsigned long long)t.fallbacks);
}

static void run_nmi_torture(void)
{
	struct torture_cfg c;
	char why[200], tag[64];
	uint64_t followed = 0;
	const char *n;

	cfg_from_cmdline(&c);
	n = nmi_strategy_name(c.strategy);
	if (!torture_linked(why, sizeof(why))) {
		report(false, "%s", why);
		return;
	}
	printf("nmi_torture: nmi=%s, nmi_cr2=%s, up to %llu NMIs or %llu ms, %llu Hz per source; "
	       "cycle counts are TSC ticks (under TCG they measure the emulator, not a CPU)\n",
	       n, c.cr2_save ? "on" : "off", (unsigned long long)c.max_nmis,
	       (unsigned long long)c.max_ms, (unsigned long long)c.rate_hz);

	if (opt_nt_costs.u)
		quiet_costs();
	if (torture_latch_probe(LATCH_SENDS, &followed, why, sizeof(why)) < 0)
		report(false, "latch probe: %s", why);
	else
		report(followed == 1, "the CPU latches one NMI while NMIs are blocked: %u sent, "
		       "%llu delivered after the iretq", LATCH_SENDS, (unsigned long long)followed);

	tf_probe();

	if (torture_run(&c, &res) < 0) {
		report(false, "nmi=%s: the torture starts: %s", n, res.err);
		return;
	}
	snprintf(tag, sizeof(tag), "nmi_torture: nmi=%s", n);
	print_run(tag, &res);
	record_run(n, c.cr2_save, &res);
	if (res.aborted == TA_WATCHDOG)
		watchdog_fired(n, &res);	/* does not return */
	judge(&c, &res);
	if (opt_nt_costs.u && !res.aborted) {
		storm_costs(&c, &res);
		strategy_costs();
	}
	if (opt_nt_negctl.u && c.strategy != NMI_NAIVE && c.control == TC_NONE && !res.aborted) {
		negctl(TC_FRAME);
		negctl(TC_CANARY);
		negctl(TC_DR7);
		negctl_stray();
	}
	/* Leave the strategy the command line chose. */
	if (nmi_strategy_install(c.strategy, why, sizeof(why)) < 0)
		report(false, "nmi=%s reinstalled: %s", n, why);
}

SUITE(nmi_torture, run_nmi_torture, SUITE_OPTIONAL);
