/*
 * pmu_sim.h - a simulated PMU behind struct pmu_msr_ops, for
 * tests/unit/test_pmu.c. One CPU model at a time (Intel perfmon v1-v5,
 * AMD legacy, PerfCtrExtCore, PerfMonV2): its CPUID answers, its MSRs
 * (anything else raises #GP and is counted), counters that count and
 * overflow, the PMI and the LVT performance-counter entry.
 *
 * What the model does, and where it is stricter than a given chip:
 *  - Every MSR write is logged in order, with its value, whether it
 *    faulted and whether it happened in (simulated) NMI context.
 *  - IA32_PMCx writes keep bits 31:0 sign-extended to the width;
 *    IA32_A_PMCx, the fixed counters and AMD counters take the value as
 *    is and raise #GP if a bit above the width is set. Reserved bits of
 *    the global control/ack registers raise #GP (v2-v3 OVF_CTRL has no
 *    freeze bits; v4 STATUS_RESET has them).
 *  - Intel v2+: an overflow sets its IA32_PERF_GLOBAL_STATUS bit; the
 *    PMI stays asserted while a PMI-enabled status bit is set. Delivery
 *    sets the LVT mask bit; unmasking while still asserted delivers
 *    again (the spurious NMI late ack avoids; real chips do it on
 *    Haswell and later, the model always does, so a wrong order always
 *    shows). IA32_DEBUGCTL.FREEZE_PERFMON_ON_PMI: v4+ sets CTR_Frz and
 *    stops every counter until it is cleared; v2-v3 clear GLOBAL_CTRL.
 *  - Intel v1 and AMD: the PMI is an edge at overflow. Intel v1 sets
 *    the LVT mask on delivery, AMD does not. An edge arriving while the
 *    entry is masked is lost.
 *  - NMIs: at most one is latched while the handler runs, as on the CPU.
 */
#ifndef IRQLAB_TESTS_PMU_SIM_H
#define IRQLAB_TESTS_PMU_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "nmi/pmu.h"

struct sim_model {
	const char *name;
	bool amd;
	unsigned version;		/* Intel 0..5; AMD 1 legacy, 2 PerfMonV2 */
	unsigned n_gp, gp_width;
	unsigned n_fixed, fixed_width;	/* Intel v2+ */
	uint32_t fixed_ecx;		/* v5 bitmap of extra fixed counters */
	uint32_t events_missing;
	unsigned events_len;
	bool pdcm, fw_write;		/* PERF_CAPABILITIES and its bit 13 */
	bool amd_ext_core;		/* CPUID 0x80000001 ECX[23] */
	bool hypervisor;
	bool drop_writes;		/* PMU MSRs read 0, writes vanish (QEMU TCG) */
	uint32_t max_basic;		/* 0: 0xd */
};

#define SIM_LOG_MAX	4096
#define SIM_NMI_MAX	512
struct sim_write {
	uint32_t msr;		/* or the APIC register, if apic */
	uint64_t val;
	bool apic;
	bool fault;
	bool nmi;
};

struct sim_nmi {
	unsigned from, to;	/* its writes: log[from..to) */
	bool claimed;
	uint64_t status_at_entry;
};

struct sim {
	struct sim_model m;
	struct pmu_msr_ops ops;
	uint64_t sel[8], ctr[8], fixed[8], fixed_ctrl, gctrl, gstatus, debugctl;
	uint32_t lvt;
	bool in_nmi;
	unsigned nmi_latched;		/* 0 or 1 */
	unsigned overflows;		/* counter wraps, all counters */
	unsigned pmis_delivered, pmis_lost;
	unsigned faults, nmi_faults;	/* #GP raised; of those, in NMI context */
	unsigned unclaimed;		/* NMIs the handler did not claim */
	struct sim_write log[SIM_LOG_MAX];
	unsigned n_log;
	struct sim_nmi nmis[SIM_NMI_MAX];
	unsigned n_nmis;
};

void sim_init(struct sim *s, const struct sim_model *m);
/* Count `events` on every enabled counter, overflowing as they wrap, and
 * run `handler` for every NMI the PMU raises. */
void sim_run(struct sim *s, struct pmu *p, bool (*handler)(struct pmu *p),
	     uint64_t events, uint64_t step);
/* What a write of `val` to `msr` leaves in the counter (alias rules). */
uint64_t sim_counter_after_write(const struct sim *s, uint32_t msr, uint64_t val);
uint64_t sim_counter_mask(const struct sim *s, uint32_t msr);
bool sim_is_counter_msr(const struct sim *s, uint32_t msr, unsigned *slot);

#endif
