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
 * The NMI-entry strategies of the NMI torture test replace the gate of
 * vector 2 with their own entries; this generic path is what an NMI takes
 * otherwise (a plain iret: the "naive" behaviour).
 */

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
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* 7 CPU/stub words + 15 registers = 176 bytes: RSP is 16-aligned
	 * here as the ABI wants at a call. */
	movq	%rsp, %rdi
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp			/* vector and error code */
	iretq
