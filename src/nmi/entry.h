/*
 * entry.h - what the NMI-entry strategies (src/nmi/entry_*.S) and their C
 * side (strategy.c) must agree on: the kinds of body run, selector values,
 * the NMI stack size; the register save macros are in arch/gprs.h.
 *
 * Every NMI arrives on IST1 (IST_NMI): the CPU loads RSP from the TSS,
 * aligns it down to 16 (the IST tops are page aligned, so nothing moves)
 * and pushes SS, RSP, RFLAGS, CS, RIP. With T the top of the NMI stack,
 * RSP at the first instruction of every entry is exactly T - 40, for the
 * first NMI and for every nested one alike. The strategies place their
 * state at fixed offsets from T on that basis; strategy.c checks that T is
 * 16-byte aligned before it installs one.
 */
#ifndef IRQLAB_NMI_ENTRY_H
#define IRQLAB_NMI_ENTRY_H

/* Second argument of nmi_strategy_body(): why the body runs. */
#define NMI_RUN_FIRST		1	/* a new NMI from outside NMI code */
#define NMI_RUN_REPEAT		2	/* nested: the iret went to repeat_nmi */
#define NMI_RUN_RERUN		3	/* latch: the latch was set during the run */
#define NMI_RUN_TAKEOVER	4	/* latch: an NMI hit the exit window and
					 * runs the body for the outer NMI */

/* desc.h's values; asm cannot include desc.h (strategy.c asserts them). */
#define NMI_KERNEL_CS		0x08
#define NMI_KERNEL_DS		0x10
#define NMI_IST_STACK_SIZE	(16 * 1024)
#define NMI_EFLAGS_TF		0x100

#ifdef __ASSEMBLY__
#include "arch/gprs.h"


#define NMI_GPRS_SIZE	(15 * 8)

#endif /* __ASSEMBLY__ */
#endif
