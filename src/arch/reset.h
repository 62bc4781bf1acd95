/*
 * reset.h - reboot the machine, the ways a PC can be reset from software,
 * in the order Linux and firmware use them:
 *
 *  1. the ACPI reset register (FADT RESET_REG, RESET_VALUE), when the
 *     FADT is revision 2 or later and sets RESET_REG_SUP;
 *  2. the chipset's Reset Control register at port 0xcf9 (PIIX3/4, ICH
 *     and later): 0x02 (SYS_RST: a hard reset) then 0x06 (adds RST_CPU,
 *     whose 0->1 edge starts it);
 *  3. the 8042 keyboard controller: command 0xfe pulses the CPU reset
 *     line, written to port 0x64 once the input buffer is empty.
 *
 * Each attempt prints one "irqlab: reboot: trying ..." line, then waits
 * RESET_WAIT_MS for the reset to take effect. Trap-safe: console_puts
 * only, no printf, no allocation.
 */
#ifndef IRQLAB_ARCH_RESET_H
#define IRQLAB_ARCH_RESET_H

#define RESET_WAIT_MS	200u

/* Returns only if no method reset the machine (it says so first). */
void reset_machine(void);

#endif
