/*
 * desc.h - GDT, TSS (with its IST stacks) and IDT.
 */
#ifndef IRQLAB_ARCH_DESC_H
#define IRQLAB_ARCH_DESC_H

#include <stdint.h>

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define TSS_SEL		0x18

/*
 * Interrupt stack table slots. NMI, #DF and #MC always switch stacks:
 * they can arrive with RSP unusable (#DF from a stack overflow) or at any
 * instruction (NMI, #MC). Slots 4-7 are handed out by ist_alloc().
 */
#define IST_NONE	0
#define IST_NMI		1
#define IST_DF		2
#define IST_MC		3
#define IST_FIRST_FREE	4
#define IST_COUNT	7
#define IST_STACK_SIZE	(16 * 1024)

#define VEC_DE		0
#define VEC_DB		1
#define VEC_NMI		2
#define VEC_BP		3
#define VEC_UD		6
#define VEC_DF		8
#define VEC_GP		13
#define VEC_PF		14
#define VEC_MC		18
#define VEC_FIRST_IRQ	32
#define VEC_SPURIOUS	0xff

void desc_init(void);
/* Point an IDT gate at `handler` (an assembly entry). ist: 0 or 1-7. */
void idt_set_gate(unsigned vector, void *handler, unsigned ist);
/* Switch the existing gate of `vector` to IST slot `ist`. */
void idt_set_ist(unsigned vector, unsigned ist);
/* A free IST slot (4-7) or 0 when all are taken. */
unsigned ist_alloc(void);
/* Lowest and one-past-highest address of an IST stack. */
uintptr_t ist_stack_base(unsigned ist);
uintptr_t ist_stack_top(unsigned ist);

/* Entry stubs from src/arch/entry.S, 16 bytes apart, one per vector. */
extern char trap_stubs[256][16];

#endif
