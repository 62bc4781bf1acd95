#ifndef IRQLAB_LIB_EXIT_H
#define IRQLAB_LIB_EXIT_H

/*
 * How a run ends (on_done= on the command line, src/config.c):
 *   ON_DONE_AUTO    exit under QEMU (fw_cfg answers "QEMU"), else halt
 *   ON_DONE_HALT    halt forever: interrupts off, LINT0/LINT1 and the
 *                   other LVT entries masked, every I/O APIC entry
 *                   masked, HPET comparator interrupts off, NMIs off at
 *                   the CMOS port; a hlt loop (an NMI that still
 *                   arrives wakes hlt)
 *   ON_DONE_REBOOT  ACPI reset register, port 0xcf9, keyboard controller
 *                   (src/arch/reset.h); halt if none of them works
 *   ON_DONE_EXIT    QEMU's isa-debug-exit at port 0xf4; halt (saying so)
 *                   if the port does nothing
 * The order of the values is the order of the option's choices.
 */
enum on_done { ON_DONE_AUTO, ON_DONE_HALT, ON_DONE_REBOOT, ON_DONE_EXIT };

/* Print one line naming the ending and why, then "--- DONE: <code> ---"
 * (the line test runners wait for), then end the run as on_done says.
 * Safe from a trap: console_puts only, no printf. */
void platform_exit(int code) __attribute__((noreturn));

/* Set the ending (an enum on_done). Whether it was given on the command
 * line or is the default is read from opt_on_done.given at exit. */
void platform_exit_mode(int mode);

/* Before a reset or halt cuts the output off: draw the screen output
 * still queued (console_flush()), then wait, at most 10 ms, for COM1's
 * transmitter to empty. Safe from a trap. Called after every line the
 * ending prints, since a run ending inside a print queues each line. */
void platform_exit_flush(void);

#endif
