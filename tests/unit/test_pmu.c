/*
 * test_pmu.c - the PMU NMI-source driver (src/nmi/pmu.c) against a
 * simulated PMU (pmu_sim.c) for Intel perfmon v1, v2, v3, v4, v5 and AMD
 * legacy, PerfCtrExtCore and PerfMonV2: detection from CPUID, the exact
 * programming sequences, overflow handling (re-arm value, ack register,
 * order: ack after re-arm, LVT unmask last), 32-bit versus full-width
 * counter writes, the v4 freeze bits, accounting at the source, and the
 * "no PMU" verdicts.
 *
 * The checks (check_handler, check_run, check_armed) are each shown to
 * fail: deliberately wrong handlers and programming run through the same
 * simulator and the same checks, and the test requires the checks to
 * reject them ("negative control" lines).
 */
// uses: src/nmi/pmu.c tests/unit/pmu_sim.c
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tests/unit/pmu_sim.h"
#include "nmi/pmu.h"
#include "arch/apic.h"

#define PERIOD		1000000ull	/* events: clock 1 GHz at 1000 NMIs/s */
#define CLOCK_HZ	1000000000ull
#define RATE_HZ		1000ull
#define LVT_ON		APIC_DM_NMI
#define SEL_CYCLES(ev)	((uint64_t)(ev) | EVTSEL_OS | EVTSEL_INT | EVTSEL_EN)
#define M(w)		((w) >= 64 ? ~0ull : (1ull << (w)) - 1)

/* ---- CPU models ---- */
static const struct sim_model intel_v1 = {
	.name = "Intel v1", .version = 1, .n_gp = 2, .gp_width = 40, .events_len = 7,
};
static const struct sim_model intel_v2 = {
	.name = "Intel v2", .version = 2, .n_gp = 2, .gp_width = 40, .n_fixed = 3,
	.fixed_width = 40, .events_len = 7, .pdcm = true,
};
static const struct sim_model intel_v3 = {
	.name = "Intel v3", .version = 3, .n_gp = 4, .gp_width = 48, .n_fixed = 3,
	.fixed_width = 48, .events_len = 7, .pdcm = true,
};
static const struct sim_model intel_v4 = {
	.name = "Intel v4", .version = 4, .n_gp = 4, .gp_width = 48, .n_fixed = 3,
	.fixed_width = 48, .events_len = 7, .pdcm = true, .fw_write = true,
};
static const struct sim_model intel_v4_nofw = {
	.name = "Intel v4 32-bit writes", .version = 4, .n_gp = 4, .gp_width = 48,
	.n_fixed = 3, .fixed_width = 48, .events_len = 7, .pdcm = true,
};
static const struct sim_model intel_v5 = {
	.name = "Intel v5", .version = 5, .n_gp = 8, .gp_width = 48, .n_fixed = 4,
	.fixed_width = 48, .events_len = 8, .pdcm = true, .fw_write = true,
};
/* v5 with fixed counters 0 and 2 only: 2 from the ECX bitmap. */
static const struct sim_model intel_v5_sparse = {
	.name = "Intel v5 sparse fixed", .version = 5, .n_gp = 8, .gp_width = 48,
	.n_fixed = 1, .fixed_ecx = 0x5, .fixed_width = 48, .events_len = 8,
	.pdcm = true, .fw_write = true,
};
static const struct sim_model amd_legacy = {
	.name = "AMD legacy", .amd = true, .version = 1,
};
static const struct sim_model amd_ext = {
	.name = "AMD PerfCtrExtCore", .amd = true, .version = 1, .amd_ext_core = true,
	.hypervisor = true,
};
static const struct sim_model amd_v2 = {
	.name = "AMD PerfMonV2", .amd = true, .version = 2, .n_gp = 6, .hypervisor = true,
};
/* What QEMU's TCG shows: leaf 0xA all zero / no AMD bits, hypervisor
 * bit set, unknown MSRs read 0 and drop writes. */
static const struct sim_model tcg_intel = {
	.name = "TCG Intel", .version = 0, .hypervisor = true, .drop_writes = true,
};
static const struct sim_model tcg_amd = {
	.name = "TCG AMD", .amd = true, .version = 1, .hypervisor = true, .drop_writes = true,
};

static struct sim S;
static struct pmu P;

static int detect(const struct sim_model *m)
{
	sim_init(&S, m);
	return pmu_detect(&P, &S.ops);
}

static int bring_up(const struct sim_model *m, enum pmu_counter_kind k)
{
	if (detect(m) < 0 || pmu_setup(&P, k, CLOCK_HZ, RATE_HZ) < 0)
		return -1;
	S.n_log = 0;
	return pmu_start(&P);
}

/* ---- the checks ---- */

static unsigned counter_slot(const struct pmu *p)
{
	if (p->caps.vendor == PMU_INTEL && p->kind != PMU_CTR_GP_CYCLES)
		return 32 + p->index;
	return p->index;
}

static uint64_t counter_value(const struct sim *s, const struct pmu *p)
{
	unsigned slot = counter_slot(p);

	return slot >= 32 ? s->fixed[slot - 32] : s->ctr[slot];
}

/* The model's own ack and control registers, not the driver's idea. */
static uint32_t model_ack_msr(const struct sim *s)
{
	return s->m.amd ? MSR_AMD_PERF_GLOBAL_STATUS_CLR : MSR_IA32_PERF_GLOBAL_STATUS_RESET;
}

static uint32_t model_ctrl_msr(const struct sim *s)
{
	return s->m.amd ? MSR_AMD_PERF_GLOBAL_CTL : MSR_IA32_PERF_GLOBAL_CTRL;
}

static bool model_global(const struct sim *s)
{
	return s->m.version >= 2;
}

/*
 * One NMI's writes: the counter re-armed so that it holds -period; on a
 * global-status PMU the overflow acknowledged in the model's ack register
 * after the re-arm and counting re-enabled; the LVT entry unmasked in NMI
 * mode as the very last write; nothing faulted.
 */
static bool check_handler(const struct sim *s, const struct pmu *p, const struct sim_nmi *n,
			  char *why, size_t len)
{
	unsigned slot = counter_slot(p), k;
	uint64_t bit = 1ull << slot;
	int rearm = -1, ack = -1, lvt = -1, enable = -1;

	for (k = n->from; k < n->to; k++) {
		const struct sim_write *w = &s->log[k];
		unsigned sl;

		if (w->fault) {
			snprintf(why, len, "write of 0x%llx to MSR 0x%x raised #GP",
				 (unsigned long long)w->val, w->msr);
			return false;
		}
		if (w->apic) {
			if (w->msr == APIC_LVT_PMC)
				lvt = (int)k;
		} else if (sim_is_counter_msr(s, w->msr, &sl) && sl == slot) {
			uint64_t got = sim_counter_after_write(s, w->msr, w->val);
			uint64_t want = (0 - p->period) & sim_counter_mask(s, w->msr);

			if (got != want) {
				snprintf(why, len, "re-arm leaves 0x%llx in the counter, want -period 0x%llx",
					 (unsigned long long)got, (unsigned long long)want);
				return false;
			}
			rearm = (int)k;
		} else if (model_global(s) && w->msr == model_ack_msr(s) && (w->val & bit)) {
			ack = (int)k;
		} else if (model_global(s) && w->msr == model_ctrl_msr(s) && (w->val & bit)) {
			enable = (int)k;
		}
	}
	if (rearm < 0)
		snprintf(why, len, "counter not re-armed");
	else if (model_global(s) && ack < 0)
		snprintf(why, len, "overflow not acknowledged in MSR 0x%x", model_ack_msr(s));
	else if (model_global(s) && ack < rearm)
		snprintf(why, len, "overflow acknowledged before the counter was re-armed");
	else if (model_global(s) && enable < 0 && !p->stopping)
		snprintf(why, len, "counting not re-enabled");
	else if (lvt < 0)
		snprintf(why, len, "LVT performance-counter entry not unmasked");
	else if (s->log[lvt].val != LVT_ON)
		snprintf(why, len, "LVT written 0x%llx, want unmasked NMI 0x%x",
			 (unsigned long long)s->log[lvt].val, LVT_ON);
	else if (lvt != (int)n->to - 1 || lvt < rearm || lvt < ack)
		snprintf(why, len, "LVT unmasked before the counter was reset and acknowledged");
	else
		return why[0] = '\0', true;
	return false;
}

/*
 * A run: `want` overflows happened and each raised exactly one NMI, which
 * the driver claimed; every handler passes check_handler; no #GP; the
 * source's accounting (after pmu_finish) says raised == handled == want.
 */
static bool check_run(const struct sim *s, const struct pmu *p, unsigned want,
		      char *why, size_t len)
{
	char w[160];

	if (s->faults) {
		snprintf(why, len, "%u MSR accesses raised #GP", s->faults);
		return false;
	}
	if (s->overflows != want) {
		snprintf(why, len, "%u overflows, want %u (counting stopped?)", s->overflows, want);
		return false;
	}
	if (s->unclaimed) {
		snprintf(why, len, "%u NMIs nobody claimed (spurious PMIs)", s->unclaimed);
		return false;
	}
	if (s->pmis_delivered != want || s->pmis_lost) {
		snprintf(why, len, "%u PMIs delivered, %u lost, for %u overflows",
			 s->pmis_delivered, s->pmis_lost, want);
		return false;
	}
	for (unsigned i = 0; i < s->n_nmis; i++) {
		if (s->nmis[i].claimed && !check_handler(s, p, &s->nmis[i], w, sizeof(w))) {
			snprintf(why, len, "NMI %u: %s", i, w);
			return false;
		}
	}
	if (p->raised != want || p->handled != want) {
		snprintf(why, len, "source counts raised %llu handled %llu, want %u",
			 (unsigned long long)p->raised, (unsigned long long)p->handled, want);
		return false;
	}
	why[0] = '\0';
	return true;
}

/* After start (or a re-arm): the counter holds -period, the LVT entry is an
 * unmasked NMI, and the counter is enabled with its PMI. */
static bool check_armed(const struct sim *s, const struct pmu *p, char *why, size_t len)
{
	uint64_t want = (0 - p->period) & M(p->width), got = counter_value(s, p);

	if (got != want)
		snprintf(why, len, "counter holds 0x%llx, want -period 0x%llx",
			 (unsigned long long)got, (unsigned long long)want);
	else if (s->lvt != LVT_ON)
		snprintf(why, len, "LVT_PMC is 0x%x, want 0x%x", s->lvt, LVT_ON);
	else if (model_global(s) && !(s->gctrl & (1ull << counter_slot(p))))
		snprintf(why, len, "counter not enabled in global control");
	else if (s->faults)
		snprintf(why, len, "%u #GP", s->faults);
	else
		return why[0] = '\0', true;
	return false;
}

/* Run `n` periods (+ half) with `handler`, then stop through the driver.
 * Steps of period/8: at most one overflow per step, and the counter
 * reaches exactly zero at a step's end, so no events are lost to skid. */
static bool run_periods(bool (*handler)(struct pmu *), unsigned n, char *why, size_t len)
{
	sim_run(&S, &P, handler, n * P.period + P.period / 2, P.period / 8);
	pmu_quiesce(&P);
	pmu_finish(&P);
	return check_run(&S, &P, n, why, len);
}

/* ---- wrong handlers for the negative controls ---- */

static bool wrong_unmask_first(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t st = o->read(o->ctx, p->status_msr);

	if (!(st & p->ovf_bit))
		return false;
	p->raised++;
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);	/* early */
	o->write(o->ctx, p->ctrl_msr, 0);
	o->write(o->ctx, p->ctr_msr, p->preload);
	o->write(o->ctx, p->ack_msr, p->ovf_bit | (st & p->ack_extra));
	o->write(o->ctx, p->ctrl_msr, p->ovf_bit);
	p->handled++;
	return true;
}

static bool wrong_ack_first(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t st = o->read(o->ctx, p->status_msr);

	if (!(st & p->ovf_bit))
		return false;
	p->raised++;
	o->write(o->ctx, p->ctrl_msr, 0);
	o->write(o->ctx, p->ack_msr, p->ovf_bit | (st & p->ack_extra));	/* early */
	o->write(o->ctx, p->ctr_msr, p->preload);
	o->write(o->ctx, p->ctrl_msr, p->ovf_bit);
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	p->handled++;
	return true;
}

/* v2-v3 style ack on a v4 part: only the overflow bit. */
static bool wrong_v2_ack(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t st = o->read(o->ctx, p->status_msr);

	if (!(st & p->ovf_bit))
		return false;
	p->raised++;
	o->write(o->ctx, p->ctrl_msr, 0);
	o->write(o->ctx, p->ctr_msr, p->preload);
	o->write(o->ctx, MSR_IA32_PERF_GLOBAL_OVF_CTRL, p->ovf_bit);
	o->write(o->ctx, p->ctrl_msr, p->ovf_bit);
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	p->handled++;
	return true;
}

/* v4 style ack (freeze bits) on a v2 part. */
static bool wrong_v4_ack(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t st = o->read(o->ctx, p->status_msr);

	if (!(st & p->ovf_bit))
		return false;
	p->raised++;
	o->write(o->ctx, p->ctrl_msr, 0);
	o->write(o->ctx, p->ctr_msr, p->preload);
	o->write(o->ctx, MSR_IA32_PERF_GLOBAL_STATUS_RESET,
		 p->ovf_bit | GLOBAL_STATUS_LBR_FRZ | GLOBAL_STATUS_CTR_FRZ);
	o->write(o->ctx, p->ctrl_msr, p->ovf_bit);
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	p->handled++;
	return true;
}

static bool wrong_no_unmask(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t st = o->read(o->ctx, p->status_msr);

	if (!(st & p->ovf_bit))
		return false;
	p->raised++;
	o->write(o->ctx, p->ctrl_msr, 0);
	o->write(o->ctx, p->ctr_msr, p->preload);
	o->write(o->ctx, p->ack_msr, p->ovf_bit | (st & p->ack_extra));
	o->write(o->ctx, p->ctrl_msr, p->ovf_bit);
	p->handled++;
	return true;
}

/* Without a global status register, but written as if there were one. */
static bool wrong_global_on_v1(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t v = o->read(o->ctx, p->ctr_msr);

	if (v & (1ull << (p->width - 1)))
		return false;
	p->raised++;
	o->write(o->ctx, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	o->write(o->ctx, p->ctr_msr, p->preload);
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	p->handled++;
	return true;
}

/* Legacy handler that unmasks before re-arming. */
static bool wrong_legacy_unmask_first(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t v = o->read(o->ctx, p->ctr_msr);

	if (v & (1ull << (p->width - 1)))
		return false;
	p->raised++;
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	o->write(o->ctx, p->ctr_msr, p->preload);
	p->handled++;
	return true;
}

/* -period as a 64-bit value, not masked to the width. */
static bool wrong_unmasked_preload(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t st = o->read(o->ctx, p->status_msr);

	if (!(st & p->ovf_bit))
		return false;
	p->raised++;
	o->write(o->ctx, p->ctrl_msr, 0);
	o->write(o->ctx, p->ctr_msr, 0 - p->period);
	o->write(o->ctx, p->ack_msr, p->ovf_bit | (st & p->ack_extra));
	o->write(o->ctx, p->ctrl_msr, p->ovf_bit);
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	p->handled++;
	return true;
}


/* ---- detection ---- */

struct detect_case {
	const struct sim_model *m;
	enum pmu_vendor vendor;
	unsigned version, n_gp, gp_width;
	uint32_t fixed_mask;
	bool fw;
	enum pmu_counter_kind auto_kind;
};

static void test_detect(void)
{
	static const struct detect_case cases[] = {
		{ &intel_v1, PMU_INTEL, 1, 2, 40, 0, false, PMU_CTR_GP_CYCLES },
		{ &intel_v2, PMU_INTEL, 2, 2, 40, 0x7, false, PMU_CTR_FIXED_CYCLES },
		{ &intel_v3, PMU_INTEL, 3, 4, 48, 0x7, false, PMU_CTR_FIXED_CYCLES },
		{ &intel_v4, PMU_INTEL, 4, 4, 48, 0x7, true, PMU_CTR_FIXED_CYCLES },
		{ &intel_v4_nofw, PMU_INTEL, 4, 4, 48, 0x7, false, PMU_CTR_FIXED_CYCLES },
		{ &intel_v5, PMU_INTEL, 5, 8, 48, 0xf, true, PMU_CTR_FIXED_CYCLES },
		{ &intel_v5_sparse, PMU_INTEL, 5, 8, 48, 0x5, true, PMU_CTR_GP_CYCLES },
		{ &amd_legacy, PMU_AMD, 1, 4, 48, 0, false, PMU_CTR_GP_CYCLES },
		{ &amd_ext, PMU_AMD, 1, 6, 48, 0, false, PMU_CTR_GP_CYCLES },
		{ &amd_v2, PMU_AMD, 2, 6, 48, 0, false, PMU_CTR_GP_CYCLES },
	};
	char d[200];
	int r;

	check_set_prefix("detect");
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct detect_case *c = &cases[i];

		r = detect(c->m);
		CHECK(r == 0 && P.caps.vendor == c->vendor && P.caps.version == c->version &&
		      P.caps.n_gp == c->n_gp && P.caps.gp_width == c->gp_width &&
		      P.caps.fixed_mask == c->fixed_mask && P.caps.full_width_write == c->fw &&
		      S.faults == 0 && S.n_log == 0,
		      "%s: %s", c->m->name, pmu_describe(&P.caps, d, sizeof(d)));
		r = pmu_setup(&P, PMU_CTR_AUTO, CLOCK_HZ, RATE_HZ);
		CHECK(r == 0 && P.kind == c->auto_kind, "%s: auto picks %s (got %s)", c->m->name,
		      pmu_counter_kind_name(c->auto_kind), pmu_counter_kind_name(P.kind));
	}
	CHECK(detect(&amd_ext) == 0 && P.caps.amd_ext_core && P.caps.hypervisor,
	      "AMD PerfCtrExtCore under a hypervisor is a PMU (the feature bit says so)");
	CHECK(detect(&intel_v4) == 0 && P.caps.fixed_width == 48 && P.caps.events_len == 7,
	      "Intel v4: fixed width and EBX length from CPUID.0AH");

	/* The "no PMU" verdicts, each with its reason. */
	CHECK(detect(&tcg_intel) < 0 && P.caps.vendor == PMU_NONE &&
	      strstr(P.caps.why, "version 0") && strstr(P.caps.why, "hypervisor") && S.n_log == 0,
	      "TCG-like Intel (leaf 0xA zero): no PMU: %s", P.caps.why);
	CHECK(detect(&tcg_amd) < 0 && strstr(P.caps.why, "hypervisor") && S.n_log == 0,
	      "TCG-like AMD (no feature bits, hypervisor): no PMU: %s", P.caps.why);
	struct sim_model m = intel_v2;
	m.max_basic = 5;
	CHECK(detect(&m) < 0 && strstr(P.caps.why, "no leaf 0xA"),
	      "CPUID without leaf 0xA: no PMU: %s", P.caps.why);
	m = intel_v1;
	m.events_missing = 1;
	CHECK(detect(&m) < 0 && strstr(P.caps.why, "no usable counter"),
	      "v1 whose EBX says core cycles are missing: no usable counter");
	m = intel_v1;
	m.events_len = 0;
	CHECK(detect(&m) < 0, "v1 whose EBX vector has length 0: no event is enumerated");
	m = intel_v2;
	m.gp_width = 0;
	m.n_fixed = 0;
	CHECK(detect(&m) < 0, "v2 with 0-bit general counters and no fixed ones: no PMU");
	m = amd_v2;
	m.n_gp = 0;
	CHECK(detect(&m) < 0, "PerfMonV2 with 0 core counters: no PMU");
	m = intel_v4;
	m.events_missing = 1;
	CHECK(detect(&m) == 0 && pmu_setup(&P, PMU_CTR_GP_CYCLES, CLOCK_HZ, RATE_HZ) < 0 &&
	      strstr(P.err, "not available") &&
	      pmu_setup(&P, PMU_CTR_FIXED_CYCLES, CLOCK_HZ, RATE_HZ) == 0,
	      "v4 without the core-cycles event: general counter refused, fixed used");
	CHECK(detect(&intel_v1) == 0 &&
	      pmu_setup(&P, PMU_CTR_FIXED_CYCLES, CLOCK_HZ, RATE_HZ) < 0 &&
	      strstr(P.err, "not available"), "v1 has no fixed counters: %s", P.err);
	CHECK(detect(&tcg_intel) < 0 && pmu_setup(&P, PMU_CTR_AUTO, CLOCK_HZ, RATE_HZ) < 0 &&
	      strstr(P.err, PMU_NO_PMU_MSG), "setup without a PMU says: %s", P.err);
}

/* ---- period ---- */

static void test_period(void)
{
	uint64_t n = 0;
	char err[160];

	check_set_prefix("period");
	CHECK(pmu_period_for_rate(CLOCK_HZ, 1000, PMU_MAX_PERIOD_32BIT, &n, err, sizeof(err)) == 0 &&
	      n == 1000000, "1 GHz at 1000 Hz: 10^6 events");
	CHECK(pmu_period_for_rate(3000000000ull, 7, ~0ull >> 1, &n, err, sizeof(err)) == 0 &&
	      n == 428571428, "3 GHz at 7 Hz: floor(3e9/7)");
	CHECK(pmu_period_for_rate(CLOCK_HZ, 0, ~0ull, &n, err, sizeof(err)) < 0 &&
	      strstr(err, "at least 1 Hz"), "rate 0 refused: %s", err);
	CHECK(pmu_period_for_rate(0, 10, ~0ull, &n, err, sizeof(err)) < 0,
	      "unknown clock refused: %s", err);
	CHECK(pmu_period_for_rate(CLOCK_HZ, CLOCK_HZ / (PMU_MIN_PERIOD - 1), ~0ull, &n, err,
				  sizeof(err)) < 0 && strstr(err, "too high"),
	      "a period under the minimum refused: %s", err);
	CHECK(pmu_period_for_rate(3000000000ull, 1, PMU_MAX_PERIOD_32BIT, &n, err, sizeof(err)) < 0 &&
	      strstr(err, "too low"), "3e9 events do not fit a 31-bit preload: %s", err);

	detect(&intel_v4_nofw);
	pmu_setup(&P, PMU_CTR_GP_CYCLES, CLOCK_HZ, RATE_HZ);
	CHECK_EQ_U64(pmu_max_period(&P), PMU_MAX_PERIOD_32BIT, "v4 32-bit writes: max period 2^31-1");
	pmu_setup(&P, PMU_CTR_FIXED_CYCLES, CLOCK_HZ, RATE_HZ);
	CHECK_EQ_U64(pmu_max_period(&P), PMU_MAX_PERIOD_32BIT,
		     "v4 32-bit writes: fixed counters limited the same way (as Linux does)");
	detect(&intel_v4);
	pmu_setup(&P, PMU_CTR_GP_CYCLES, CLOCK_HZ, RATE_HZ);
	CHECK_EQ_U64(pmu_max_period(&P), (1ull << 47) - 1, "v4 full-width: max period 2^47-1");
	detect(&intel_v2);
	pmu_setup(&P, PMU_CTR_GP_CYCLES, CLOCK_HZ, RATE_HZ);
	CHECK_EQ_U64(pmu_max_period(&P), PMU_MAX_PERIOD_32BIT, "v2 40-bit counters: 2^31-1");
	detect(&amd_v2);
	pmu_setup(&P, PMU_CTR_AUTO, CLOCK_HZ, RATE_HZ);
	CHECK_EQ_U64(pmu_max_period(&P), (1ull << 47) - 1, "AMD 48-bit counters: 2^47-1");
	CHECK_EQ_U64(P.preload, (1ull << 48) - PERIOD, "AMD preload: -period masked to 48 bits");
	detect(&intel_v2);
	pmu_setup(&P, PMU_CTR_GP_CYCLES, CLOCK_HZ, RATE_HZ);
	CHECK_EQ_U64(P.preload, (1ull << 40) - PERIOD, "v2 preload: -period masked to 40 bits");
}

/* ---- programming sequences ---- */

struct w {
	uint32_t msr;
	uint64_t val;
	bool apic;
};

#define W(msr, val)	{ (msr), (val), false }
#define LVT_W		{ APIC_LVT_PMC, LVT_ON, true }
#define P48		((1ull << 48) - PERIOD)
#define P40		((1ull << 40) - PERIOD)
#define FRZ		(GLOBAL_STATUS_LBR_FRZ | GLOBAL_STATUS_CTR_FRZ)

/* "0x186=0 0xc1=0xff000f4240 lvt=0x400 ..." */
static const char *seq_text(const struct w *ws, unsigned n, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && o < len; i++) {
		if (ws[i].apic)
			o += snprintf(buf + o, len - o, "%sLVT_PMC=0x%llx", i ? ", " : "",
				      (unsigned long long)ws[i].val);
		else
			o += snprintf(buf + o, len - o, "%s0x%x=0x%llx", i ? ", " : "", ws[i].msr,
				      (unsigned long long)ws[i].val);
	}
	return buf;
}

static bool log_is(const struct w *want, unsigned n, char *why, size_t len)
{
	for (unsigned i = 0; i < n || i < S.n_log; i++) {
		if (i >= n || i >= S.n_log || S.log[i].msr != want[i].msr ||
		    S.log[i].apic != want[i].apic || S.log[i].val != want[i].val || S.log[i].fault) {
			snprintf(why, len, "write %u: got %s0x%x = 0x%llx%s, want 0x%x = 0x%llx",
				 i, i < S.n_log && S.log[i].apic ? "APIC " : "MSR ",
				 i < S.n_log ? S.log[i].msr : 0,
				 (unsigned long long)(i < S.n_log ? S.log[i].val : 0),
				 i < S.n_log && S.log[i].fault ? " (#GP)" : "",
				 i < n ? want[i].msr : 0, (unsigned long long)(i < n ? want[i].val : 0));
			return false;
		}
	}
	return true;
}

#define SEQ(model, kind, ...) do {						\
	static const struct w want_[] = { __VA_ARGS__ };			\
	const unsigned n_ = sizeof(want_) / sizeof(want_[0]);			\
	char why_[200] = "", seq_[400];						\
	int r_ = bring_up(&(model), (kind));					\
	bool ok_ = r_ == 0 && log_is(want_, n_, why_, sizeof(why_));		\
	CHECK(ok_, "%s %s: %s", (model).name, pmu_counter_kind_name(kind),	\
	      r_ ? P.err : ok_ ? seq_text(want_, n_, seq_, sizeof(seq_)) : why_); \
	CHECK(check_armed(&S, &P, why_, sizeof(why_)), "%s %s: counter holds -period, "	\
	      "LVT_PMC is an unmasked NMI, counting on%s%s", (model).name,		\
	      pmu_counter_kind_name(kind), *why_ ? ": " : "", why_);		\
} while (0)

static void test_program(void)
{
	check_set_prefix("program");
	SEQ(intel_v1, PMU_CTR_GP_CYCLES,
	    W(0x186, 0), W(0xc1, P40), LVT_W,
	    W(0x186, SEL_CYCLES(0x3c)));
	SEQ(intel_v2, PMU_CTR_GP_CYCLES,
	    W(0x38f, 0), W(0x186, 0), W(0xc1, P40), W(0x390, 1),
	    W(0x186, SEL_CYCLES(0x3c)), LVT_W, W(0x38f, 1));
	SEQ(intel_v2, PMU_CTR_FIXED_CYCLES,
	    W(0x38f, 0), W(0x38d, 0), W(0x30a, P40), W(0x390, 1ull << 33),
	    W(0x38d, 0x90), LVT_W, W(0x38f, 1ull << 33));
	SEQ(intel_v3, PMU_CTR_FIXED_INSTRUCTIONS,
	    W(0x38f, 0), W(0x38d, 0), W(0x309, P48), W(0x390, 1ull << 32),
	    W(0x38d, 0x9), LVT_W, W(0x38f, 1ull << 32));
	SEQ(intel_v4, PMU_CTR_FIXED_CYCLES,
	    W(0x38f, 0), W(0x38d, 0), W(0x30a, P48), W(0x390, (1ull << 33) | FRZ),
	    W(0x38d, 0x90), LVT_W, W(0x38f, 1ull << 33));
	SEQ(intel_v4, PMU_CTR_GP_CYCLES,
	    W(0x38f, 0), W(0x186, 0), W(0x4c1, P48), W(0x390, 1 | FRZ),
	    W(0x186, SEL_CYCLES(0x3c)), LVT_W, W(0x38f, 1));
	SEQ(intel_v4_nofw, PMU_CTR_GP_CYCLES,
	    W(0x38f, 0), W(0x186, 0), W(0xc1, P48), W(0x390, 1 | FRZ),
	    W(0x186, SEL_CYCLES(0x3c)), LVT_W, W(0x38f, 1));
	SEQ(intel_v5, PMU_CTR_FIXED_CYCLES,
	    W(0x38f, 0), W(0x38d, 0), W(0x30a, P48), W(0x390, (1ull << 33) | FRZ),
	    W(0x38d, 0x90), LVT_W, W(0x38f, 1ull << 33));
	SEQ(intel_v5, PMU_CTR_GP_CYCLES,
	    W(0x38f, 0), W(0x186, 0), W(0x4c1, P48), W(0x390, 1 | FRZ),
	    W(0x186, SEL_CYCLES(0x3c)), LVT_W, W(0x38f, 1));
	SEQ(amd_legacy, PMU_CTR_GP_CYCLES,
	    W(0xc0010000, 0), W(0xc0010004, P48), LVT_W,
	    W(0xc0010000, SEL_CYCLES(0x76)));
	SEQ(amd_ext, PMU_CTR_GP_CYCLES,
	    W(0xc0010200, 0), W(0xc0010201, P48), LVT_W,
	    W(0xc0010200, SEL_CYCLES(0x76)));
	SEQ(amd_v2, PMU_CTR_GP_CYCLES,
	    W(0xc0000301, 0), W(0xc0010200, 0), W(0xc0010201, P48), W(0xc0000302, 1),
	    W(0xc0010200, SEL_CYCLES(0x76)), LVT_W, W(0xc0000301, 1));

	/* Negative controls: the v2-v3 start (ack without the freeze bits)
	 * is not what a v4 part gets; a counter that did not get -period. */
	static const struct w v2_style[] = {
		W(0x38f, 0), W(0x38d, 0), W(0x30a, P48), W(0x390, 1ull << 33),
		W(0x38d, 0x90), LVT_W, W(0x38f, 1ull << 33),
	};
	char why[200] = "";
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	CHECK(!log_is(v2_style, 7, why, sizeof(why)),
	      "negative control: the v2 sequence is rejected for a v4 part (%s)", why);
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	S.fixed[1] = 0;
	CHECK(!check_armed(&S, &P, why, sizeof(why)), "negative control: a counter left at 0 "
	      "is caught (%s)", why);
	CHECK(bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES) == 0 && pmu_start(&P) < 0 &&
	      strstr(P.err, "already running"), "start twice refused: %s", P.err);
	detect(&intel_v4);
	CHECK(pmu_start(&P) < 0 && strstr(P.err, "pmu_setup first"), "start before setup refused");
}

/* ---- overflow handling on every model ---- */

struct run_case {
	const struct sim_model *m;
	enum pmu_counter_kind kind;
};

static void test_overflow(void)
{
	static const struct run_case cases[] = {
		{ &intel_v1, PMU_CTR_GP_CYCLES },
		{ &intel_v2, PMU_CTR_GP_CYCLES },
		{ &intel_v2, PMU_CTR_FIXED_CYCLES },
		{ &intel_v3, PMU_CTR_FIXED_INSTRUCTIONS },
		{ &intel_v4, PMU_CTR_FIXED_CYCLES },
		{ &intel_v4, PMU_CTR_GP_CYCLES },
		{ &intel_v4_nofw, PMU_CTR_GP_CYCLES },
		{ &intel_v5, PMU_CTR_FIXED_CYCLES },
		{ &intel_v5, PMU_CTR_GP_CYCLES },
		{ &intel_v5_sparse, PMU_CTR_AUTO },
		{ &amd_legacy, PMU_CTR_GP_CYCLES },
		{ &amd_ext, PMU_CTR_GP_CYCLES },
		{ &amd_v2, PMU_CTR_GP_CYCLES },
	};
	char why[200] = "";

	check_set_prefix("overflow");
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct run_case *c = &cases[i];
		bool ok = bring_up(c->m, c->kind) == 0;

		if (!ok)
			snprintf(why, sizeof(why), "start: %s", P.err);
		ok = ok && run_periods(pmu_handle, 5, why, sizeof(why));
		CHECK(ok, "%s %s: 5 overflows, 5 NMIs, re-armed to -period, acked after "
		      "re-arm, LVT unmasked last, raised == handled == 5%s%s", c->m->name,
		      pmu_counter_kind_name(c->kind), ok ? "" : ": ", ok ? "" : why);
		CHECK((S.lvt & APIC_LVT_MASKED) && !(S.gctrl & (1ull << counter_slot(&P))) &&
		      !(S.sel[0] & EVTSEL_EN) && !(S.fixed_ctrl & 0xff) && !P.running,
		      "%s: after stop the counter is off and the LVT entry masked", c->m->name);
	}

	/* The ack value and register on the first NMI, per model. */
	bring_up(&intel_v2, PMU_CTR_FIXED_CYCLES);
	run_periods(pmu_handle, 1, why, sizeof(why));
	CHECK(S.n_nmis == 1 && S.log[S.nmis[0].from + 2].msr == 0x390 &&
	      S.log[S.nmis[0].from + 2].val == 1ull << 33,
	      "v2: IA32_PERF_GLOBAL_OVF_CTRL gets our bit only (bit 33)");
	bring_up(&amd_v2, PMU_CTR_GP_CYCLES);
	run_periods(pmu_handle, 1, why, sizeof(why));
	CHECK(S.n_nmis == 1 && S.log[S.nmis[0].from + 2].msr == 0xc0000302 &&
	      S.log[S.nmis[0].from + 2].val == 1,
	      "AMD PerfMonV2: GlobalStatusClr (0xc0000302) gets bit 0");

	/* NMIs that are not ours: no claim, no write. */
	const struct sim_model *mine[] = { &intel_v4, &intel_v1, &amd_legacy, &amd_v2 };
	for (unsigned i = 0; i < 4; i++) {
		bring_up(mine[i], PMU_CTR_AUTO);
		unsigned before = S.n_log;
		CHECK(!pmu_handle(&P) && S.n_log == before && P.raised == 0,
		      "%s: an NMI without an overflow is not claimed and writes nothing",
		      mine[i]->name);
	}
	bring_up(&intel_v4, PMU_CTR_AUTO);
	pmu_finish(&P);
	S.gstatus |= 1ull << 33;
	CHECK(!pmu_handle(&P), "a stopped source claims nothing, even with its status bit set");
}

/* ---- 32-bit versus full-width counter writes ---- */

static void test_width(void)
{
	char why[200] = "";
	const uint64_t big = 1ull << 33, clock = big * 4;

	check_set_prefix("width");
	CHECK(detect(&intel_v4) == 0 && pmu_setup(&P, PMU_CTR_GP_CYCLES, clock, 4) == 0 &&
	      P.ctr_msr == MSR_IA32_A_PMC0 && P.period == big,
	      "full-width part: a 2^33 period goes through IA32_A_PMC0");
	S.n_log = 0;
	CHECK(pmu_start(&P) == 0 && check_armed(&S, &P, why, sizeof(why)),
	      "full-width: the counter holds -2^33%s", why);
	CHECK(run_periods(pmu_handle, 2, why, sizeof(why)),
	      "full-width: two 2^33-event periods, each serviced%s", why);

	CHECK(detect(&intel_v4_nofw) == 0 && pmu_setup(&P, PMU_CTR_GP_CYCLES, clock, 4) < 0 &&
	      strstr(P.err, "too low"), "32-bit part: the same period is refused: %s", P.err);
	CHECK(bring_up(&intel_v4_nofw, PMU_CTR_GP_CYCLES) == 0 && P.ctr_msr == MSR_IA32_PMC0 &&
	      S.log[2].msr == MSR_IA32_PMC0 && S.log[2].val == P48 &&
	      check_armed(&S, &P, why, sizeof(why)),
	      "32-bit part: IA32_PMC0 written; sign extension of bit 31 rebuilds -period%s", why);

	/* Negative controls. A 2^33 period through the 32-bit alias: */
	detect(&intel_v4);
	pmu_setup(&P, PMU_CTR_GP_CYCLES, clock, 4);
	P.ctr_msr = MSR_IA32_PMC0;
	S.n_log = 0;
	pmu_start(&P);
	CHECK(!check_armed(&S, &P, why, sizeof(why)),
	      "negative control: a full-width value through IA32_PMC0 is caught (%s)", why);
	/* -period not masked to the width: */
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	CHECK(!run_periods(wrong_unmasked_preload, 3, why, sizeof(why)) && S.nmi_faults,
	      "negative control: an unmasked 64-bit preload is caught (%s)", why);
}

/* ---- ack registers: v2-v3 OVF_CTRL versus v4 STATUS_RESET ---- */

static void test_ack(void)
{
	char why[200] = "";

	check_set_prefix("ack");
	/* Firmware left IA32_DEBUGCTL.FREEZE_PERFMON_ON_PMI set. */
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	S.debugctl = DEBUGCTL_FREEZE_PERFMON_ON_PMI;
	CHECK(run_periods(pmu_handle, 5, why, sizeof(why)) &&
	      (S.nmis[0].status_at_entry & GLOBAL_STATUS_CTR_FRZ) &&
	      S.log[S.nmis[0].from + 2].val == ((1ull << 33) | GLOBAL_STATUS_CTR_FRZ),
	      "v4 with freeze-on-PMI: STATUS_RESET clears CTR_Frz too, counting goes on %s", why);
	bring_up(&intel_v2, PMU_CTR_GP_CYCLES);
	S.debugctl = DEBUGCTL_FREEZE_PERFMON_ON_PMI;
	CHECK(run_periods(pmu_handle, 5, why, sizeof(why)),
	      "v2 with freeze-on-PMI (GLOBAL_CTRL cleared by the PMI): re-enabled %s", why);
	bring_up(&intel_v3, PMU_CTR_FIXED_CYCLES);
	S.debugctl = DEBUGCTL_FREEZE_PERFMON_ON_PMI;
	CHECK(run_periods(pmu_handle, 5, why, sizeof(why)), "v3 with freeze-on-PMI %s", why);

	/* Negative controls: the other version's ack. */
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	S.debugctl = DEBUGCTL_FREEZE_PERFMON_ON_PMI;
	CHECK(!run_periods(wrong_v2_ack, 5, why, sizeof(why)),
	      "negative control: a v2-style ack on a v4 part leaves the counters frozen (%s)", why);
	bring_up(&intel_v2, PMU_CTR_FIXED_CYCLES);
	CHECK(!run_periods(wrong_v4_ack, 5, why, sizeof(why)),
	      "negative control: a v4-style ack on a v2 part raises #GP (%s)", why);
}

/* ---- order: ack after re-arm, LVT unmask last ---- */

static void test_order(void)
{
	char why[200] = "";

	check_set_prefix("order");
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	bool run_ok = run_periods(wrong_unmask_first, 5, why, sizeof(why));
	CHECK(!run_ok && S.unclaimed > 0,
	      "negative control: unmask before reset gives spurious NMIs (%u unclaimed: %s)",
	      S.unclaimed, why);
	CHECK(!check_handler(&S, &P, &S.nmis[0], why, sizeof(why)),
	      "negative control: ... and the handler check names it (%s)", why);

	bring_up(&intel_v5, PMU_CTR_GP_CYCLES);
	CHECK(!run_periods(wrong_unmask_first, 5, why, sizeof(why)),
	      "negative control: v5 general counter, unmask first (%s)", why);

	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	CHECK(!run_periods(wrong_ack_first, 5, why, sizeof(why)) &&
	      strstr(why, "before the counter was re-armed"),
	      "negative control: ack before re-arm is caught (%s)", why);

	bring_up(&amd_v2, PMU_CTR_GP_CYCLES);
	CHECK(!run_periods(wrong_ack_first, 5, why, sizeof(why)),
	      "negative control: AMD PerfMonV2 ack before re-arm (%s)", why);

	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	run_ok = run_periods(wrong_no_unmask, 5, why, sizeof(why));
	CHECK(!run_ok && P.raised == 2 && P.handled == 1,
	      "negative control: no unmask loses every later NMI; raised %llu != handled %llu (%s)",
	      (unsigned long long)P.raised, (unsigned long long)P.handled, why);

	bring_up(&amd_legacy, PMU_CTR_GP_CYCLES);
	CHECK(!run_periods(wrong_legacy_unmask_first, 5, why, sizeof(why)),
	      "negative control: AMD legacy, unmask before re-arm (%s)", why);

	bring_up(&intel_v1, PMU_CTR_GP_CYCLES);
	CHECK(!run_periods(wrong_global_on_v1, 5, why, sizeof(why)) && S.nmi_faults,
	      "negative control: IA32_PERF_GLOBAL_CTRL on a v1 part raises #GP (%s)", why);
}

/* ---- accounting at the source, stop ---- */

static void test_accounting(void)
{
	check_set_prefix("accounting");
	/* An overflow whose NMI never comes: raised, not handled. */
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	S.lvt |= APIC_LVT_MASKED;
	sim_run(&S, &P, pmu_handle, P.period + P.period / 2, P.period / 8);
	pmu_finish(&P);
	CHECK(S.overflows == 1 && P.raised == 1 && P.handled == 0,
	      "v4: an overflow with its NMI lost counts as raised 1, handled 0");
	bring_up(&amd_legacy, PMU_CTR_GP_CYCLES);
	S.lvt |= APIC_LVT_MASKED;
	sim_run(&S, &P, pmu_handle, P.period + P.period / 2, P.period / 8);
	pmu_finish(&P);
	CHECK(S.pmis_lost == 1 && P.raised == 1 && P.handled == 0,
	      "AMD legacy: a lost PMI is found by the counter's sign at stop");

	/* An NMI that lands between quiesce and finish services the
	 * overflow but does not restart counting. */
	bring_up(&intel_v4, PMU_CTR_FIXED_CYCLES);
	S.lvt |= APIC_LVT_MASKED;
	sim_run(&S, &P, pmu_handle, P.period + P.period / 2, P.period / 8);
	pmu_quiesce(&P);
	S.in_nmi = true;
	bool claimed = pmu_handle(&P);
	S.in_nmi = false;
	CHECK(claimed && S.gctrl == 0, "an NMI after quiesce is serviced, counting stays off");
	pmu_finish(&P);
	CHECK(P.raised == 1 && P.handled == 1 && (S.lvt & APIC_LVT_MASKED),
	      "... and finish finds nothing pending: raised 1, handled 1");
}

/* ---- the counter really holds what is written ---- */

static void test_readback(void)
{
	struct sim_model m;

	check_set_prefix("readback");
	CHECK(detect(&intel_v4) == 0 && pmu_setup(&P, PMU_CTR_AUTO, CLOCK_HZ, RATE_HZ) == 0 &&
	      pmu_readback(&P) == 0 && S.fixed[1] == 0 && S.faults == 0,
	      "v4: the fixed counter holds a written pattern (and is left at 0)");
	CHECK(detect(&amd_legacy) == 0 && pmu_setup(&P, PMU_CTR_AUTO, CLOCK_HZ, RATE_HZ) == 0 &&
	      pmu_readback(&P) == 0, "AMD legacy: PerfCtr0 holds a written pattern");
	m = intel_v2;
	m.drop_writes = true;
	m.hypervisor = true;
	CHECK(detect(&m) == 0 && pmu_setup(&P, PMU_CTR_AUTO, CLOCK_HZ, RATE_HZ) == 0 &&
	      pmu_readback(&P) < 0 && strstr(P.err, PMU_NO_PMU_MSG),
	      "CPUID claims v2 but the MSRs drop writes: %s", P.err);
	m = amd_legacy;
	m.drop_writes = true;
	CHECK(detect(&m) == 0 && pmu_setup(&P, PMU_CTR_AUTO, CLOCK_HZ, RATE_HZ) == 0 &&
	      pmu_readback(&P) < 0, "AMD without hypervisor bit but dead counters: refused");
}

int main(void)
{
	test_detect();
	test_period();
	test_program();
	test_overflow();
	test_width();
	test_ack();
	test_order();
	test_accounting();
	test_readback();
	return check_summary();
}
