/*
 * Expected faults on MSR access: a missing MSR is a probe result (#GP),
 * an existing one reads the same as rdmsr.
 */
#include "tests/suites.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "lib/report.h"

/*
 * 0xbaadf00d is outside every architectural and vendor MSR range: rdmsr
 * raises #GP on hardware and under KVM. QEMU 7.2's TCG never faults an
 * rdmsr (helper_rdmsr reads unknown MSRs as 0), so there the read is
 * skipped with that reason and the fault path is shown by a write that
 * TCG does fault: IA32_PKRS (0x6e1) with its reserved upper half set -
 * #GP on a CPU with PKS (reserved bits) and on one without (no MSR).
 */
#define MSR_NONEXISTENT		0xbaadf00du
#define MSR_IA32_PKRS		0x6e1u
#define PKRS_RESERVED_BIT	(1ull << 32)

static bool running_on_tcg(void)
{
	struct cpuid_regs h;

	if (!cpu_has_feature_1ecx(31))
		return false;
	h = cpuid(0x40000000);
	/* "TCGTCGTCGTCG" in EBX, ECX, EDX */
	return h.b == 0x54474354 && h.c == 0x43544743 && h.d == 0x47435447;
}

static void test_extable(void)
{
	uint64_t v = 0x5a5a, real;
	int r;

	if (running_on_tcg()) {
		report_skip("rdmsr_safe(0x%x): QEMU TCG reads unknown MSRs as 0, never #GP",
			    MSR_NONEXISTENT);
	} else {
		r = rdmsr_safe(MSR_NONEXISTENT, &v);
		report(r == VEC_GP, "rdmsr_safe(0x%x), a missing MSR, reports #GP (got %d)",
		       MSR_NONEXISTENT, r);
		r = wrmsr_safe(MSR_NONEXISTENT, 1);
		report(r == VEC_GP, "wrmsr_safe(0x%x), a missing MSR, reports #GP (got %d)",
		       MSR_NONEXISTENT, r);
	}
	r = wrmsr_safe(MSR_IA32_PKRS, PKRS_RESERVED_BIT);
	report(r == VEC_GP, "wrmsr_safe(IA32_PKRS, reserved bit 32) reports #GP (got %d)", r);

	real = rdmsr(MSR_IA32_APIC_BASE);
	r = rdmsr_safe(MSR_IA32_APIC_BASE, &v);
	report(r == 0 && v == real, "rdmsr_safe(IA32_APIC_BASE) succeeds with the rdmsr value");

	/* Two probes in a row: the second does not see the first's fault. */
	(void)wrmsr_safe(MSR_IA32_PKRS, PKRS_RESERVED_BIT);
	r = rdmsr_safe(MSR_IA32_APIC_BASE, &v);
	report(r == 0, "a probe after a faulting probe starts clean");
}

SUITE(extable, test_extable, SUITE_DEFAULT);
