/*
 * entry_latch.S - nmi=latch: Linus Torvalds' proposal in seed 001
 * (2010-07-14/18; lines 952-1036, 1981-2094, 3203-3321, 6992-7054), with
 * Mathieu Desnoyers' atomic exit region (lines 6275-6418).
 *
 *  - Per-CPU state says whether the first NMI's body is running, and a
 *    latch records that an NMI came meanwhile.
 *  - A nested NMI does nothing but set the latch and return with popf/ret:
 *    no iretq, so the CPU's NMI blocking (set by its delivery) is on again
 *    and the first NMI goes on with NMIs blocked. It runs no C and uses a
 *    few words of stack (Linus, lines 7245-7316).
 *  - The first NMI copies its five-word CPU frame to a safe place before
 *    it runs anything that can fault, runs the body, and at the end either
 *    runs the body again (latch set) or returns with iretq from the copy.
 *  - The latch is one bit, not a counter: the CPU itself keeps one pending
 *    NMI, not a count (Linus and Maciej W. Rozycki, lines 2149-2218).
 *    Several nested NMIs mean one more run, and the sources account for
 *    their events themselves (src/nmi/nmi.h).
 *  - The exit is a window: from the latch test to the iretq, an NMI that
 *    interrupts it (possible if an exception in the last run unblocked
 *    NMIs) must neither set the latch (the test may be past) nor start a
 *    new first NMI (it would copy its own frame, which points into this
 *    window, over the safe copy). Linus' "if the NMI happens at this
 *    particular %rip" check: such an NMI discards its own frame and takes
 *    the run over, using the outer NMI's copy, which is still intact.
 *
 * Where the per-CPU state lives: Linus used %gs-relative per-CPU
 * variables. Here it sits at fixed offsets on the NMI stack, which is per
 * CPU too (one IST stack per CPU) and is reachable from the entry RSP
 * without a scratch register - the same choice Linux made for "NMI
 * executing". Only the first NMI (and a takeover) writes below T-64; a
 * nested NMI writes its CPU frame at T-40..T-8, one scratch word at T-48,
 * and the latch.
 *
 * Stack (T = top of the NMI stack; RSP = T-40 at entry):
 *
 *	T-8 .. T-40	SS, RSP, RFLAGS, CS, RIP: the CPU's frame, rewritten
 *			by every NMI (nested ones included)
 *	T-48		scratch for a nested NMI's %rax
 *	T-56, T-64	unused: the nested NMI's room
 *	T-72	copy SS		\
 *	T-80	copy RSP	 |  the first NMI's frame; written before the
 *	T-88	copy RFLAGS	 |  body runs, popped by the final iretq
 *	T-96	copy CS		 |
 *	T-104	copy RIP	/
 *	T-112	running		1 from the copy until the iretq
 *	T-120	latched		set by nested NMIs, cleared when a run starts
 *	T-128	kind		NMI_RUN_FIRST/RERUN/TAKEOVER, for the body
 *	T-248	15 general registers, 8 bytes of padding, the body's frames
 */
#include "nmi/entry.h"

/* Offsets from the entry RSP (T-40). */
#define E_RUNNING	(-72)			/* T-112 */
#define E_LATCHED	(-80)			/* T-120 */

	.text
	.globl	nmi_entry_latch
	.balign	16
nmi_entry_latch:
	incq	nmi_cnt_entries(%rip)
	/*
	 * Kernel mode? CS.RPL is the interrupted privilege level; SS is not
	 * (a ring-0 stack switch loads a null SS). Only ring-0 NMI code can
	 * be nested, and a ring-3 RIP must never be compared with our labels.
	 */
	testb	$3, 8(%rsp)			/* CS */
	jnz	.Llatch_first

	/*
	 * The window test comes first: in the window, "running" may still be
	 * 1 (before its clear) or already 0 (at the iretq), and neither the
	 * nested path nor the first-NMI path is right there.
	 */
	cmpq	$nmi_latch_window, (%rsp)	/* RIP */
	jb	1f
	cmpq	$nmi_latch_window_end, (%rsp)
	jb	.Llatch_takeover
1:
	cmpq	$0, E_RUNNING(%rsp)
	jne	.Llatch_nested

.Llatch_first:
	/*
	 * Copy the CPU frame below the nested NMIs' room. NMIs are blocked
	 * and nothing here faults: no NMI can overwrite the original before
	 * the copy is complete. Each push reads 56 bytes above RSP as it was
	 * before that push (push m64 computes its address from the old RSP):
	 * SS at T-8 goes to T-72, ..., RIP at T-40 to T-104.
	 */
	subq	$24, %rsp			/* T-64 */
	.rept 5
	pushq	56(%rsp)
	.endr
	/* The state, set after the copy: a nested NMI can only come after
	 * an exception in the body, long after these stores. */
	pushq	$1				/* running (T-112) */
	pushq	$0				/* latched (T-120) */
	pushq	$NMI_RUN_FIRST			/* kind (T-128) */

.Llatch_run:
	/*
	 * RSP = T-128; the general registers hold the interrupted code's
	 * values (also on a rerun: the previous run popped them). Clear the
	 * latch before the run, not after: a nested NMI that comes from here
	 * on is serviced by this run or sets the latch for the next one.
	 */
	/* Bookkeeping for the body's "no rerun without a nested NMI"
	 * check: the nested-NMI count when the latch is cleared, taken
	 * before the clear (a nested NMI in between is serviced by this run
	 * and sets nothing the clear does not erase). Memory to memory
	 * through the free word at T-136. */
	pushq	nmi_cnt_nested(%rip)
	popq	nmi_nested_at_arm(%rip)
	movq	$0, 8(%rsp)			/* latched = 0 */
	cld
	PUSH_GPRS				/* T-248 */
	leaq	(NMI_GPRS_SIZE + 24)(%rsp), %rdi	/* the copy, T-104 */
	movq	NMI_GPRS_SIZE(%rsp), %rsi	/* kind */
	subq	$8, %rsp			/* T-256: 16-aligned call */
	call	nmi_strategy_body
	addq	$8, %rsp
	POP_GPRS				/* T-128 */

	.globl	nmi_latch_window
nmi_latch_window:
	/*
	 * The exit window, up to the iretq. A nested NMI before this point
	 * set the latch and the test sees it. One inside the window takes
	 * the run over (.Llatch_takeover), so the test and the clear never
	 * race with a latch store.
	 */
	cmpq	$0, 8(%rsp)			/* latched? */
	jne	.Llatch_again
	movq	$0, 16(%rsp)			/* running = 0 */
	addq	$24, %rsp			/* T-104: the copy */
	/* Returns for real and unblocks NMIs. */
	iretq
	.globl	nmi_latch_window_end
nmi_latch_window_end:

.Llatch_again:
	/* Outside the window: an NMI here finds "running" set and latches. */
	movq	$NMI_RUN_RERUN, (%rsp)
	jmp	.Llatch_run

.Llatch_takeover:
	/*
	 * This NMI interrupted the outer NMI's exit. The outer frame copy at
	 * T-104 is intact (our CPU frame went to T-40..T-8); our own frame
	 * points into the window and is dropped. The registers are the
	 * interrupted code's (the outer run had popped them). Run the body
	 * for both, then exit through the copy. NMIs are blocked again: this
	 * NMI's delivery blocked them.
	 */
	incq	nmi_cnt_window(%rip)
	subq	$88, %rsp			/* T-128 */
	movq	$1, 16(%rsp)			/* running: we may be past its clear */
	movq	$NMI_RUN_TAKEOVER, (%rsp)
	jmp	.Llatch_run

.Llatch_nested:
	incq	nmi_cnt_nested(%rip)
	/* One bit: a second nested NMI finds it set already. */
	movq	$1, E_LATCHED(%rsp)
	/*
	 * Return without iretq (Mathieu's sequence, seed 001 lines 164-712):
	 * put RIP and RFLAGS below the interrupted RSP, switch to it, popfq,
	 * ret. The interrupted code is the outer body, an exception inside
	 * it, or the outer NMI's own exit or rerun code with RSP as low as
	 * T-128 or T-136; the lowest live word is at the interrupted RSP, and
	 * code never keeps data below its RSP (no red zone), so the two words
	 * written below it are free. IF is clear in NMI code, so
	 * no interrupt can come between the stack switch and the ret.
	 */
	pushq	%rax				/* T-48 */
	movq	%rsp, %rax
	movq	32(%rax), %rsp			/* interrupted RSP (T-16) */
	pushq	8(%rax)				/* interrupted RIP (T-40) */
	pushq	24(%rax)			/* interrupted RFLAGS (T-24) */
	movq	(%rax), %rax
	/* Restores the arithmetic flags the tests above clobbered. Cannot
	 * set RF (not needed: no instruction breakpoints in NMI code); TF is
	 * never set in NMI code. */
	popfq
	ret
