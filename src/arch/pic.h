#ifndef IRQLAB_ARCH_PIC_H
#define IRQLAB_ARCH_PIC_H
/* Remap the legacy 8259 pair to vectors 0x20-0x2f and mask every line.
 * Their spurious IRQ 7/15 can still arrive and are counted, not fatal. */
#define PIC_VEC_BASE	0x20
#define PIC_SPURIOUS_MASTER (PIC_VEC_BASE + 7)
#define PIC_SPURIOUS_SLAVE  (PIC_VEC_BASE + 15)
void pic_disable(void);
#endif
