/*
 * pit.h - the 8254 programmable interval timer (legacy PIT).
 *
 * Channel 2 is gated through port 0x61 and its output can be read back
 * there, so it serves as a polled one-shot for TSC calibration (no IRQ).
 * Channel 0 drives IRQ0 (ISA IRQ 0, usually I/O APIC pin 2); the periodic
 * helpers here only program the counter, routing is the caller's job.
 */
#ifndef IRQLAB_ARCH_PIT_H
#define IRQLAB_ARCH_PIT_H

#include <stdbool.h>
#include <stdint.h>

/* Input clock of all three channels: 14.31818 MHz / 12 = 1193181.8 Hz. */
#define PIT_INPUT_HZ	1193182u

#define PIT_PORT_CH0	0x40
#define PIT_PORT_CH2	0x42
#define PIT_PORT_MODE	0x43
/* NMI status and control register (PC/AT port B). */
#define PIT_PORT_61		0x61
#define PORT61_CH2_GATE		(1u << 0)	/* R/W: channel 2 GATE input */
#define PORT61_SPEAKER_EN	(1u << 1)	/* R/W: OUT2 drives the speaker */
#define PORT61_CH2_OUT		(1u << 5)	/* RO:  channel 2 OUT level */

/*
 * Is there an 8254 at all? Machines without one exist (QEMU
 * `-machine pit=off`, some UEFI-only boards). Channel 2 is loaded with
 * 0xffff in mode 0, gated on through port 0x61, and its latched count
 * must change within a bounded number of reads (absent ports read 0xff,
 * a count that never moves). Probed once (the first call), cached;
 * leaves channel 2 stopped. Never waits more than about a millisecond.
 */
bool pit_present(void);

/*
 * Channel 2 one-shot: speaker off, gate high, mode 0 (interrupt on
 * terminal count), binary, count 'ticks' (0 means 65536). OUT2 goes low
 * when the mode is written and high once the count has run out, N to N+1
 * input clocks after the count's MSB was written.
 */
void pit_ch2_start_oneshot(uint16_t ticks);
/* OUT2 as seen in port 0x61 bit 5. Reads 1 with no PIT (port floats 0xff). */
bool pit_ch2_out(void);
/* Gate low and speaker off: channel 2 stops counting. */
void pit_ch2_stop(void);

/*
 * Channel 0 periodic interrupts: mode 2 (rate generator), one IRQ0 edge
 * every 'divisor' input clocks. divisor = round(PIT_INPUT_HZ / rate_hz),
 * clamped to 2..65536 (about 596 kHz down to about 18.2 Hz). Returns the
 * divisor used, 0 (and nothing programmed) if rate_hz is 0.
 */
uint32_t pit_ch0_start_periodic(uint32_t rate_hz);
/* The rate a divisor returned above really gives, rounded (Hz). */
uint32_t pit_rate_hz_for_divisor(uint32_t divisor);
/* Stop channel 0 so it raises no further IRQ0 edges. */
void pit_ch0_stop(void);
/* Latch and read channel 0's current count (counts down). */
uint16_t pit_ch0_read_count(void);

#endif
