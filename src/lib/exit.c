#include "lib/exit.h"
#include "arch/apic.h"
#include "arch/hpet.h"
#include "arch/ioapic.h"
#include "arch/cpu.h"
#include "arch/reset.h"
#include "config.h"
#include "drivers/console.h"
#include "drivers/qemu.h"
#include "drivers/uart16550.h"
#include "lib/report.h"

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

void platform_exit_flush(void)
{
}
#else
#define PORT_CMOS_INDEX		0x70
#define CMOS_NMI_DISABLE	0x80	/* bit 7 of the index port gates legacy NMIs */
/* Transmitter drain before a reset or halt: 17 characters (FIFO and
 * shift register) at 115200 baud take ~1.5 ms; 10 ms covers that with
 * room, and bounds the wait on a UART that never finishes. */
#define EXIT_UART_DRAIN_US	10000u

static int exit_mode = ON_DONE_AUTO;

void platform_exit_mode(int mode)
{
	exit_mode = mode;
}

void platform_exit_flush(void)
{
	/* The screen never un-nests once the run ends inside a print (a
	 * trap or NMI in the middle of one): each line is queued until
	 * drawn here. */
	console_flush();
	if (console_has_serial())
		uart_drain(COM1_PORT, EXIT_UART_DRAIN_US);
}

static __attribute__((noreturn)) void halt_forever(void)
{
	irq_hard_disable();
	/* Output first, in case a step below faults on broken hardware. */
	platform_exit_flush();
	/* Quiet every NMI source a fatal end can leave armed mid-test:
	 * - the local APIC's LVT: LINT0 (ExtINT from the 8259), LINT1 (the
	 *   monitor's `nmi`), timer, PMC, error;
	 * - every redirection entry of the I/O APICs registered through
	 *   ioapic_add() (the only way irqlab programs one): entries in NMI
	 *   mode, the PIT on IRQ0, HPET comparators routed to an input;
	 * - every HPET comparator's interrupt enable, which also stops its
	 *   FSB (MSI) messages, NMI mode included;
	 * - the chipset's legacy NMIs (SERR#, IOCHK#) at the CMOS index.
	 * What still arrives: an NMI IPI from another agent, a PCI device's
	 * MSI in NMI mode, one already in flight; its handler returns here. */
	if (apic_mode() != APIC_MODE_NONE)
		apic_mask_all_lvt();
	ioapic_mask_all_final();
	if (hpet_present())
		hpet_stop_interrupts_final();
	outb(PORT_CMOS_INDEX, CMOS_NMI_DISABLE);
	/* An NMI taken meanwhile may have printed. */
	platform_exit_flush();
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
	/* The documented codes are single digits (report.h); anything else
	 * is a caller's bug, shown as '?' rather than a wrong digit. No
	 * printf on this path: it may run from a trap. */
	line[10] = code >= EXIT_OK && code <= EXIT_WATCHDOG ? (char)('0' + code) : '?';
	console_puts(line);
	platform_exit_flush();

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
