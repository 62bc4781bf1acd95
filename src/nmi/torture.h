/*
 * torture.h - the NMI torture test: NMIs at a high rate from the NMI
 * sources while page faults and breakpoints run in normal context and
 * inside the NMI body, with invariants checked throughout.
 *
 * The in-NMI workload makes the hazard of seed 001 happen on purpose:
 * before each of its exceptions the body raises an NMI to itself (the
 * "self" source, see torture.c) while NMIs are blocked, so the CPU latches
 * it; the exception's iretq then unblocks NMIs with that NMI pending. What
 * follows is the strategy's business: naive is re-entered on its own
 * stack, nested and latch detect the nested NMI and repeat their body
 * once, iretless never unblocks and takes the NMI after its final iretq.
 *
 * Invariants (counted in struct torture_result, each must stay 0):
 *  - the frame an NMI returns through is the one the CPU pushed (checksum
 *    and NMI stack canaries, strategy.c): a failure ends the run at once
 *    through nmi_recover_jump, so the corrupted frame is never used;
 *  - every #PF handler sees in CR2 the address its workload touched;
 *  - DR7 as the workload set it, across NMIs;
 *  - each touch faults once (twice with a lazy fill) and reads its page's
 *    pattern; each planted int3 is handled exactly once;
 *  - no body entered while another runs (strategy.c guard), no repeat
 *    without a nested NMI;
 *  - at the sources: every event serviced exactly once, no unknown NMIs;
 *  - forward progress; a watchdog on the APIC timer (never an NMI) ends a
 *    run that stops making progress and says where it stood.
 */
#ifndef IRQLAB_NMI_TORTURE_H
#define IRQLAB_NMI_TORTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmi/strategy.h"

/* Hardware NMI sources the torture can run, by nmi_source name. */
#define TORTURE_NSRC	4
extern const char *const torture_source_names[TORTURE_NSRC];	/* ipi hpet ioapic lint */

enum torture_control {
	TC_NONE,
	TC_FRAME,	/* the body corrupts its saved frame once */
	TC_CANARY,	/* the body overwrites an NMI stack canary once */
	TC_DR7,		/* the body does not restore DR7 */
	TC_STALL,	/* the workload stops making progress */
	TC_COUNT
};
extern const char *const torture_control_names[TC_COUNT + 1];

struct torture_cfg {
	enum nmi_strategy strategy;
	bool cr2_save;
	uint64_t max_nmis;	/* stop after this many NMI entries ... */
	uint64_t max_ms;	/* ... or this long */
	uint64_t rate_hz;	/* requested from each hardware source */
	unsigned sources;	/* bit i: torture_source_names[i] */
	bool nmi_work;		/* #PF, int3 and self-NMIs inside the body */
	enum torture_control control;
	uint64_t watchdog_ms;
	bool stop_on_violation;
};

enum torture_violation {
	V_FRAME,	/* guard: frame corruption / canary / overlap */
	V_CR2,		/* CR2 differs from the touched address */
	V_DR7,		/* DR7 changed across NMIs */
	V_PF,		/* a touch faulted the wrong number of times, read the
			 * wrong data, or faulted with nothing missing */
	V_INT3,		/* a breakpoint handled other than once */
	V_REPEAT,	/* a repeat without a nested NMI */
	V_ACCOUNT,	/* a source's events not serviced exactly once */
	V_UNKNOWN,	/* NMIs no source claimed */
	V_PROGRESS,	/* the workload made no progress */
	V_COUNT
};
extern const char *const torture_violation_names[V_COUNT];

struct torture_violation_info {
	uint64_t count;
	uint64_t a, b, c, d;	/* the first one's details (torture.c says) */
	uint64_t at_iteration;
};

struct torture_source_result {
	bool used;
	char why[160];		/* not used: the probe's reason */
	uint64_t requested_hz, achieved_hz, nmi_hz;
	uint64_t raised, handled, nmis, late_nmis;
};

enum torture_abort {
	TA_NONE,
	TA_GUARD,	/* a body check failed: see result.guard */
	TA_WATCHDOG,
};

/* Where the workload stood (the watchdog's report). */
enum torture_step {
	ST_SETUP, ST_PF, ST_LAZY, ST_LATE, ST_INT3, ST_DR7, ST_STALL, ST_DONE
};
extern const char *const torture_step_names[ST_DONE + 1];

struct torture_result {
	char err[200];		/* non-empty: the run did not start */
	enum torture_abort aborted;
	struct nmi_guard_report guard;
	uint64_t duration_ms, iterations;
	struct nmi_strategy_stats st;	/* deltas over the run */
	uint64_t pf_normal, pf_nmi, lazy_fills, late_windows, late_no_nmi;
	uint64_t int3_normal, int3_nmi, dr7_checks;
	uint64_t hazards;	/* exceptions in the body with an NMI latched */
	uint64_t nmi_work_runs;	/* body runs that did the in-NMI workload */
	uint64_t unknown;	/* from the run's start until the sources stopped */
	uint64_t unknown_stop;	/* of which while they were being stopped */
	uint64_t unknown_settle;/* before the run, while the sources started */
	uint64_t settle_nmis;	/* NMIs in the settle time before the run */
	struct torture_source_result src[TORTURE_NSRC];
	struct torture_source_result self;
	struct torture_violation_info v[V_COUNT];
	/* watchdog */
	enum torture_step wd_step;
	uint64_t wd_iteration, wd_rip, wd_idle_ms;
	/* cycle samples (rdtsc), valid until the next run */
	const uint64_t *pf_storm, *int3_storm, *pf_in_nmi, *int3_in_nmi;
	size_t n_pf_storm, n_int3_storm, n_pf_in_nmi, n_int3_in_nmi;
};

/* Run one torture. 0 when it ran (look at the result), -1 when it could
 * not start (r->err says why). */
int torture_run(const struct torture_cfg *cfg, struct torture_result *r);

/* Cycle samples of #PF and int3 round trips with no NMI source running. */
int torture_quiet_costs(uint64_t *pf, uint64_t *int3, size_t n, char *err, size_t errlen);

/* Per-NMI cost: n self-NMIs, each bracketed by rdtsc around the send in
 * normal context (rt, round trip) and inside the body (body). With
 * `nest`, the first body run of each NMI raises another NMI and takes a
 * #PF, so the strategy's nesting path runs (or, for iretless, the
 * deferred NMI). Leaves `s` installed. */
int torture_nmi_cost(enum nmi_strategy s, bool nest, uint64_t *rt, uint64_t *body,
		     size_t n, size_t *n_body, char *err, size_t errlen);

/* The CPU latches at most one NMI while NMIs are blocked: a body sends
 * `sends` NMIs to itself; returns how many NMIs followed (should be 1). */
int torture_latch_probe(unsigned sends, uint64_t *followed, char *err, size_t errlen);

/*
 * nmi=iretless and single-stepping (Mathieu, seed 001 lines 164-712): an
 * exception returning to NMI code with TF set must use iretq, or the
 * popf would arm the trap before the ret. The probe single-steps three
 * nops inside an iretless NMI; the #DB handler clears TF at the third.
 * Expected: three traps, each right after its nop, and two iretq
 * fallbacks (the third return has TF clear and goes by popf/ret).
 * Leaves nmi=iretless installed.
 */
struct torture_tf_result {
	uint64_t steps, fallbacks;
	bool rip_ok[3];
	bool in_order;
};
int torture_tf_probe(struct torture_tf_result *r, char *err, size_t errlen);

/* iretq versus popf/ret, kernel to kernel: cycles per return, best of
 * `reps` loops of `n`. */
void torture_ret_cost(uint64_t n, unsigned reps, uint64_t *iret_cycles,
		      uint64_t *popf_cycles);

/* Everything the torture needs is linked in (the .S files of src/nmi assembled). */
bool torture_linked(char *why, size_t len);

#endif
