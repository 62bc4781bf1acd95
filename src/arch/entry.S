/*
 * entry.S - the generic exception and interrupt entry.
 *
 * Every vector has a 16-byte stub that makes the stack uniform (a dummy
 * error code where the CPU pushes none, then the vector number) and jumps
 * to trap_common, which saves the general registers as a struct trap_frame
 * (traps.h) and calls trap_dispatch(frame).
 *
 * Stack at trap_common, after the CPU's push (64-bit mode always pushes
 * SS:RSP and aligns RSP to 16 first):
 *
 *	+48  SS
 *	+40  RSP		interrupted stack pointer
 *	+32  RFLAGS
 *	+24  CS
 *	+16  RIP
 *	 +8  error code		CPU's, or 0 from the stub
 *	 +0  vector		from the stub
 *
 * No SSE/x87 state is saved: code reachable from here is built with
 * -mgeneral-regs-only (docs/design.md). No swapgs: ring 3 never runs.
 *
 * The NMI-entry strategies (src/nmi/entry_*.S, nmi=...) replace the gate
 * of vector 2 with their own entries; this generic path is what an NMI
 * takes otherwise (a plain iret: the "naive" behaviour). The exit below
 * has one NMI-specific branch, for nmi=iretless: an exception that
 * interrupted that strategy's NMI returns with popf/ret.
 */

#include "arch/gprs.h"

#define X86_EFLAGS_TF_BIT	0x100

/* Vectors for which the CPU pushes an error code: #DF, #TS, #NP, #SS,
 * #GP, #PF, #AC, #CP, #VC, #SX. */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			(v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
	vec = 0
	.rept 256
	.balign 16
	.if HAS_ERRCODE(vec) == 0
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
	vec = vec + 1
	.endr

trap_common:
	/* The interrupted code may have had DF set; the C ABI needs it clear.
	 * iretq restores the interrupted RFLAGS, DF included. */
	cld
	PUSH_GPRS
	/* 7 CPU/stub words + 15 registers = 176 bytes: RSP is 16-aligned
	 * here as the ABI wants at a call. */
	movq	%rsp, %rdi
	call	trap_dispatch
	POP_GPRS
	addq	$16, %rsp			/* vector and error code */
	/* Only nmi=iretless sets this, for the time its NMI runs. The
	 * compare clobbers arithmetic flags; iretq restores them. */
	cmpb	$0, nmi_iretless_active(%rip)
	jne	trap_return_to_nmi
	iretq

/*
 * Return to an NMI without iret (nmi=iretless; Mathieu Desnoyers, seed
 * 001 lines 164-712). While an iretless NMI runs, an exception can only
 * have interrupted that NMI's code, and an iretq here would end the CPU's
 * NMI blocking while the NMI is still running. Instead: put RIP and RFLAGS
 * on the interrupted stack, switch to it, popfq, ret.
 *
 * Stack here: RIP, CS, RFLAGS, RSP, SS (the CPU's frame; #PF and #BP take
 * no IST, so it sits just below the interrupted RSP, after the CPU aligned
 * that down to 16).
 */
trap_return_to_nmi:
	/* With TF set, popf would arm single-stepping before the ret and the
	 * trap would come after the ret instead of after the instruction the
	 * interrupted code runs next; iretq is the only exact return. It
	 * unblocks NMIs early, which the thread accepted for single-stepping
	 * NMI code. popf also cannot restore RF (Maciej W. Rozycki, seed 001
	 * lines 775-815), which only matters with an instruction breakpoint
	 * on the faulting instruction; irqlab sets none in NMI code. */
	testl	$X86_EFLAGS_TF_BIT, 16(%rsp)
	jnz	.Lnmi_tf_iret
	/* Ring 0 to ring 0 only: popf/ret cannot change privilege. CS.RPL
	 * is the interrupted level (always 0 in irqlab). */
	testb	$3, 8(%rsp)
	jnz	.Lnmi_plain_iret
	incq	trap_iretless_returns(%rip)
	pushq	%rax
	movq	%rsp, %rax
	/* The interrupted RSP R lies at most 15 bytes above the frame's top
	 * F (alignment). The two pushes below R write R-8 and R-16, inside
	 * [F-16, F+7]: the frame's SS and RSP slots, already read, or the
	 * alignment gap; RIP (F-40), RFLAGS (F-24) and the saved %rax (F-48)
	 * are read before anything overwrites them. IF is clear in NMI code
	 * and in this handler, so no interrupt pushes onto the switched stack
	 * before the ret. */
	movq	32(%rax), %rsp			/* interrupted RSP */
	pushq	8(%rax)				/* RIP */
	pushq	24(%rax)			/* RFLAGS */
	movq	(%rax), %rax
	popfq
	/* NMI blocking, set when the NMI was delivered, is still on. */
	ret
.Lnmi_tf_iret:
	incq	trap_iretless_tf_fallbacks(%rip)
.Lnmi_plain_iret:
	iretq
