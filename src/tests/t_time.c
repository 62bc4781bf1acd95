/*
 * Time: a plausible TSC rate, monotonic time, and udelay agreeing with an
 * independent clock (the HPET, else the ACPI PM timer) when there is one.
 */
#include "tests/suites.h"
#include "arch/cpu.h"
#include "arch/hpet.h"
#include "arch/pmtimer.h"
#include "arch/tsc.h"
#include "arch/tsc_calc.h"
#include "lib/report.h"

/* Wide bounds: these catch unit and scaling mistakes, not drift. Under
 * TCG the guest TSC is the host's TSC and the HPET and PM timer the
 * host's monotonic clock; on a loaded host (or a host that is itself a
 * VM) the two disagree by tens of percent over a 10 ms calibration
 * window, so a tighter bound here would measure the host. */
static void report_udelay(uint64_t us, const char *clock)
{
	report(us >= 10000 && us <= 100000, "udelay(20 ms) lasts %llu us by the %s",
	       (unsigned long long)us, clock);
}

static void check_udelay_hpet(void)
{
	bool was_enabled = hpet_is_enabled();

	if (!was_enabled)
		hpet_enable();
	uint64_t h0 = hpet_read_counter();
	udelay(20000);
	uint64_t h1 = hpet_read_counter();
	if (!was_enabled)
		hpet_disable();
	report_udelay(((h1 - h0) & hpet_counter_mask()) * hpet_period_fs() / 1000000000ull,
		      "HPET");
}

/* 20 ms is 71591 ticks, far inside one wrap of a 24-bit timer (4.7 s). */
static void check_udelay_pmtimer(void)
{
	uint32_t p0 = pmtimer_read();

	udelay(20000);
	uint32_t p1 = pmtimer_read();
	report_udelay(mul_div_u64(counter_delta(p0, p1, pmtimer_bits()), US_PER_SEC,
				  PMTMR_HZ), "ACPI PM timer");
}

static void test_time(void)
{
	uint64_t hz = tsc_freq_hz(), t0, t1;

	report(hz >= TSC_PLAUSIBLE_MIN_HZ && hz <= TSC_PLAUSIBLE_MAX_HZ,
	       "TSC frequency %llu Hz is plausible (source %s)",
	       (unsigned long long)hz, tsc_source_name(tsc_freq_source()));
	t0 = time_ns();
	t1 = time_ns();
	report(t1 >= t0, "time_ns does not go backwards");

	if (hpet_present())
		check_udelay_hpet();
	else if (pmtimer_present())
		check_udelay_pmtimer();
	else
		report_skip("udelay against an independent clock: no HPET and no "
			    "ACPI PM timer");
}

SUITE(time, test_time, SUITE_DEFAULT);
