/*
 * entry_iretless.S - nmi=iretless: Mathieu Desnoyers' approach (seed 001,
 * lines 164-712, "[patch 2/2] x86 NMI-safe INT3 and Page Fault").
 *
 * The NMI entry itself is the naive one. What changes is how exceptions
 * taken inside the NMI body return: the generic exception exit
 * (src/arch/entry.S, trap_return_to_nmi) sees nmi_iretless_active set and
 * returns with popfq/ret instead of iretq, so the CPU's NMI blocking, set
 * when this NMI was delivered, stays on until the iretq at the end of this
 * entry. A second NMI therefore never nests: the CPU latches it (one bit)
 * and delivers it right after that final iretq.
 *
 * Limits, as the thread says: popf cannot restore RF (Maciej W. Rozycki,
 * seed 001 lines 775-815: an instruction breakpoint on the faulting
 * instruction fires again) nor switch to VM86 (irrelevant in 64-bit mode),
 * and with TF set a popf/ret return would single-step the ret, so the
 * exit falls back to iretq when the saved RFLAGS has TF: that unblocks
 * NMIs early and a nested NMI can then corrupt this frame exactly as in
 * the naive strategy (counted as trap_iretless_tf_fallbacks; irqlab never
 * single-steps NMI code).
 *
 * Mathieu marked "in NMI" in preempt_count (NMI_MASK); irqlab has one
 * byte, nmi_iretless_active (src/arch/traps.c), on its one CPU.
 *
 * Stack (T = top of the NMI stack):
 *
 *	T-8 .. T-40	SS, RSP, RFLAGS, CS, RIP (CPU)	<- RSP at entry
 *	T-160		15 general registers, then the body's frames
 *	below		a #PF or #BP inside the body pushes its frame here
 *			(no IST switch for them) and, on the way back,
 *			trap_return_to_nmi writes RIP and RFLAGS just below
 *			the body's RSP
 */
#include "nmi/entry.h"

	.text
	.globl	nmi_entry_iretless
	.balign	16
nmi_entry_iretless:
	incq	nmi_cnt_entries(%rip)
	/* Before anything can fault: from here on, an exception returns to
	 * this NMI with popf/ret. NMIs are blocked, so nothing can come
	 * between the delivery and this store. */
	movb	$1, nmi_iretless_active(%rip)
	cld
	PUSH_GPRS
	leaq	NMI_GPRS_SIZE(%rsp), %rdi	/* the hardware frame */
	movl	$NMI_RUN_FIRST, %esi
	call	nmi_strategy_body
	POP_GPRS
	/* No exception can happen between the clear and the iretq, so no
	 * exception returns to the normal context with popf/ret (which
	 * would leave NMIs blocked there). */
	movb	$0, nmi_iretless_active(%rip)
	/* The only iretq of this NMI: NMI blocking ends here, and an NMI
	 * latched meanwhile is delivered before the next instruction. */
	iretq
