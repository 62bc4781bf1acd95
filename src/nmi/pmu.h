/*
 * pmu.h - the performance-monitoring unit as an NMI source.
 *
 * One counter is preloaded with -period; when it wraps past zero the PMU
 * raises a PMI, which the local APIC's LVT performance-counter entry
 * delivers as an NMI. The NMI handler re-arms the counter, acknowledges
 * the overflow and unmasks the LVT entry, in that order.
 *
 * Supported: Intel architectural perfmon v1-v5 (CPUID leaf 0xA), AMD
 * legacy PerfCtr/PerfEvtSel (4 counters, or 6 with PerfCtrExtCore) and
 * AMD PerfMonV2 (CPUID 0x80000022, global control and status).
 *
 * pmu.c is pure: every CPUID, MSR and APIC access goes through struct
 * pmu_msr_ops (pmu_msr.h), so tests/unit/test_pmu.c runs it against a
 * simulated MSR file. pmu_source.c binds it to the hardware and registers
 * the NMI source "pmu".
 *
 * Use:
 *	pmu_detect(&p, ops)              CPUID (+ PERF_CAPABILITIES): 0 or -1, p.caps.why
 *	pmu_setup(&p, kind, clock, rate) choose the counter, compute the period
 *	pmu_readback(&p)                 does the counter hold what is written?
 *	pmu_start(&p)                    program, PMI as NMI
 *	pmu_handle(&p)                   NMI context
 *	pmu_quiesce(&p); wait; pmu_finish(&p)   stop, account a pending overflow
 */
#ifndef IRQLAB_NMI_PMU_H
#define IRQLAB_NMI_PMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmi/pmu_msr.h"

enum pmu_vendor { PMU_NONE, PMU_INTEL, PMU_AMD };

enum pmu_counter_kind {
	PMU_CTR_AUTO,			/* fixed cycles, else general cycles */
	PMU_CTR_FIXED_CYCLES,		/* Intel fixed counter 1 */
	PMU_CTR_FIXED_INSTRUCTIONS,	/* Intel fixed counter 0 */
	PMU_CTR_GP_CYCLES,		/* general counter 0: 0x3c / AMD 0x76 */
	PMU_CTR_KINDS,
};

/*
 * Below this many events between overflows the NMI handler's own cost
 * dominates and a PMI storm can starve the interrupted code; above
 * 2^(width-1) - 1 the preload would not have its top bit set, which the
 * v1/AMD-legacy overflow test relies on.
 */
#define PMU_MIN_PERIOD		1000ull
/* Intel without full-width writes: a write to IA32_PMCx keeps EAX only and
 * sign-extends bit 31, so -period survives the write only if period fits
 * in 31 bits. Linux applies the same limit (x86_pmu.max_period). */
#define PMU_MAX_PERIOD_32BIT	0x7fffffffull

struct pmu_caps {
	enum pmu_vendor vendor;
	unsigned version;	/* Intel 1..5; AMD 1 = legacy, 2 = PerfMonV2 */
	unsigned n_gp, gp_width;
	unsigned n_fixed;	/* CPUID.0AH:EDX[4:0], contiguous from 0 */
	unsigned fixed_width;
	uint32_t fixed_mask;	/* fixed counters present (v5 adds ECX's bitmap) */
	uint32_t events_missing;	/* CPUID.0AH:EBX: bit set = event not available */
	unsigned events_len;	/* CPUID.0AH:EAX[31:24]: EBX bits that mean anything */
	bool full_width_write;	/* IA32_PERF_CAPABILITIES[13] */
	bool amd_ext_core;	/* PerfCtrExtCore: counters at 0xc0010200 */
	bool hypervisor;	/* CPUID.1:ECX[31] */
	char why[112];		/* vendor PMU_NONE: why */
};

struct pmu {
	const struct pmu_msr_ops *ops;
	struct pmu_caps caps;

	/* pmu_setup() */
	enum pmu_counter_kind kind;	/* never AUTO after setup */
	unsigned index;			/* fixed or general counter number */
	unsigned width;
	uint64_t width_mask;		/* (1 << width) - 1 */
	uint32_t ctr_msr;		/* preload written here (full-width alias if any) */
	uint32_t sel_msr;		/* event select, or IA32_FIXED_CTR_CTRL */
	uint64_t sel_val;		/* its value while counting */
	bool global;			/* Intel v2+ / AMD PerfMonV2 */
	uint32_t status_msr, ctrl_msr, ack_msr;
	uint64_t ovf_bit;		/* our bit in global status/control */
	uint64_t ack_extra;		/* status bits the ack also clears if set (v4) */
	uint64_t period;		/* events between overflows */
	uint64_t preload;		/* -period as written: masked to the width */

	/* run state; the counts are written in NMI context */
	volatile bool running, stopping;
	volatile uint64_t raised;	/* overflows the hardware signalled */
	volatile uint64_t handled;	/* overflows re-armed, acked, unmasked */
	char err[112];			/* last setup/start error */
};

/* 0 if a PMU with at least one usable counter is there, else -1 with the
 * reason in p->caps.why. Reads CPUID and (Intel, PDCM) PERF_CAPABILITIES. */
int pmu_detect(struct pmu *p, const struct pmu_msr_ops *ops);

/* "Intel perfmon v4: 4 general x 48 bits, 3 fixed x 48 bits, full-width
 * writes" and so on. */
const char *pmu_describe(const struct pmu_caps *c, char *buf, size_t len);
const char *pmu_counter_kind_name(enum pmu_counter_kind k);
bool pmu_counter_available(const struct pmu_caps *c, enum pmu_counter_kind k);

/*
 * Events between overflows for about rate_hz NMIs with the counted event
 * running at clock_hz (the TSC rate: see pmu_source.c for what that
 * assumes). 0 on success, -1 with a message (rate 0, rate so high the
 * period is under PMU_MIN_PERIOD, rate so low it exceeds max_period).
 */
int pmu_period_for_rate(uint64_t clock_hz, uint64_t rate_hz, uint64_t max_period,
			uint64_t *period, char *err, size_t errlen);
uint64_t pmu_max_period(const struct pmu *p);

/* Choose the counter and its MSRs, compute period and preload. No MSR
 * writes. 0, or -1 with p->err. */
int pmu_setup(struct pmu *p, enum pmu_counter_kind kind, uint64_t clock_hz,
	      uint64_t rate_hz);

/* Write a pattern to the chosen counter (not counting) and read it back:
 * a hypervisor that exposes the CPUID bits but drops the writes (or a
 * #GP) fails here. Leaves the counter at 0. 0, or -1 with p->err. */
int pmu_readback(struct pmu *p);

/* Program the counter and the LVT entry and start counting. 0, or -1 with
 * p->err if an MSR write faulted (everything is disabled again then). */
int pmu_start(struct pmu *p);

/* NMI context: true if our counter overflowed; then it is re-armed,
 * acknowledged and the LVT entry unmasked, in that order. */
bool pmu_handle(struct pmu *p);

/* Stop counting (safe against pmu_handle in between: it will not
 * re-enable). Wait for an in-flight PMI after this, then pmu_finish(). */
void pmu_quiesce(struct pmu *p);
/* Count an overflow that no NMI serviced as raised, acknowledge it,
 * disable the counter and mask the LVT entry. */
void pmu_finish(struct pmu *p);

/* ---- the image's NMI source (pmu_source.c) ---- */
struct nmi_source;
extern struct nmi_source pmu_source;

#define PMU_NO_PMU_MSG	"no PMU, skipping PMU sources"

/* The driver's state after probe/start (NULL before the first probe). */
const struct pmu *pmu_source_pmu(void);
/* The counter the next start uses: a kind, or PMU_CTR_KINDS for the
 * pmu_counter= option (the default). The suite tries each kind. */
void pmu_source_select(enum pmu_counter_kind kind);
/* How many times the "no PMU" notice was given (must stay <= 1). */
unsigned pmu_no_pmu_notices(void);

#endif
