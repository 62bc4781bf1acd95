/*
 * tsc.c - TSC frequency detection and time helpers; see tsc.h for the
 * order of sources and why.
 */
#include "arch/tsc.h"
#include "arch/cpu.h"
#include "arch/hpet.h"
#include "arch/pit.h"
#include "arch/pmtimer.h"
#include "arch/tsc_calc.h"

#define CPUID_LEAF_TSC_CRYSTAL	0x15u		/* EAX/EBX ratio, ECX crystal Hz */
#define CPUID_LEAF_FREQ		0x16u		/* EAX[15:0] base MHz */
#define CPUID_LEAF_EXT_POWER	0x80000007u	/* EDX[8] invariant TSC */
#define CPUID_EXT_POWER_INVTSC	(1u << 8)
#define CPUID_1_ECX_TSC_DEADLINE	24
#define CPUID_1_ECX_HYPERVISOR		31	/* set by every VMM, 0 on bare metal */
#define CPUID_LEAF_HV_BASE	0x40000000u	/* EAX: highest hypervisor leaf */
#define CPUID_LEAF_HV_TIMING	0x40000010u	/* EAX: TSC kHz, EBX: APIC bus kHz */
#define CPUID_LEAF_HV_LIMIT	0x4000ffffu	/* above this EAX is not a leaf */

/* Upper bounds for one calibration window: twice the window at the
 * fastest plausible TSC, and a poll count no working timer needs (a poll
 * is an I/O or MMIO read, ~0.1-1 us). */
#define CAL_MAX_CYCLES	(2 * TSC_CAL_WINDOW_US * (TSC_PLAUSIBLE_MAX_HZ / US_PER_SEC))
#define CAL_MAX_POLLS	10000000u
#define CAL_RELAX_AFTER	6u	/* windows redone in a row before the bracket limit doubles */

/* PIT channel 2 counts 16 bits: 65535 ticks of 1193182 Hz is ~54.9 ms. */
_Static_assert((uint64_t)TSC_CAL_WINDOW_US * PIT_INPUT_HZ / US_PER_SEC < 65535,
	       "calibration window too long for the PIT");

static uint64_t freq_hz = TSC_FALLBACK_HZ;
static enum tsc_source freq_source = TSC_SRC_NONE;
static uint64_t cal_spread_ppm;
static unsigned cal_windows, cal_retries;
static uint64_t tsc_at_init;
static bool tsc_ready;

static bool plausible_hz(uint64_t hz)
{
	return hz >= TSC_PLAUSIBLE_MIN_HZ && hz <= TSC_PLAUSIBLE_MAX_HZ;
}

static uint64_t hz_from_cpuid15(void)
{
	struct cpuid_regs r;

	if (cpuid_max_basic() < CPUID_LEAF_TSC_CRYSTAL)
		return 0;
	r = cpuid(CPUID_LEAF_TSC_CRYSTAL);
	return tsc_hz_from_cpuid15(r.a, r.b, r.c);
}

static uint64_t hz_from_cpuid16(void)
{
	if (cpuid_max_basic() < CPUID_LEAF_FREQ)
		return 0;
	return tsc_hz_from_cpuid16(cpuid(CPUID_LEAF_FREQ).a);
}

static uint64_t hz_from_hypervisor(void)
{
	uint32_t max_leaf;

	/* Leaves 0x40000000+ are only meaningful under a hypervisor; on
	 * bare metal Intel returns the highest basic leaf's data there. */
	if (!cpu_has_feature_1ecx(CPUID_1_ECX_HYPERVISOR))
		return 0;
	max_leaf = cpuid(CPUID_LEAF_HV_BASE).a;
	if (max_leaf < CPUID_LEAF_HV_TIMING || max_leaf > CPUID_LEAF_HV_LIMIT)
		return 0;
	return (uint64_t)cpuid(CPUID_LEAF_HV_TIMING).a * 1000u;
}

/*
 * A window is only as good as the reads at its two ends. Each reference
 * read is bracketed by two TSC reads; if a bracket is much wider than the
 * quietest one seen (the vCPU was descheduled, an SMI ran), that end's
 * time is uncertain by the bracket's width - milliseconds on a loaded
 * host, tens of percent of a 10 ms window - and the window is retried.
 */
static uint64_t bracket_limit;

/* The free-running reference being calibrated against: HPET main
 * counter or ACPI PM timer. */
struct ref_counter {
	uint64_t (*read)(void);
	uint64_t mask;		/* counter width: reads differ modulo mask + 1 */
	uint64_t hz;
};

static const struct ref_counter *ref;

static uint64_t bracket_counter(uint64_t *mid, uint64_t *count)
{
	uint64_t a = rdtsc_ordered();

	*count = ref->read();
	uint64_t b = rdtsc_ordered();
	*mid = a + (b - a) / 2;
	return b - a;
}

static uint64_t bracket_pit(uint64_t *mid, bool *out)
{
	uint64_t a = rdtsc_ordered();

	*out = pit_ch2_out();
	uint64_t b = rdtsc_ordered();
	*mid = a + (b - a) / 2;
	return b - a;
}

/* Limit = 4 x the narrowest of 16 brackets, plus slack for a cache miss. */
static void set_bracket_limit(bool counter)
{
	uint64_t best = UINT64_MAX, mid, c;
	bool o;

	for (unsigned i = 0; i < 16; i++) {
		uint64_t w = counter ? bracket_counter(&mid, &c) : bracket_pit(&mid, &o);

		if (w < best)
			best = w;
	}
	bracket_limit = 4 * best + 2000;
}

/* One window against the reference counter, midpoints of the brackets.
 * Returns Hz; 0 on timeout; 1 when an end's bracket was too wide (retry). */
static uint64_t counter_window_hz(void)
{
	uint64_t want = ticks_in_us(ref->hz, TSC_CAL_WINDOW_US);
	uint64_t h0, h1, dh, mid0, mid1, start;
	unsigned polls = 0;

	if (bracket_counter(&mid0, &h0) > bracket_limit)
		return 1;
	start = mid0;
	for (;;) {
		uint64_t w = bracket_counter(&mid1, &h1);

		/* Masked difference: a 24- or 32-bit counter may wrap in
		 * between (the window is far shorter than one wrap). */
		dh = (h1 - h0) & ref->mask;
		if (dh >= want)
			return w > bracket_limit ? 1 :
			       tsc_hz_from_reference(mid1 - mid0, dh, ref->hz);
		if (mid1 - start > CAL_MAX_CYCLES || ++polls > CAL_MAX_POLLS)
			return 0;
	}
}

/* One window against PIT channel 2 in mode 0. The count runs out N to
 * N + 1 input clocks after the MSB write; N is used, an error below one
 * tick (84 ppm of a 10 ms window). The end is the midpoint between the
 * last poll that saw OUT2 low and the first that saw it high. Returns Hz;
 * 0 if no PIT; 1 when an end was uncertain (retry). */
static uint64_t pit_window_hz(void)
{
	uint64_t ticks = ticks_in_us(PIT_INPUT_HZ, TSC_CAL_WINDOW_US);
	uint64_t a, t0, last_low, mid;
	unsigned polls = 0;
	bool out;

	a = rdtsc_ordered();
	pit_ch2_start_oneshot((uint16_t)ticks);
	t0 = rdtsc_ordered();
	/* The mode write just drove OUT2 low: high now means no PIT
	 * (port 0x61 floating to 0xff). */
	if (pit_ch2_out()) {
		pit_ch2_stop();
		return 0;
	}
	/* The start: several port writes, so allow several brackets. */
	if (t0 - a > 9 * bracket_limit) {
		pit_ch2_stop();
		return 1;
	}
	last_low = t0;
	for (;;) {
		uint64_t w = bracket_pit(&mid, &out);

		if (out) {
			pit_ch2_stop();
			/* OUT2 went high somewhere after last_low. */
			if (mid - last_low > 2 * bracket_limit || w > bracket_limit)
				return 1;
			return tsc_hz_from_reference(last_low + (mid - last_low) / 2 - t0,
						     ticks, PIT_INPUT_HZ);
		}
		last_low = mid;
		/* A gated-off or clock-gated PIT never ends the count. */
		if (mid - t0 > CAL_MAX_CYCLES || ++polls > CAL_MAX_POLLS) {
			pit_ch2_stop();
			return 0;
		}
	}
}

/* Median of TSC_CAL_WINDOWS good windows out of at most 10x as many
 * tries; 0 if the source times out, gives an implausible rate (a broken
 * source, not noise) or too few windows are clean. */
static uint64_t calibrate(uint64_t (*window_hz)(void), bool counter)
{
	uint64_t hz[TSC_CAL_WINDOWS];
	unsigned good = 0, tries = 0;

	unsigned redone_in_row = 0;

	set_bracket_limit(counter);
	while (good < TSC_CAL_WINDOWS && tries++ < 10 * TSC_CAL_WINDOWS) {
		uint64_t h = window_hz();

		if (h == 1) {
			/* An end was uncertain: again. A host so loaded that
			 * CAL_RELAX_AFTER windows in a row fail (seen with
			 * several TCG guests sharing two cores, I/O-port
			 * references worst) widens the limit rather than
			 * give up on the source: the spread shows the cost. */
			if (++redone_in_row >= CAL_RELAX_AFTER) {
				bracket_limit *= 2;
				redone_in_row = 0;
			}
			continue;
		}
		redone_in_row = 0;
		if (!plausible_hz(h))
			return 0;
		hz[good++] = h;
	}
	if (good < 3)
		return 0;
	cal_windows = good;
	cal_retries = tries - good;
	uint64_t med = median_u64(hz, good);
	cal_spread_ppm = spread_ppm(hz, good);
	return med;
}

static uint64_t read_hpet(void) { return hpet_read_counter(); }
static uint64_t read_pmtimer(void) { return pmtimer_read(); }

static uint64_t calibrate_hpet(void)
{
	struct ref_counter r = { read_hpet, hpet_counter_mask(), hpet_freq_hz() };
	bool was_enabled = hpet_is_enabled();
	uint64_t hz;

	if (!was_enabled)
		hpet_enable();
	ref = &r;
	hz = calibrate(counter_window_hz, true);
	ref = NULL;
	/* Leave the HPET as found: comparator setup is someone else's. */
	if (!was_enabled)
		hpet_disable();
	return hz;
}

static uint64_t calibrate_pmtimer(void)
{
	struct ref_counter r = { read_pmtimer, pmtimer_mask(), PMTMR_HZ };
	uint64_t hz;

	ref = &r;
	hz = calibrate(counter_window_hz, true);
	ref = NULL;
	return hz;
}

static uint64_t calibrate_any(void)
{
	bool irqs_on = read_rflags() & X86_EFLAGS_IF;
	enum tsc_source src = TSC_SRC_NONE;
	uint64_t hz = 0;

	/* An interrupt inside a window only stretches it; the median copes,
	 * but keep them out anyway. NMIs and SMIs cannot be kept out. */
	irq_hard_disable();
	if (hpet_present() && (hz = calibrate_hpet()) != 0)
		src = TSC_SRC_HPET;
	else if (pmtimer_present() && (hz = calibrate_pmtimer()) != 0)
		src = TSC_SRC_PMTIMER;
	else if (pit_present() && (hz = calibrate(pit_window_hz, false)) != 0)
		src = TSC_SRC_PIT;
	if (irqs_on)
		irq_hard_enable();

	if (src == TSC_SRC_NONE) {
		cal_windows = 0;
		cal_spread_ppm = 0;
		return 0;
	}
	freq_source = src;
	return hz;
}

void tsc_init(uint64_t hpet_phys)
{
	uint64_t hz;

	tsc_ready = false;
	freq_source = TSC_SRC_NONE;
	cal_spread_ppm = 0;
	cal_windows = 0;
	/* Keep an HPET someone already set up if we were given none. */
	if (hpet_phys && hpet_phys != hpet_phys_base())
		hpet_init(hpet_phys);
	pmtimer_init();

	hz = hz_from_cpuid15();
	if (plausible_hz(hz)) {
		freq_source = TSC_SRC_CPUID_15H;
		goto done;
	}
	hz = hz_from_hypervisor();
	if (plausible_hz(hz)) {
		freq_source = TSC_SRC_HYPERVISOR;
		goto done;
	}
	hz = calibrate_any();
	if (hz)
		goto done;
	hz = hz_from_cpuid16();
	if (plausible_hz(hz)) {
		freq_source = TSC_SRC_CPUID_16H;
		goto done;
	}
	hz = TSC_FALLBACK_HZ;
done:
	freq_hz = hz;
	tsc_at_init = rdtsc_ordered();
	tsc_ready = true;
}

uint64_t tsc_freq_hz(void) { return freq_hz; }
enum tsc_source tsc_freq_source(void) { return freq_source; }
uint64_t tsc_calibration_spread_ppm(void) { return cal_spread_ppm; }
unsigned tsc_calibration_windows(void) { return cal_windows; }
unsigned tsc_calibration_retries(void) { return cal_retries; }

const char *tsc_source_name(enum tsc_source s)
{
	switch (s) {
	case TSC_SRC_NONE:		return "none";
	case TSC_SRC_CPUID_15H:		return "cpuid-15h";
	case TSC_SRC_CPUID_16H:		return "cpuid-16h";
	case TSC_SRC_HYPERVISOR:	return "hypervisor";
	case TSC_SRC_HPET:		return "hpet";
	case TSC_SRC_PMTIMER:		return "acpi-pm";
	case TSC_SRC_PIT:		return "pit";
	}
	return "?";
}

bool tsc_invariant(void)
{
	if (cpuid_max_ext() < CPUID_LEAF_EXT_POWER)
		return false;
	return cpuid(CPUID_LEAF_EXT_POWER).d & CPUID_EXT_POWER_INVTSC;
}

bool tsc_deadline_supported(void)
{
	return cpu_has_feature_1ecx(CPUID_1_ECX_TSC_DEADLINE);
}

uint64_t tsc_to_ns(uint64_t cycles) { return cycles_to_ns(cycles, freq_hz); }
uint64_t ns_to_tsc(uint64_t ns) { return ns_to_cycles(ns, freq_hz); }

uint64_t time_ns(void)
{
	if (!tsc_ready)
		return 0;
	return tsc_to_ns(rdtsc_ordered() - tsc_at_init);
}

uint64_t time_ms(void)
{
	return time_ns() / 1000000u;
}

void udelay(uint64_t us)
{
	uint64_t ns = us > UINT64_MAX / 1000u ? UINT64_MAX : us * 1000u;
	uint64_t cycles = ns_to_tsc(ns);
	uint64_t start = rdtsc();

	/* +1: ns_to_tsc rounds down; the wait must not come out short. */
	if (cycles != UINT64_MAX)
		cycles++;
	while (rdtsc() - start < cycles)
		cpu_relax();
}
