#include "lib/exit.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/reset.h"
#include "config.h"
#include "drivers/console.h"
#include "drivers/qemu.h"

#ifdef IRQLAB_HOST_TEST
#include <stdlib.h>
void platform_exit(int code)
{
	exit(code);
}

void platform_exit_mode(int mode)
{
	(void)mode;
}
#else
#define PORT_CMOS_INDEX		0x70
#define CMOS_NMI_DISABLE	0x80	/* bit 7 of the index port gates legacy NMIs */

static int exit_mode = ON_DONE_AUTO;

void platform_exit_mode(int mode)
{
	exit_mode = mode;
}

static __attribute__((noreturn)) void halt_forever(void)
{
	irq_hard_disable();
	/* What can be masked: the local APIC's LINT0/LINT1 (ExtINT, the
	 * monitor's `nmi`), its timer, PMC and error entries; the chipset's
	 * legacy NMI sources (SERR#, IOCHK#) through the CMOS index port.
	 * An NMI sent as an IPI or through an I/O APIC entry still arrives;
	 * its handler returns here. */
	if (apic_mode() != APIC_MODE_NONE)
		apic_mask_all_lvt();
	outb(PORT_CMOS_INDEX, CMOS_NMI_DISABLE);
	for (;;)
		halt();
}

void platform_exit(int code)
{
	char line[] = "--- DONE: 0 ---\n";
	int mode = exit_mode;
	bool from_cmdline = opt_on_done.given;
	const char *why = from_cmdline ? "command line" : "default";

	irq_hard_disable();
	if (mode == ON_DONE_AUTO) {
		bool qemu = qemu_detect();

		mode = qemu ? ON_DONE_EXIT : ON_DONE_HALT;
		why = qemu ? "default: QEMU found through fw_cfg"
			   : "default: no QEMU fw_cfg, so hardware";
	}
	console_puts("irqlab: ending: on_done=");
	console_puts(mode == ON_DONE_EXIT ? "exit" : mode == ON_DONE_REBOOT ? "reboot" : "halt");
	console_puts(" (");
	console_puts(why);
	console_puts(")\n");
	/* Exit codes are single digits (report.h); no printf on this path,
	 * it may run from a trap with vector state unsaved. */
	line[10] = (char)('0' + (code % 10));
	console_puts(line);
	/* An exit from inside a nested print (a trap or NMI while printing)
	 * left bytes queued for the screen: draw them before the end. */
	console_flush();

	if (mode == ON_DONE_EXIT) {
		qemu_debug_exit((unsigned)code);
		/* QEMU exits inside the port write; still here means no
		 * isa-debug-exit device. */
		console_puts("irqlab: isa-debug-exit at port 0xf4 did nothing (no such "
			     "device): halting instead\n");
	} else if (mode == ON_DONE_REBOOT) {
		reset_machine();
		console_puts("irqlab: reboot failed: halting instead\n");
	}
	halt_forever();
}
#endif
