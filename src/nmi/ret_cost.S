/*
 * ret_cost.S - the two ways back from an exception to ring-0 code, in a
 * loop, for the cost table: iretq, and the popf/ret sequence of
 * nmi=iretless (src/arch/entry.S, trap_return_to_nmi). Each iteration
 * first builds the frame the CPU would have pushed (SS, RSP, RFLAGS, CS,
 * RIP of the next instruction); nmi_ret_cost_base builds it and drops it,
 * so (loop - base) / n is the return alone.
 *
 *	void nmi_ret_cost_iret(uint64_t n);
 *	void nmi_ret_cost_popf(uint64_t n);
 *	void nmi_ret_cost_base(uint64_t n);
 *
 * Called with IF clear (the caller's job): the popf/ret sequence relies on
 * it, as trap_return_to_nmi does.
 */
#include "nmi/entry.h"

.macro BUILD_FRAME target
	movq	%rsp, %rax
	pushq	$NMI_KERNEL_DS
	pushq	%rax
	pushfq
	pushq	$NMI_KERNEL_CS
	pushq	$\target
.endm

	.text
	.globl	nmi_ret_cost_iret
	.balign	16
nmi_ret_cost_iret:
	testq	%rdi, %rdi
	jz	2f
1:	BUILD_FRAME 3f
	iretq
3:	decq	%rdi
	jnz	1b
2:	ret

	.globl	nmi_ret_cost_popf
	.balign	16
nmi_ret_cost_popf:
	testq	%rdi, %rdi
	jz	2f
1:	BUILD_FRAME 3f
	pushq	%rax
	movq	%rsp, %rax
	movq	32(%rax), %rsp
	pushq	8(%rax)
	pushq	24(%rax)
	movq	(%rax), %rax
	popfq
	ret
3:	decq	%rdi
	jnz	1b
2:	ret

	.globl	nmi_ret_cost_base
	.balign	16
nmi_ret_cost_base:
	testq	%rdi, %rdi
	jz	2f
1:	BUILD_FRAME 3f
	addq	$40, %rsp
	jmp	3f
3:	decq	%rdi
	jnz	1b
2:	ret
