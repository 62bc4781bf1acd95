/*
 * entry_nested.S - nmi=nested: the design Linux uses today
 * (arch/x86/entry/entry_64.S, asm_exc_nmi), written for irqlab's ring-0
 * world. It grew out of Linus' proposal in seed 001 (lines 952-1036,
 * 1981-2094, 3203-3321, 6992-7054): let exceptions inside the NMI iret
 * (and so unblock NMIs) as they like, and make the NMI entry cope with
 * being entered again.
 *
 *  - The CPU's frame at the top of the NMI stack is rewritten by every
 *    NMI, nested ones included, so the first NMI copies it to an
 *    "outermost" frame before it runs anything that can fault.
 *  - A variable on the NMI stack, "NMI executing", says a body is running.
 *  - A nested NMI does not run the body: it rewrites the "iret" frame (the
 *    one the final iretq pops) to point at repeat_nmi and returns. The
 *    first NMI's iretq then lands in repeat_nmi, which copies the
 *    outermost frame into the "iret" frame again and runs the body once
 *    more. However many NMIs nest meanwhile, the result is one repeat: the
 *    same one-bit latch the CPU has (Linus and Maciej, seed 001 lines
 *    2149-2218).
 *  - An NMI that interrupts repeat_nmi..end_repeat_nmi (the copy into the
 *    "iret" frame) leaves that frame alone and just returns: the body is
 *    about to run anyway.
 *  - An NMI that interrupts the exit after "NMI executing" is cleared,
 *    i.e. the iretq itself, is recognised by the stack it interrupted.
 *
 * Stack (T = top of the NMI stack; RSP = T-40 at entry):
 *
 *	T-8	original SS	\
 *	T-16	original RSP	 |  written by the CPU on every NMI,
 *	T-24	original RFLAGS	 |  the nested ones included
 *	T-32	original CS	 |
 *	T-40	original RIP	/
 *	T-48	temp storage for %rdx
 *	T-56	"NMI executing"
 *	T-64	"iret" SS	\
 *	T-72	"iret" RSP	 |  copied from "outermost" in repeat_nmi;
 *	T-80	"iret" RFLAGS	 |  a nested NMI rewrites it to return to
 *	T-88	"iret" CS	 |  repeat_nmi
 *	T-96	"iret" RIP	/
 *	T-104	outermost SS	\
 *	T-112	outermost RSP	 |  the first NMI's copy of the CPU frame;
 *	T-120	outermost RFLAGS |  unchanged until this NMI is done
 *	T-128	outermost CS	 |
 *	T-136	outermost RIP	/
 *	T-256	15 general registers, then the body's frames
 *
 * Differences from Linux: there is no user mode (no swapgs, CR3 or
 * speculation work; an NMI from ring 3 cannot happen here), and no SYSCALL
 * entry whose first instructions run on a user-chosen RSP, so the test
 * "the interrupted RSP is on the NMI stack" needs no DF marker (Linux sets
 * DF before clearing "NMI executing" because a user could point RSP into
 * the NMI stack before SYSCALL switches stacks).
 */
#include "nmi/entry.h"

	.text
	.globl	nmi_entry_nested
	.balign	16
nmi_entry_nested:
	incq	nmi_cnt_entries(%rip)
	/* All the stores below the CPU frame happen after this push; a
	 * nested NMI reuses the same slot, which is dead by then. */
	pushq	%rdx				/* T-48 */

	/*
	 * Kernel mode? CS, not SS: CS.RPL is the privilege level of the
	 * interrupted code. SS says nothing about it in 64-bit mode: a
	 * stack switch to ring 0 loads a null SS, so ring-0 code may run
	 * with SS = 0 or the kernel data selector. irqlab never runs ring 3,
	 * but keep the test: only ring-0 NMI code can be nested, and a
	 * ring-3 RIP must never be compared with our labels.
	 */
	testb	$3, 16(%rsp)			/* CS */
	jnz	.Lfirst_nmi

	/*
	 * Interrupted repeat_nmi..end_repeat_nmi? The outer NMI is writing
	 * the "iret" frame; rewriting it now would leave a mix of two
	 * frames. The outer is about to run the body anyway, which services
	 * whatever raised this NMI: just return.
	 */
	cmpq	$nmi_nested_repeat, 8(%rsp)	/* RIP */
	jb	1f
	cmpq	$nmi_nested_repeat_end, 8(%rsp)
	jb	.Lnested_in_repeat_window
1:
	/* The outer NMI's body (or an exception inside it) is running. */
	cmpq	$1, -8(%rsp)			/* "NMI executing" at T-56 */
	je	.Lnested_nmi

	/*
	 * "NMI executing" is clear, but the outer NMI may be between clearing
	 * it and its iretq: then the interrupted RSP points at the "iret"
	 * frame, on this stack. Only NMI code runs on the NMI stack, so an
	 * interrupted RSP inside it means nested (see the header for why no
	 * DF test is needed here).
	 */
	leaq	48(%rsp), %rdx			/* T */
	cmpq	%rdx, 32(%rsp)			/* interrupted RSP above T? */
	ja	.Lfirst_nmi
	subq	$NMI_IST_STACK_SIZE, %rdx
	cmpq	%rdx, 32(%rsp)			/* below the stack's base? */
	jb	.Lfirst_nmi

.Lnested_nmi:
	incq	nmi_cnt_nested(%rip)
	/*
	 * Rewrite the "iret" frame so that the outer NMI's iretq enters
	 * repeat_nmi with RSP at the outermost frame, NMIs blocked by then
	 * or not. Rewriting again for a second nested NMI writes the same
	 * values: nested NMIs collapse into one repeat.
	 */
	subq	$8, %rsp			/* T-56 */
	leaq	-80(%rsp), %rdx			/* T-136: outermost RIP */
	pushq	$NMI_KERNEL_DS			/* "iret" SS */
	pushq	%rdx				/* "iret" RSP */
	pushfq					/* "iret" RFLAGS: IF clear */
	pushq	$NMI_KERNEL_CS			/* "iret" CS */
	pushq	$nmi_nested_repeat		/* "iret" RIP */
	addq	$48, %rsp			/* T-48 */
	jmp	.Lnested_nmi_out

.Lnested_in_repeat_window:
	incq	nmi_cnt_window(%rip)
.Lnested_nmi_out:
	popq	%rdx
	/* Back to the interrupted NMI code, kernel to kernel: cannot fault.
	 * NMIs were already unblocked there (that is how this one came). */
	iretq

.Lfirst_nmi:
	movq	(%rsp), %rdx			/* the checks clobbered it */
	pushq	$0				/* "NMI executing" (T-56) */
	subq	$40, %rsp			/* room for the "iret" frame */
	/*
	 * Copy the CPU's frame to "outermost". NMIs are blocked and nothing
	 * here can fault, so no NMI can overwrite the original before the
	 * copy is done. Each push reads 88 bytes above RSP as it was before
	 * that push (push m64 computes its address from the old RSP): SS at
	 * T-8 goes to T-104, ..., RIP at T-40 to T-136.
	 */
	.rept 5
	pushq	88(%rsp)
	.endr
	/* Tell the body this run is the first. One CPU: a byte in .data;
	 * nested NMIs never touch it. */
	movb	$1, nmi_nested_first(%rip)

	.globl	nmi_nested_repeat
nmi_nested_repeat:
	/*
	 * Entered by falling through (first run) or by the outer NMI's iretq
	 * after a nested NMI rewrote the "iret" frame. In the second case
	 * NMIs are unblocked here: a nested NMI now sees its RIP inside this
	 * window and leaves the "iret" frame alone (above), which makes it
	 * safe to write that frame. RSP = T-136, the outermost RIP.
	 */
	/* "NMI executing" = 1 (T-56). Before nmi_nested_repeat_end: from
	 * that label on a nested NMI no longer sees its RIP in the repeat
	 * window, so it must find "executing" set and rewrite the "iret"
	 * frame rather than start over on our stack. */
	movq	$1, 80(%rsp)
	/* Copy outermost -> "iret": each push reads 48 bytes below RSP as it
	 * was before that push, T-104 (outermost SS) to T-64 and so on. */
	addq	$80, %rsp			/* T-56 */
	.rept 5
	pushq	-48(%rsp)
	.endr
	subq	$40, %rsp			/* T-136 */
	/* Bookkeeping for the body's "no repeat without a nested NMI"
	 * check: the nested-NMI count when the "iret" frame was reset.
	 * Inside the window no NMI counts as nested, so the value is exact.
	 * Memory to memory through the free word below the outermost frame. */
	pushq	nmi_cnt_nested(%rip)
	popq	nmi_nested_at_arm(%rip)
	.globl	nmi_nested_repeat_end
nmi_nested_repeat_end:
	/*
	 * From here on a nested NMI rewrites the "iret" frame and we repeat.
	 * The body gets the outermost frame, which only this NMI writes.
	 */
	cld
	PUSH_GPRS				/* T-256: 16-aligned */
	leaq	NMI_GPRS_SIZE(%rsp), %rdi	/* the outermost frame */
	movl	$NMI_RUN_REPEAT, %esi
	cmpb	$0, nmi_nested_first(%rip)
	je	2f
	movb	$0, nmi_nested_first(%rip)
	movl	$NMI_RUN_FIRST, %esi
2:
	call	nmi_strategy_body
	POP_GPRS
	addq	$40, %rsp			/* skip outermost: T-96 */
	/*
	 * A nested NMI between the pops and here sees "NMI executing" and
	 * rewrites the "iret" frame; one between this store and the iretq
	 * is caught by the interrupted-RSP test (RSP = T-96).
	 */
	movq	$0, 40(%rsp)			/* "NMI executing" = 0 (T-56) */
	/* Pops the "iret" frame: either the outermost copy (return for
	 * real, unblocking NMIs) or repeat_nmi (run the body again). */
	iretq

	.data
	.globl	nmi_nested_first
nmi_nested_first:
	.byte	0
