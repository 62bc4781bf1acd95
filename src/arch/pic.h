#ifndef IRQLAB_ARCH_PIC_H
#define IRQLAB_ARCH_PIC_H
#include <stdbool.h>
/* Remap the legacy 8259 pair to vectors 0x20-0x2f and mask every line.
 * Their spurious IRQ 7/15 can still arrive and are counted, not fatal. */
/* The master 8259's ports (PC/AT) and the commands the NMI sources use
 * to poll it with its output masked at LINT0 (src/nmi/src_lint.c,
 * src_ioapic.c). */
#define PIC1_CMD		0x20
#define PIC1_DATA		0x21
#define PIC_OCW3_POLL		0x0c	/* OCW3, P=1 */
#define PIC_POLL_REQUEST	0x80	/* poll byte: a request was pending */
#define PIC_OCW2_SPECIFIC_EOI	0x60
#define PIC_IRQ_PIT		0

#define PIC_VEC_BASE	0x20
#define PIC_SPURIOUS_MASTER (PIC_VEC_BASE + 7)
#define PIC_SPURIOUS_SLAVE  (PIC_VEC_BASE + 15)
/* Probes first (pic_present); with no 8259 it only installs the
 * spurious handlers (writes to absent ports would do nothing anyway). */
void pic_disable(void);
/* Is there an 8259 pair? The master's interrupt mask register (port
 * 0x21) must hold two patterns written to it; absent ports read 0xff.
 * QEMU `-machine pic=off` removes it while the MADT still claims
 * PCAT_COMPAT (QEMU 7.2 hw/i386/acpi-common.c sets the flag always), so
 * the flag alone is not evidence. Probed by pic_disable(); before that,
 * probes now (and leaves every line masked). */
bool pic_present(void);
#endif
