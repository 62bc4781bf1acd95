/*
 * pmu_msr.h - how the PMU driver (pmu.c) reaches the hardware: CPUID,
 * MSRs and the local APIC's LVT performance-counter entry, through a
 * small table of function pointers. In the image these are the real
 * instructions (pmu_source.c); the host unit test plugs in a simulated
 * MSR file that logs every write and raises #GP on MSRs the simulated
 * model does not have (tests/unit/pmu_sim.c).
 *
 * Also the MSR numbers and bit fields the driver uses (Intel SDM vol. 3B
 * ch. 20 "Performance Monitoring" and vol. 4; AMD APM vol. 2, 13.2).
 */
#ifndef IRQLAB_NMI_PMU_MSR_H
#define IRQLAB_NMI_PMU_MSR_H

#include <stdint.h>

struct pmu_cpuid_regs {
	uint32_t a, b, c, d;
};

struct pmu_msr_ops {
	void *ctx;
	struct pmu_cpuid_regs (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf);
	/*
	 * Normal context (detection, start, stop): 0, or the vector the
	 * access raised (13 for #GP), so a missing MSR is an answer.
	 */
	int (*read_safe)(void *ctx, uint32_t msr, uint64_t *val);
	int (*write_safe)(void *ctx, uint32_t msr, uint64_t val);
	/*
	 * NMI context: only MSRs start() has already written without a
	 * fault. No fixup here on purpose: the exception table's probe state
	 * is one per CPU, and an NMI that lands inside a normal-context probe
	 * (between the fault and fault_probe_end) would overwrite it.
	 */
	uint64_t (*read)(void *ctx, uint32_t msr);
	void (*write)(void *ctx, uint32_t msr, uint64_t val);
	/* Local APIC register write (apic_write); used for APIC_LVT_PMC. */
	void (*apic_write)(void *ctx, unsigned reg, uint32_t val);
};

/* ---- Intel architectural performance monitoring (CPUID leaf 0xA) ---- */
#define MSR_IA32_PMC0			0x0c1	/* +i; writes keep EAX only, sign-extended */
#define MSR_IA32_PERFEVTSEL0		0x186	/* +i */
#define MSR_IA32_DEBUGCTL		0x1d9
/* Fixed counters, +i: 0 instructions retired, 1 unhalted core cycles,
 * 2 reference cycles (v2+). */
#define MSR_IA32_FIXED_CTR0		0x309
#define MSR_IA32_PERF_CAPABILITIES	0x345	/* exists if CPUID.1:ECX[15] (PDCM) */
#define MSR_IA32_FIXED_CTR_CTRL		0x38d	/* v2+ */
#define MSR_IA32_PERF_GLOBAL_STATUS	0x38e	/* v2+, read-only */
#define MSR_IA32_PERF_GLOBAL_CTRL	0x38f	/* v2+ */
/* v2-v3 call 0x390 IA32_PERF_GLOBAL_OVF_CTRL; v4 renames it
 * IA32_PERF_GLOBAL_STATUS_RESET and widens it (freeze bits below). Same
 * register, write 1 to clear the matching IA32_PERF_GLOBAL_STATUS bit. */
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL	0x390
#define MSR_IA32_PERF_GLOBAL_STATUS_RESET 0x390
#define MSR_IA32_PERF_GLOBAL_STATUS_SET	0x391	/* v4+ */
#define MSR_IA32_PERF_GLOBAL_INUSE	0x392	/* v4+ */
#define MSR_IA32_A_PMC0			0x4c1	/* +i; full-width alias, if PERF_CAPABILITIES[13] */

#define PERF_CAP_FW_WRITE		(1ull << 13)
#define DEBUGCTL_FREEZE_PERFMON_ON_PMI	(1ull << 12)

/* IA32_PERFEVTSELx (AMD PerfEvtSel has the same bits at the same places) */
#define EVTSEL_EVENT(e)			((uint64_t)(e) & 0xff)
#define EVTSEL_UMASK(u)			(((uint64_t)(u) & 0xff) << 8)
#define EVTSEL_USR			(1ull << 16)
#define EVTSEL_OS			(1ull << 17)
#define EVTSEL_INT			(1ull << 20)	/* PMI on overflow */
#define EVTSEL_EN			(1ull << 22)

#define INTEL_EVENT_CORE_CYCLES		0x3c	/* umask 0: UnHalted Core Cycles */
#define INTEL_FIXED_INSTRUCTIONS	0	/* fixed counter index */
#define INTEL_FIXED_CORE_CYCLES		1

/* IA32_FIXED_CTR_CTRL: 4 bits per fixed counter */
#define FIXED_CTRL_OS			0x1ull
#define FIXED_CTRL_USR			0x2ull
#define FIXED_CTRL_PMI			0x8ull
#define FIXED_CTRL_FIELD(i, bits)	((uint64_t)(bits) << (4 * (i)))

/* IA32_PERF_GLOBAL_CTRL/STATUS: general counter i at bit i, fixed i at 32+i */
#define GLOBAL_FIXED_BIT(i)		(1ull << (32 + (i)))
/* Status bits v4 adds, cleared through STATUS_RESET (reserved in the v2-v3
 * OVF_CTRL: writing them there raises #GP). */
#define GLOBAL_STATUS_LBR_FRZ		(1ull << 58)
#define GLOBAL_STATUS_CTR_FRZ		(1ull << 59)
#define GLOBAL_STATUS_OVF_UNCORE	(1ull << 61)	/* v3+ */
#define GLOBAL_STATUS_OVF_BUF		(1ull << 62)
#define GLOBAL_STATUS_COND_CHGD		(1ull << 63)

/* ---- AMD ---- */
#define MSR_K7_EVNTSEL0			0xc0010000	/* +i, i < 4 */
#define MSR_K7_PERFCTR0			0xc0010004	/* +i, i < 4 */
#define MSR_F15H_PERF_CTL0		0xc0010200	/* +2i, i < 6 (PerfCtrExtCore) */
#define MSR_F15H_PERF_CTR0		0xc0010201	/* +2i */
#define MSR_AMD_PERF_GLOBAL_STATUS	0xc0000300	/* PerfMonV2, read-only */
#define MSR_AMD_PERF_GLOBAL_CTL		0xc0000301
#define MSR_AMD_PERF_GLOBAL_STATUS_CLR	0xc0000302
#define MSR_AMD_PERF_GLOBAL_STATUS_SET	0xc0000303

#define AMD_EVENT_CORE_CYCLES		0x76	/* CPU clocks not halted */
#define AMD_COUNTER_WIDTH		48
#define AMD_EXT1_ECX_PERFCTR_CORE	(1u << 23)	/* CPUID 0x80000001 ECX */
#define AMD_EXT22_EAX_PERFMON_V2	(1u << 0)	/* CPUID 0x80000022 EAX */

/* CPUID.1:ECX */
#define CPUID1_ECX_PDCM			(1u << 15)
#define CPUID1_ECX_HYPERVISOR		(1u << 31)

#endif
