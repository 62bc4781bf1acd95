/*
 * torture_cost.c - what the NMI paths cost (torture.h): #PF and int3
 * round trips with no NMI around, the per-NMI cost of each strategy with
 * and without nesting, iretq against popf/ret, and the CPU's NMI latch.
 *
 * All figures are rdtsc differences. Under TCG they say how much work
 * QEMU does, not what a CPU would take; on hardware and KVM they are
 * cycles at the TSC rate.
 */
#include "nmi/torture_int.h"
#include "nmi/workload.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/tsc.h"
#include <stdio.h>
#include <string.h>

#define COST_WAIT_US	2000	/* for an NMI that has not come yet */
#define TF_STEPS	3	/* single-steps of the TF probe */

int torture_quiet_costs(uint64_t *pf, uint64_t *int3, size_t n, char *err, size_t errlen)
{
	if (!torture_linked(err, errlen))
		return -1;
	memset(&T, 0, sizeof(T));
	if (wl_pf_setup(err, errlen) < 0)
		return -1;
	wl_int3_plant();
	torture_attach();
	for (size_t i = 0; i < n; i++) {
		unsigned p = (unsigned)(i % WL_NORMAL_PAGES);
		uint64_t t0, t1;

		t0 = rdtsc_ordered();
		(void)wl_pf_touch(p, &wl.exp_normal, false);
		t1 = rdtsc_ordered();
		pf[i] = t1 - t0;
		wl_pf_unmap(p);
		t0 = rdtsc_ordered();
		(void)wl_int3_normal(i);
		t1 = rdtsc_ordered();
		int3[i] = t1 - t0;
	}
	torture_detach();
	wl_int3_unplant();
	wl_pf_teardown();
	return 0;
}

/* Wait (bounded) until every self NMI sent has been serviced. */
static void self_settle(void)
{
	uint64_t end = rdtsc() + ns_to_tsc(COST_WAIT_US * 1000ull);

	while (NMI_READ_ONCE(torture_self_source.handled) != NMI_READ_ONCE(torture_self_source.raised) &&
	       rdtsc() < end)
		cpu_relax();
}

/* Common frame of the NMI-driven measurements: strategy installed, the
 * self source running, the hook in `phase`, a recovery point. */
static int nmi_mode_begin(enum nmi_strategy s, enum t_phase phase, char *err, size_t errlen)
{
	if (!torture_linked(err, errlen))
		return -1;
	memset(&T, 0, sizeof(T));
	if (nmi_strategy_install(s, err, errlen) < 0)
		return -1;
	if (wl_pf_setup(err, errlen) < 0)
		return -1;
	wl_int3_plant();
	torture_attach();
	if (nmi_source_start(&torture_self_source, 0, err, errlen) < 0) {
		torture_detach();
		wl_int3_unplant();
		wl_pf_teardown();
		return -1;
	}
	T.phase = phase;
	return 0;
}

static void nmi_mode_end(void)
{
	T.phase = PH_IDLE;
	nmi_source_stop(&torture_self_source);
	torture_detach();
	wl_int3_unplant();
	wl_pf_teardown();
}

int torture_nmi_cost(enum nmi_strategy s, bool nest, uint64_t *rt, uint64_t *body,
		     size_t n, size_t *n_body, char *err, size_t errlen)
{
	if (nmi_mode_begin(s, PH_COST, err, errlen) < 0)
		return -1;
	nmi_body_ctl.cycles = body;
	nmi_body_ctl.cycles_cap = n * (nest ? 3 : 1);
	nmi_body_ctl.cycles_n = 0;
	if (nmi_recover_set(&T.rp) != 0) {
		/* A body check failed (it should not with these strategies). */
		T.rp_valid = false;
		torture_recovered();
		nmi_body_ctl.cycles = NULL;
		nmi_mode_end();
		snprintf(err, errlen, "nmi=%s: %s while measuring", nmi_strategy_name(s),
			 nmi_guard_kind_name(nmi_guard.kind));
		return -1;
	}
	T.rp_valid = true;
	for (size_t i = 0; i < n; i++) {
		uint64_t t0, t1;

		T.cost_nest_armed = nest;
		t0 = rdtsc_ordered();
		/* Delivered during or right after the ICR write (at once
		 * under TCG): the NMI, its nesting and its exit are inside. */
		self_nmi();
		t1 = rdtsc_ordered();
		rt[i] = t1 - t0;
		self_settle();
	}
	T.rp_valid = false;
	*n_body = nmi_body_ctl.cycles_n;
	nmi_body_ctl.cycles = NULL;
	nmi_mode_end();
	return 0;
}

int torture_latch_probe(unsigned sends, uint64_t *followed, char *err, size_t errlen)
{
	enum nmi_strategy s = nmi_strategy_current();
	uint64_t e0;

	if (s >= NMI_STRATEGIES)
		s = nmi_strategy_selected();
	if (nmi_mode_begin(s, PH_LATCH, err, errlen) < 0)
		return -1;
	T.latch_sends = sends;
	e0 = nmi_cnt_entries;
	self_nmi();		/* its body sends `sends` more, NMIs blocked */
	self_settle();
	udelay(COST_WAIT_US);	/* anything beyond one would show here */
	*followed = nmi_cnt_entries - e0 - 1;
	nmi_mode_end();
	if (torture_self_source.raised != torture_self_source.handled) {
		snprintf(err, errlen, "self source: %llu NMIs raised, %llu serviced",
			 (unsigned long long)torture_self_source.raised,
			 (unsigned long long)torture_self_source.handled);
		return -1;
	}
	return 0;
}

/* #DB of the single-step probe: the first traps leave TF set, so the
 * exception exit sees TF and must use iretq; the third clears it. */
static void tf_db(struct trap_frame *f)
{
	unsigned n = T.tf_steps++;

	if (n < 4)
		T.tf_rip[n] = f->rip;
	if (n + 1 >= TF_STEPS)
		f->rflags &= ~X86_EFLAGS_TF;
	/* DR6 keeps BS set until software clears it. */
	asm volatile("mov %0, %%db6" : : "r"(0ul));
}

int torture_tf_probe(struct torture_tf_result *r, char *err, size_t errlen)
{
	trap_handler_t saved;
	uint64_t fb0;
	bool ok = true;

	memset(r, 0, sizeof(*r));
	if (nmi_mode_begin(NMI_IRETLESS, PH_TF, err, errlen) < 0)
		return -1;
	saved = trap_get_handler(VEC_DB);
	trap_set_handler(VEC_DB, tf_db);
	fb0 = trap_iretless_tf_fallbacks;
	T.tf_armed = true;
	self_nmi();
	self_settle();
	r->steps = T.tf_steps;
	r->fallbacks = trap_iretless_tf_fallbacks - fb0;
	for (unsigned i = 0; i < TF_STEPS; i++) {
		/* One trap after each nop: RIP is the next nop (1 byte each). */
		r->rip_ok[i] = T.tf_rip[i] == T.tf_base + i + 1;
		ok &= r->rip_ok[i];
	}
	r->in_order = ok;
	trap_set_handler(VEC_DB, saved);
	nmi_mode_end();
	return 0;
}

static uint64_t best_of(void (*fn)(uint64_t), uint64_t n, unsigned reps)
{
	uint64_t best = UINT64_MAX;

	for (unsigned r = 0; r < reps; r++) {
		uint64_t t0 = rdtsc_ordered(), t1;

		fn(n);
		t1 = rdtsc_ordered();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

void torture_ret_cost(uint64_t n, unsigned reps, uint64_t *iret_cycles, uint64_t *popf_cycles)
{
	uint64_t flags = read_rflags(), base, iret, popf;

	if (!nmi_ret_cost_iret || !n) {
		*iret_cycles = *popf_cycles = 0;
		return;
	}
	/* The popf/ret sequence assumes IF clear, as trap_return_to_nmi does. */
	irq_hard_disable();
	base = best_of(nmi_ret_cost_base, n, reps);
	iret = best_of(nmi_ret_cost_iret, n, reps);
	popf = best_of(nmi_ret_cost_popf, n, reps);
	if (flags & X86_EFLAGS_IF)
		irq_hard_enable();
	*iret_cycles = iret > base ? (iret - base + n / 2) / n : 0;
	*popf_cycles = popf > base ? (popf - base + n / 2) / n : 0;
}
