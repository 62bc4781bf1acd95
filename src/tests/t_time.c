/*
 * Time: a plausible TSC rate, monotonic time, and udelay agreeing with an
 * independent clock (the HPET) when there is one.
 */
#include "tests/suites.h"
#include "arch/cpu.h"
#include "arch/hpet.h"
#include "arch/tsc.h"
#include "lib/report.h"

static void test_time(void)
{
	uint64_t hz = tsc_freq_hz(), t0, t1;

	report(hz >= TSC_PLAUSIBLE_MIN_HZ && hz <= TSC_PLAUSIBLE_MAX_HZ,
	       "TSC frequency %llu Hz is plausible (source %s)",
	       (unsigned long long)hz, tsc_source_name(tsc_freq_source()));
	t0 = time_ns();
	t1 = time_ns();
	report(t1 >= t0, "time_ns does not go backwards");

	if (!hpet_present()) {
		report_skip("udelay against the HPET: no HPET");
		return;
	}
	bool was_enabled = hpet_is_enabled();

	if (!was_enabled)
		hpet_enable();
	uint64_t h0 = hpet_read_counter();
	udelay(20000);
	uint64_t h1 = hpet_read_counter();
	if (!was_enabled)
		hpet_disable();
	uint64_t hpet_us = ((h1 - h0) & hpet_counter_mask()) * hpet_period_fs() / 1000000000ull;
	/* Wide bounds: this catches unit and scaling mistakes, not drift.
	 * Under TCG the guest TSC is the host's TSC and the HPET the host's
	 * monotonic clock; on a loaded host (or a host that is itself a VM)
	 * the two disagree by tens of percent over a 10 ms calibration
	 * window, so a tighter bound here would measure the host. */
	report(hpet_us >= 10000 && hpet_us <= 100000,
	       "udelay(20 ms) lasts %llu us by the HPET", (unsigned long long)hpet_us);
}

SUITE(time, test_time, SUITE_DEFAULT);
