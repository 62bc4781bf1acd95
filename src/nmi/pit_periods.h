/*
 * pit_periods.h - count PIT channel 0 periods (edges on IRQ0) without an
 * interrupt: for NMI sources fed by the PIT, whose NMIs say nothing about
 * how many periods they stand for.
 *
 * Channel 0 runs in mode 2: the count goes divisor, divisor - 1, ... 1,
 * reloads, and OUT rises at each reload (QEMU: hw/timer/i8254_common.c,
 * pit_get_out, mode 2). A latched count c gives the phase, the input
 * clocks since the last reload: divisor - c. The TSC gives the time since
 * the previous reading, converted to input clocks; the number of reloads
 * in between is then
 *
 *	n = round((tsc_clocks - phase + previous_phase) / divisor)
 *
 * which is exact as long as the TSC-derived clock count is off by less
 * than half a period. The error is the error of the TSC-to-PIT ratio times
 * the interval, plus the time a reading takes. The ratio is measured
 * against channel 0 itself when counting starts (three 10 ms windows,
 * median: about 0.1 % under TCG), not taken from the TSC calibration;
 * every reading re-anchors, so readings up to a few hundred periods apart
 * stay inside the bound. A reading that took longer than a quarter period
 * (preempted vCPU) is repeated.
 */
#ifndef IRQLAB_NMI_PIT_PERIODS_H
#define IRQLAB_NMI_PIT_PERIODS_H

#include <stddef.h>
#include <stdint.h>

#define PIT_PERIODS_MIN_HZ	19u	/* divisor 65536: 18.2 Hz */
#define PIT_PERIODS_MAX_HZ	100000u

struct pit_periods {
	uint32_t divisor;		/* input clocks per period */
	uint64_t clocks_per_tsc_q32;	/* PIT clocks per TSC cycle, 32.32 */
	uint64_t period_tsc;
	/* The last reading. pit_periods_read() (NMI context) bumps seq
	 * around each update; normal-context readers retry on a change. */
	volatile uint32_t seq;
	uint64_t anchor_tsc;
	uint32_t anchor_phase;		/* input clocks since the last reload */
	uint64_t total;			/* reloads since start, at the anchor */
};

/* Measure the TSC-to-PIT ratio (30 ms), program channel 0 at rate_hz
 * (mode 2) and take the first reading. -1 with a message if rate_hz is
 * outside PIT_PERIODS_MIN/MAX_HZ, channel 0 is already in use, or it does
 * not count. */
int pit_periods_start(struct pit_periods *p, uint64_t rate_hz, char *err, size_t errlen);
uint64_t pit_periods_rate_hz(const struct pit_periods *p);
/* Latch channel 0 and the TSC, advance the anchor; returns reloads since
 * start. The one writer: call it from one context at a time (the NMI
 * handler while the source runs). */
uint64_t pit_periods_read(struct pit_periods *p);
/* Reloads since start up to TSC value tsc, extrapolated from the anchor
 * with the TSC alone (no PIT access). Safe in normal context while NMIs
 * may call pit_periods_read, and in NMI context. */
uint64_t pit_periods_at(const struct pit_periods *p, uint64_t tsc);
/* Channel 0 stopped: no further IRQ0 edges. */
void pit_periods_stop(struct pit_periods *p);

/*
 * A PIT-fed NMI source's stop, in normal context.
 *
 * pit_periods_wait_serviced: wait, at most timeout_us, until the handler
 * has serviced (*handled) every period elapsed so far; QEMU raises the
 * PIT's edges late, so their NMIs may still be on their way. Returns the
 * TSC value at which the handler was seen current, 0 if it never was
 * (NMIs stopped coming). The caller masks its input right after.
 *
 * pit_periods_raised: the periods raised up to the mask. When the
 * handler was seen current, the periods it had serviced by then, and any
 * it serviced after: a period that ended between that look and the mask
 * write had its edge raised in time or not (QEMU's lag, a vCPU preempted
 * in between), and only the NMIs that came say which; counting it by the
 * clock took periods the mask kept from ever signalling for lost ones.
 * When it never was: every period up to the mask, so the ones whose NMIs
 * did not come show as outstanding.
 */
uint64_t pit_periods_wait_serviced(const struct pit_periods *p,
				   const volatile uint64_t *handled, unsigned timeout_us);
uint64_t pit_periods_raised(const struct pit_periods *p, uint64_t handled,
			    uint64_t current_tsc, uint64_t masked_tsc);

#endif
