#include "arch/pic.h"
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/traps.h"

#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

static void pic_spurious(struct trap_frame *f)
{
	(void)f;
	/* Masked lines still raise spurious IRQ 7/15; no EOI for those. */
	this_cpu()->spurious_count++;
}

static int present = -1;

static bool imr_holds(uint16_t port, uint8_t v)
{
	outb(port, v);
	io_delay();
	return inb(port) == v;
}

bool pic_present(void)
{
	if (present < 0) {
		/* Outside an init sequence a data-port write is OCW1 (the
		 * mask), read back as is. End fully masked. */
		present = imr_holds(PIC1_DATA, 0xa5) && imr_holds(PIC1_DATA, 0x5a);
		outb(PIC1_DATA, 0xff);
	}
	return present;
}

void pic_disable(void)
{
	trap_set_handler(PIC_SPURIOUS_MASTER, pic_spurious);
	trap_set_handler(PIC_SPURIOUS_SLAVE, pic_spurious);
	if (!pic_present())
		return;
	/* ICW1: edge, cascade, ICW4 needed. ICW2: vector bases. ICW3: slave
	 * on IRQ2. ICW4: 8086 mode. Then mask all. Remapping keeps a stray
	 * PIC interrupt from landing on an exception vector. */
	outb(PIC1_CMD, 0x11); io_delay();
	outb(PIC2_CMD, 0x11); io_delay();
	outb(PIC1_DATA, PIC_VEC_BASE); io_delay();
	outb(PIC2_DATA, PIC_VEC_BASE + 8); io_delay();
	outb(PIC1_DATA, 4); io_delay();
	outb(PIC2_DATA, 2); io_delay();
	outb(PIC1_DATA, 1); io_delay();
	outb(PIC2_DATA, 1); io_delay();
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
