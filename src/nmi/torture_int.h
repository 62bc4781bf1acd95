/*
 * torture_int.h - what torture.c and torture_cost.c share: the torture's
 * state, the "self" NMI source, recovery.
 */
#ifndef IRQLAB_NMI_TORTURE_INT_H
#define IRQLAB_NMI_TORTURE_INT_H

#include "nmi/torture.h"
#include "nmi/nmi.h"
#include "arch/traps.h"

/* recover.S: callee-saved registers, RSP, RIP, RFLAGS. */
struct nmi_recover {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};
int nmi_recover_set(struct nmi_recover *r) __attribute__((returns_twice, weak));
void nmi_recover_jump(struct nmi_recover *r, int code) __attribute__((noreturn, weak));
void nmi_unblock(void) __attribute__((weak));
void nmi_ret_cost_iret(uint64_t n) __attribute__((weak));
void nmi_ret_cost_popf(uint64_t n) __attribute__((weak));
void nmi_ret_cost_base(uint64_t n) __attribute__((weak));

/* What the NMI hook does in the current phase. */
enum t_phase {
	PH_IDLE,
	PH_RUN,		/* torture_run: the in-NMI workload */
	PH_COST,	/* torture_nmi_cost */
	PH_LATCH,	/* torture_latch_probe */
	PH_TF,		/* torture_tf_probe */
};

struct t_state {
	volatile enum t_phase phase;
	struct torture_cfg cfg;
	struct torture_result *r;
	struct nmi_recover rp;
	volatile bool rp_valid;
	volatile enum torture_abort aborted;

	volatile uint64_t iteration, progress;
	volatile enum torture_step step;
	uint64_t dr7_pattern;

	/* in-NMI workload */
	volatile uint64_t nmi_work_runs, hazards;
	unsigned nmi_page;
	volatile bool control_done;
	/* an NMI sent from NMI context and not yet delivered */
	volatile bool latched_valid;
	volatile uint64_t latched_entries;

	/* cost and latch-probe modes: armed by normal context, used once */
	volatile bool cost_nest_armed;
	volatile unsigned latch_sends;
	volatile bool tf_armed;
	volatile unsigned tf_steps;
	uint64_t tf_base, tf_rip[4];

	/* watchdog */
	uint64_t wd_limit_tsc;
	volatile uint64_t wd_progress, wd_change_tsc, wd_rip;
	trap_handler_t wd_chained;
	unsigned wd_vector;
	bool wd_own_timer;
};
extern struct t_state T;

/* The "self" source: NMIs the torture sends itself (see torture.c). */
extern struct nmi_source torture_self_source;
void self_nmi(void);
/* The negative control of "no unknown NMIs": the next run's normal-context
 * workload sends itself this many NMIs that no source counts, one every
 * TORTURE_STRAY_EVERY iterations; torture_strays_sent says how many went. */
#define TORTURE_STRAY_EVERY	128
extern volatile unsigned torture_strays, torture_strays_sent;
/* Install handlers and the hook; undo. */
void torture_attach(void);
void torture_detach(void);
/* After nmi_recover_jump: clear the strategy's state, unblock NMIs. */
void torture_recovered(void);

#endif
