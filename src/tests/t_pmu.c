/*
 * The PMU as an NMI source on this machine. Without a PMU (QEMU's TCG,
 * KVM with pmu=off) the suite says so once and skips. With one (hardware,
 * KVM -cpu host,pmu=on) each available counter runs alone at a low rate
 * for a short while: NMIs must arrive, every overflow the hardware
 * signalled must have been serviced (raised == handled, counted at the
 * source), and no NMI may be spurious: none unknown, none claimed late
 * (an NMI with no overflow pending is what an early LVT unmask produces).
 */
#include "tests/suites.h"
#include "nmi/nmi.h"
#include "nmi/pmu.h"
#include "arch/desc.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include "lib/report.h"
#include "record/record.h"

#define SELFTEST_RATE_HZ	1000
#define SELFTEST_MS		200

static void run_counter(const struct pmu *p, enum pmu_counter_kind k)
{
	struct nmi_source *s = &pmu_source;
	const char *name = pmu_counter_kind_name(k);
	unsigned long long raised, handled, rate, late, unknown;
	uint64_t unknown0;
	char err[200];

	if (!pmu_counter_available(&p->caps, k)) {
		report_skip("%s: not on this PMU", name);
		return;
	}
	pmu_source_select(k);
	unknown0 = NMI_READ_ONCE(nmi_unknown_count);
	if (nmi_source_start(s, SELFTEST_RATE_HZ, err, sizeof(err)) < 0) {
		report(false, "%s: start: %s", name, err);
		return;
	}
	/* Spin, never hlt: the cycle counters count unhalted cycles. */
	udelay(SELFTEST_MS * 1000ull);
	nmi_source_stop(s);
	raised = s->raised;
	handled = s->handled;
	rate = s->achieved_rate_hz;
	late = s->late_nmis;
	unknown = NMI_READ_ONCE(nmi_unknown_count) - unknown0;
	report(handled > 0, "%s: NMIs arrive: %llu in %u ms, period %llu events, "
	       "%u Hz requested, %llu Hz achieved", name, handled, SELFTEST_MS,
	       (unsigned long long)p->period, SELFTEST_RATE_HZ, rate);
	report(raised == handled, "%s: every overflow serviced: raised %llu, handled %llu",
	       name, raised, handled);
	report(late == 0 && unknown == 0, "%s: no spurious NMI: %llu claimed late, %llu unknown",
	       name, late, unknown);
	/* Core cycles run near the TSC rate (turbo above, power saving
	 * below); instructions follow the loop's IPC, so no bound there. */
	if (k != PMU_CTR_FIXED_INSTRUCTIONS)
		report(rate >= SELFTEST_RATE_HZ / 4 && rate <= SELFTEST_RATE_HZ * 4,
		       "%s: achieved %llu Hz is within 4x of %u Hz", name, rate, SELFTEST_RATE_HZ);
	record_emitf(REC_NMI, "{\"source\":\"pmu\",\"counter\":\"%s\",\"requested_hz\":%u,"
		     "\"achieved_hz\":%llu,\"period\":%llu,\"raised\":%llu,\"handled\":%llu,"
		     "\"late\":%llu,\"unknown\":%llu}", name, SELFTEST_RATE_HZ, rate,
		     (unsigned long long)p->period, raised, handled, late, unknown);
}

static void test_pmu(void)
{
	char why[200], again[200];
	bool ok = pmu_source.probe(why, sizeof(why));
	const struct pmu *p = pmu_source_pmu();
	char desc[200];

	/* A second probe (the NMI torture test probes too) must not repeat
	 * the notice. */
	pmu_source.probe(again, sizeof(again));
	if (!ok) {
		report_skip("%s", why);
		if (pmu_no_pmu_notices())
			report(pmu_no_pmu_notices() == 1, "the no-PMU notice was given once (%u)",
			       pmu_no_pmu_notices());
		return;
	}
	report_info("%s", pmu_describe(&p->caps, desc, sizeof(desc)));
	/* No NMI-entry strategy owns the gate while suites run: dispatch
	 * through the generic entry for the duration. */
	trap_set_handler(VEC_NMI, nmi_trap_handler);
	run_counter(p, PMU_CTR_FIXED_CYCLES);
	run_counter(p, PMU_CTR_FIXED_INSTRUCTIONS);
	run_counter(p, PMU_CTR_GP_CYCLES);
	trap_set_handler(VEC_NMI, NULL);
	pmu_source_select(PMU_CTR_KINDS);
}

SUITE(pmu, test_pmu, SUITE_DEFAULT);
