/*
 * pmtimer.h - the ACPI power-management timer: a free-running 3.579545 MHz
 * counter at an I/O port named by the FADT (PM_TMR_BLK / X_PM_TMR_BLK),
 * 24 or 32 bits wide (FADT flag TMR_VAL_EXT). No interrupt is used.
 * Present on every PC chipset with ACPI except hardware-reduced ones; a
 * calibration reference when there is no HPET (tsc.c).
 */
#ifndef IRQLAB_ARCH_PMTIMER_H
#define IRQLAB_ARCH_PMTIMER_H

#include <stdbool.h>
#include <stdint.h>

/* Take the port and width from the parsed FADT (platform.h's `acpi`),
 * then check the counter moves (bounded wait). Safe to call again. */
void pmtimer_init(void);
bool pmtimer_present(void);
uint16_t pmtimer_port(void);	/* 0 if none in the FADT */
unsigned pmtimer_bits(void);	/* 24 or 32; 0 if none */
/* Why there is none ("no FADT", "FADT names no PM timer", "port 0x608
 * does not count"); "" when present. */
const char *pmtimer_absent_why(void);
uint32_t pmtimer_read(void);	/* masked to pmtimer_bits() */
uint64_t pmtimer_mask(void);

#endif
