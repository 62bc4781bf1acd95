/*
 * pit_periods.c - PIT channel 0 period counting; see pit_periods.h.
 */
#include "nmi/pit_periods.h"
#include "arch/cpu.h"
#include "arch/pit.h"
#include "arch/tsc.h"
#include "arch/tsc_calc.h"
#include <stdbool.h>
#include <stdio.h>

#define READ_TRIES	4
#define CAL_WINDOWS	3
#define CAL_WINDOW_US	10000
#define CAL_MAX_READ_NS	20000

/* One channel 0 for every PIT-fed source (ioapic, lint). */
static bool busy;

/* One reading of channel 0 and the TSC around it; a reading that took
 * longer than max_tsc (preempted vCPU) is repeated. */
static uint32_t sample(uint64_t max_tsc, uint64_t *tsc)
{
	uint64_t t1 = 0, t2 = 0;
	uint32_t count = 0;

	for (int i = 0; i < READ_TRIES; i++) {
		t1 = rdtsc();
		count = pit_ch0_read_count();
		t2 = rdtsc();
		if (t2 - t1 < max_tsc)
			break;
	}
	*tsc = t1 + (t2 - t1) / 2;
	return count ? count : 0x10000;		/* 0 stands for 65536 */
}

/*
 * PIT clocks per TSC cycle, measured here rather than taken from
 * tsc_freq_hz(): a calibration disturbed by a loaded host has been seen
 * 77 % off, far outside the half-period bound. Channel 0 counts down from
 * 65536 (55 ms per wrap); each window reads it, waits about CAL_WINDOW_US
 * and reads it again; the median of CAL_WINDOWS windows is kept, so one
 * window stretched past a wrap by preemption does not count.
 */
static uint64_t measure_clocks_per_tsc_q32(void)
{
	uint64_t r[CAL_WINDOWS], t0, t1, tmp;
	uint64_t max_tsc = ns_to_tsc(CAL_MAX_READ_NS);
	uint32_t c0, c1, clocks;

	pit_ch0_start_periodic(1);		/* clamped: divisor 65536 */
	udelay(2);
	for (int w = 0; w < CAL_WINDOWS; w++) {
		c0 = sample(max_tsc, &t0);
		udelay(CAL_WINDOW_US);
		c1 = sample(max_tsc, &t1);
		clocks = (c0 - c1) & 0xffff;	/* counts down, wraps at 65536 */
		r[w] = t1 > t0 ? mul_div_u64(clocks, 1ull << 32, t1 - t0) : 0;
	}
	for (int i = 1; i < CAL_WINDOWS; i++)
		for (int j = i; j > 0 && r[j - 1] > r[j]; j--) {
			tmp = r[j];
			r[j] = r[j - 1];
			r[j - 1] = tmp;
		}
	return r[CAL_WINDOWS / 2];
}

static uint64_t tsc_to_clocks(const struct pit_periods *p, uint64_t dtsc)
{
	return (uint64_t)(((unsigned __int128)dtsc * p->clocks_per_tsc_q32) >> 32);
}

int pit_periods_start(struct pit_periods *p, uint64_t rate_hz, char *err, size_t errlen)
{
	if (rate_hz < PIT_PERIODS_MIN_HZ || rate_hz > PIT_PERIODS_MAX_HZ) {
		snprintf(err, errlen, "rate %llu Hz is outside the PIT's %u..%u Hz",
			 (unsigned long long)rate_hz, PIT_PERIODS_MIN_HZ, PIT_PERIODS_MAX_HZ);
		return -1;
	}
	if (busy) {
		snprintf(err, errlen, "PIT channel 0 already feeds another NMI source");
		return -1;
	}
	busy = true;
	p->clocks_per_tsc_q32 = measure_clocks_per_tsc_q32();
	if (p->clocks_per_tsc_q32 == 0) {
		busy = false;
		pit_ch0_stop();
		snprintf(err, errlen, "PIT channel 0 does not count");
		return -1;
	}
	p->divisor = pit_ch0_start_periodic((uint32_t)rate_hz);
	p->period_tsc = mul_div_u64(p->divisor, 1ull << 32, p->clocks_per_tsc_q32);
	p->seq = 0;
	p->total = 0;
	p->anchor_tsc = rdtsc();
	p->anchor_phase = 0;
	/* The count is loaded at the first input clock after its MSB is
	 * written; before that a latch reads the old count. */
	udelay(2);
	pit_periods_read(p);
	p->total = 0;	/* the first reading only sets the phase */
	return 0;
}

uint64_t pit_periods_rate_hz(const struct pit_periods *p)
{
	return pit_rate_hz_for_divisor(p->divisor);
}

uint64_t pit_periods_read(struct pit_periods *p)
{
	uint64_t t1, clocks;
	uint32_t count, phase;
	int64_t x;
	uint64_t n = 0;

	count = sample(p->period_tsc / 4, &t1);
	phase = count <= p->divisor ? p->divisor - count : 0;
	clocks = tsc_to_clocks(p, t1 - p->anchor_tsc);
	x = (int64_t)clocks - (int64_t)phase + (int64_t)p->anchor_phase;
	if (x > 0)
		n = ((uint64_t)x + p->divisor / 2) / p->divisor;

	p->seq++;
	barrier();
	p->anchor_tsc = t1;
	p->anchor_phase = phase;
	p->total += n;
	barrier();
	p->seq++;
	return p->total;
}

uint64_t pit_periods_at(const struct pit_periods *p, uint64_t tsc)
{
	uint64_t anchor_tsc, total, clocks;
	uint32_t phase, seq;

	do {
		seq = p->seq;
		barrier();
		anchor_tsc = p->anchor_tsc;
		phase = p->anchor_phase;
		total = p->total;
		barrier();
	} while (seq != p->seq);

	if ((int64_t)(tsc - anchor_tsc) >= 0) {
		clocks = tsc_to_clocks(p, tsc - anchor_tsc) + phase;
		return total + clocks / p->divisor;
	}
	/* tsc before the anchor: take back the reloads in between. */
	clocks = tsc_to_clocks(p, anchor_tsc - tsc);
	if (clocks <= phase)
		return total;
	clocks = (clocks - phase + p->divisor - 1) / p->divisor;
	return clocks < total ? total - clocks : 0;
}

void pit_periods_stop(struct pit_periods *p)
{
	(void)p;
	pit_ch0_stop();
	busy = false;
}

uint64_t pit_periods_wait_serviced(const struct pit_periods *p,
				   const volatile uint64_t *handled, unsigned timeout_us)
{
	uint64_t end = rdtsc() + ns_to_tsc(timeout_us * 1000ull);

	for (;;) {
		uint64_t now = rdtsc();

		if (*handled >= pit_periods_at(p, now))
			return now ? now : 1;
		if ((int64_t)(now - end) >= 0)
			return 0;
		cpu_relax();
	}
}

uint64_t pit_periods_raised(const struct pit_periods *p, uint64_t handled,
			    uint64_t current_tsc, uint64_t masked_tsc)
{
	uint64_t elapsed = pit_periods_at(p, current_tsc ? current_tsc : masked_tsc);

	return elapsed > handled ? elapsed : handled;
}
