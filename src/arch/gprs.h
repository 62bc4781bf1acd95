/*
 * gprs.h - saving the general registers on an entry path, in struct
 * trap_frame's order (src/arch/traps.h), for the generic trap entry and
 * every NMI-entry strategy alike. Assembly only.
 */
#ifndef IRQLAB_ARCH_GPRS_H
#define IRQLAB_ARCH_GPRS_H
#ifdef __ASSEMBLY__

/* The 15 general registers, in struct trap_frame's order (r15 lowest). */
.macro PUSH_GPRS
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
.endm

.macro POP_GPRS
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
.endm

#endif
#endif
