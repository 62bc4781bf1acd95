/*
 * pmc.c - image only: the fixed-function performance counters for the
 * benchmarks' rdpmc reads (Intel architectural perfmon v2+, SDM vol. 3B,
 * "Fixed-Function Performance Counters"): 0 instructions retired, 1 core
 * cycles, 2 reference cycles. Counting only, in ring 0, no PMI: the LVT
 * PMC entry is masked while measuring anyway (quiet.c).
 *
 * Every MSR access is a *_safe one and the result is checked by reading
 * the core-cycle counter across a short loop: a hypervisor that shows the
 * CPUID leaf but does not count leaves the harness on "tsc" alone.
 * AMD has no architectural fixed counters; TCG has no perfmon leaf.
 */
#include "bench/bench.h"
#include "arch/cpu.h"
#include "nmi/pmu_msr.h"

#define FIXED_OS_ONLY	0x1u	/* per 4-bit field: count in ring 0, no PMI */

static bool saved;
static uint64_t saved_fixed_ctrl, saved_global_ctrl;

unsigned bench_pmu_fixed_start(void)
{
	struct cpuid_regs r;
	uint64_t ctrl = 0, global, c0, c1;
	unsigned n;

	bench_pmu_fixed_stop();
	if (cpuid_max_basic() < 0xa)
		return 0;
	r = cpuid(0xa);
	/* EAX[7:0] version: IA32_FIXED_CTR_CTRL and PERF_GLOBAL_CTRL from 2;
	 * EDX[4:0]: fixed counters, numbered from 0 */
	n = r.d & 0x1f;
	if ((r.a & 0xff) < 2 || n == 0)
		return 0;
	if (n > BENCH_MAX_FIXED)
		n = BENCH_MAX_FIXED;
	if (rdmsr_safe(MSR_IA32_FIXED_CTR_CTRL, &saved_fixed_ctrl) ||
	    rdmsr_safe(MSR_IA32_PERF_GLOBAL_CTRL, &saved_global_ctrl))
		return 0;
	saved = true;
	for (unsigned i = 0; i < n; i++)
		ctrl |= (uint64_t)FIXED_OS_ONLY << (4 * i);
	global = saved_global_ctrl;
	for (unsigned i = 0; i < n; i++)
		global |= 1ull << (32 + i);
	if (wrmsr_safe(MSR_IA32_FIXED_CTR_CTRL, ctrl) ||
	    wrmsr_safe(MSR_IA32_PERF_GLOBAL_CTRL, global))
		goto undo;
	if (n < 2 || rdmsr_safe(MSR_IA32_FIXED_CTR0 + 1, &c0))
		goto undo;
	for (volatile int i = 0; i < 1000; i++)
		;
	if (rdmsr_safe(MSR_IA32_FIXED_CTR0 + 1, &c1) || c1 == c0)
		goto undo;
	return n;
undo:
	bench_pmu_fixed_stop();
	return 0;
}

/* Put back what start found; nothing if start did not get that far. */
void bench_pmu_fixed_stop(void)
{
	if (!saved)
		return;
	wrmsr_safe(MSR_IA32_PERF_GLOBAL_CTRL, saved_global_ctrl);
	wrmsr_safe(MSR_IA32_FIXED_CTR_CTRL, saved_fixed_ctrl);
	saved = false;
}
