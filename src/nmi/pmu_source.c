/*
 * pmu_source.c - the PMU driver (pmu.c) on the real hardware, registered
 * as the NMI source "pmu": the thin accessors behind struct pmu_msr_ops,
 * the pmu_counter= option and the one-time "no PMU" notice.
 *
 * The period comes from the requested rate and the TSC rate
 * (tsc_freq_hz()), which assumes:
 *  - unhalted core cycles (fixed counter 1, event 0x3c, AMD 0x76) tick at
 *    the TSC rate. An invariant TSC runs at the nominal frequency; the
 *    core clock runs faster under turbo and slower when power-managed,
 *    and stops in hlt ("unhalted"), so a workload that spins gets about
 *    the requested rate and one that halts gets fewer NMIs.
 *  - instructions retired (fixed counter 0) retire at one per TSC cycle.
 *    Real IPC runs from about 0.1 (a pause loop) to 4 or more, so the
 *    achieved rate follows the workload; it is measured and reported
 *    (achieved_rate_hz) rather than trusted.
 */
#include "nmi/pmu.h"
#include "nmi/nmi.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/tsc.h"
#include "record/record.h"
#include "config.h"

#include <stdio.h>

static const char *const pmu_counter_choices[] = {
	"auto", "fixed-cycles", "fixed-instructions", "gp-cycles", NULL,
};
CONFIG_OPTION(opt_pmu_counter, "pmu_counter", OPT_ENUM, pmu_counter_choices, 0, 0, "auto",
	      "counter the PMU NMI source overflows: auto = fixed cycles, else general "
	      "cycles; fixed-instructions assumes one instruction per TSC cycle");

#define PMU_PROBE_RATE_HZ 1000	/* any valid rate: probe only checks the counter */

static struct pmu_cpuid_regs hw_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = cpuid_count(leaf, subleaf);

	(void)ctx;
	return (struct pmu_cpuid_regs){ r.a, r.b, r.c, r.d };
}

static int hw_read_safe(void *ctx, uint32_t msr, uint64_t *val)
{
	(void)ctx;
	return rdmsr_safe(msr, val);
}

static int hw_write_safe(void *ctx, uint32_t msr, uint64_t val)
{
	(void)ctx;
	return wrmsr_safe(msr, val);
}

static uint64_t hw_read(void *ctx, uint32_t msr)
{
	(void)ctx;
	return rdmsr(msr);
}

static void hw_write(void *ctx, uint32_t msr, uint64_t val)
{
	(void)ctx;
	wrmsr(msr, val);
}

static void hw_apic_write(void *ctx, unsigned reg, uint32_t val)
{
	(void)ctx;
	apic_write(reg, val);
}

static const struct pmu_msr_ops hw_ops = {
	.ctx = NULL, .cpuid = hw_cpuid, .read_safe = hw_read_safe,
	.write_safe = hw_write_safe, .read = hw_read, .write = hw_write,
	.apic_write = hw_apic_write,
};

static struct pmu the_pmu;
static bool probed, present;
static char absent_why[200];
static unsigned notices;

static void say_no_pmu(const char *detail)
{
	char esc[240];

	snprintf(absent_why, sizeof(absent_why), "%s (%s)", PMU_NO_PMU_MSG, detail);
	if (notices++)
		return;
	record_emitf(REC_INFO, "{\"source\":\"pmu\",\"msg\":\"%s\",\"why\":\"%s\"}",
		     PMU_NO_PMU_MSG, json_escape(esc, sizeof(esc), detail));
}

static void probe_once(void)
{
	if (probed)
		return;
	probed = true;
	if (pmu_detect(&the_pmu, &hw_ops) < 0) {
		say_no_pmu(the_pmu.caps.why);
		return;
	}
	/* The LVT performance-counter register exists from the P6 family on:
	 * APIC_VERSION reports at least five LVT entries then (SDM vol. 3A,
	 * "Local Vector Table"). */
	if (apic_mode() == APIC_MODE_NONE || apic_max_lvt() < 5) {
		say_no_pmu("the local APIC has no performance-counter LVT entry");
		return;
	}
	if (pmu_setup(&the_pmu, (enum pmu_counter_kind)opt_pmu_counter.u, tsc_freq_hz(),
		      PMU_PROBE_RATE_HZ) < 0) {
		/* A PMU without the counter asked for: a choice, not an absence. */
		snprintf(absent_why, sizeof(absent_why), "%s", the_pmu.err);
		return;
	}
	if (pmu_readback(&the_pmu) < 0) {
		say_no_pmu(the_pmu.err);
		return;
	}
	present = true;
}

static bool src_probe(char *why, size_t whylen)
{
	probe_once();
	if (!present)
		snprintf(why, whylen, "%s", absent_why);
	return present;
}

static enum pmu_counter_kind selected = PMU_CTR_KINDS;

void pmu_source_select(enum pmu_counter_kind kind)
{
	selected = kind;
}

/* Through nmi_source_start(), which resets the counts and marks the
 * source active first. */
static int src_start(uint64_t rate_hz, char *err, size_t errlen)
{
	enum pmu_counter_kind kind = selected < PMU_CTR_KINDS ? selected :
				     (enum pmu_counter_kind)opt_pmu_counter.u;

	probe_once();
	if (!present) {
		snprintf(err, errlen, "%s", absent_why);
		return -1;
	}
	if (pmu_setup(&the_pmu, kind, tsc_freq_hz(), rate_hz) < 0 || pmu_start(&the_pmu) < 0) {
		snprintf(err, errlen, "%s", the_pmu.err);
		return -1;
	}
	return 0;
}

static void src_stop(void)
{
	pmu_quiesce(&the_pmu);
	/* A PMI raised just before the counter stopped is still on its way. */
	nmi_drain();
	pmu_finish(&the_pmu);
	NMI_WRITE_ONCE(pmu_source.raised, the_pmu.raised);
}

/*
 * One overflow, one claim. Credit for one late NMI: an overflow serviced
 * inside another source's NMI still has its own PMI coming, latched
 * behind this NMI (the overflow signalled it before the status read).
 */
static bool src_handle(void)
{
	if (!pmu_handle(&the_pmu))
		return nmi_claim_late(&pmu_source);
	NMI_WRITE_ONCE(pmu_source.raised, the_pmu.raised);
	return nmi_claim(&pmu_source, 1, 1);
}

struct nmi_source pmu_source = {
	.name = "pmu",
	.probe = src_probe,
	.start = src_start,
	.stop = src_stop,
	.handle = src_handle,
	/* Late PMU NMIs are latched ones: delivered right after the iret. */
	.late_window_us = 1000,
	.late_b2b = true,
};
NMI_SOURCE(pmu_source);

const struct pmu *pmu_source_pmu(void)
{
	return probed ? &the_pmu : NULL;
}

unsigned pmu_no_pmu_notices(void)
{
	return notices;
}
