/*
 * recover.S - leaving a broken run without returning through anything it
 * broke, and unblocking NMIs.
 *
 * nmi_recover_set(r) saves the callee-saved registers, the stack pointer,
 * the return address and RFLAGS, and returns 0 (like setjmp).
 * nmi_recover_jump(r, code) resumes there, returning `code`, from any
 * context: normal, exception, interrupt or NMI. It leaves with iretq, so
 * it also ends the CPU's NMI blocking when called from an NMI: the torture
 * uses it when the body's checks find a corrupted frame (the frame must
 * not be returned through) and when its watchdog fires.
 *
 * struct nmi_recover (torture_int.h): rbx, rbp, r12, r13, r14, r15, rsp, rip,
 * rflags at offsets 0, 8, ... 64.
 */
#include "nmi/entry.h"

	.text
	.globl	nmi_recover_set
	.balign	16
nmi_recover_set:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rax			/* RSP after our ret */
	movq	%rax, 48(%rdi)
	movq	(%rsp), %rax			/* our return address */
	movq	%rax, 56(%rdi)
	pushfq
	popq	64(%rdi)
	xorl	%eax, %eax
	ret

	.globl	nmi_recover_jump
	.balign	16
nmi_recover_jump:
	/* An iretq frame on the current stack (whatever it is: it is
	 * abandoned), returning to the caller of nmi_recover_set with its
	 * RSP and RFLAGS (IF as it was then). */
	pushq	$NMI_KERNEL_DS
	pushq	48(%rdi)
	pushq	64(%rdi)
	pushq	$NMI_KERNEL_CS
	pushq	56(%rdi)
	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movl	%esi, %eax
	iretq

/*
 * nmi_unblock(): an iretq to the next instruction, kernel to kernel. Ends
 * NMI blocking left on by code that returned from an NMI without iret (a
 * nested latch NMI that found stale state after an abandoned run).
 */
	.globl	nmi_unblock
	.balign	16
nmi_unblock:
	movq	%rsp, %rax
	pushq	$NMI_KERNEL_DS
	pushq	%rax
	pushfq
	pushq	$NMI_KERNEL_CS
	pushq	$1f
	iretq
1:	ret
