/*
 * entry_naive.S - nmi=naive: the NMI on its IST stack, the body, iretq.
 * Unsafe by design; it is the negative control of the NMI torture test.
 *
 * The CPU blocks NMIs from NMI delivery until the next iret - any iret.
 * The #PF and int3 handlers return with iret (src/arch/entry.S), so an
 * exception inside the body unblocks NMIs while this NMI is still running
 * (seed 001, BACKGROUND.md section 3). The next NMI then arrives on the
 * same IST stack: the CPU reloads RSP from the TSS, so its hardware frame
 * lands exactly on ours, and its pushes and body calls overwrite our saved
 * registers and the body's stack frames. Nothing here prevents that; the
 * body's checks (strategy.c) see it happen and report "frame corruption
 * detected" instead of returning through the overwritten frame.
 *
 * Stack (T = top of the NMI stack, from the TSS IST1 slot):
 *
 *	T-8	SS	\
 *	T-16	RSP	 |
 *	T-24	RFLAGS	 | written by the CPU on every NMI delivery,
 *	T-32	CS	 | a nested one included
 *	T-40	RIP	/	<- RSP at entry
 *	T-160	15 general registers, then the body's frames
 */
#include "nmi/entry.h"

	.text
	.globl	nmi_entry_naive
	.balign	16
nmi_entry_naive:
	incq	nmi_cnt_entries(%rip)
	/* The interrupted code may have DF set; the C ABI needs it clear.
	 * iretq puts the interrupted RFLAGS back. */
	cld
	PUSH_GPRS
	/* 40 + 120 bytes below a 16-aligned T: RSP is 16-aligned at the
	 * call, as the ABI wants. */
	leaq	NMI_GPRS_SIZE(%rsp), %rdi	/* the hardware frame */
	movl	$NMI_RUN_FIRST, %esi
	call	nmi_strategy_body
	POP_GPRS
	/* Unblocks NMIs. If a nested NMI came meanwhile, the frame this
	 * pops is the nested one's; the body has checked it did not. */
	iretq
