/*
 * test_tsc.c - host tests of the TSC arithmetic (src/arch/tsc_calc.c).
 * Expected values are worked out by hand in the comments; several are
 * chosen so that a 32- or 64-bit intermediate product would overflow.
 */
// uses: src/arch/tsc_calc.c
#include <stdint.h>

#include "tests/unit/check.h"
#include "arch/tsc_calc.h"

#define U64(x)	((uint64_t)(x))
#define P63	(U64(1) << 63)
#define P62	(U64(1) << 62)

static void test_mul_div(void)
{
	check_set_prefix("mul_div");
	/* 2^63 * 2^63 / 2^63: the product needs 126 bits. */
	CHECK_EQ_U64(mul_div_u64(P63, P63, P63), P63, "128-bit product");
	CHECK_EQ_U64(mul_div_u64(7, 3, 2), 10, "floor 21/2");
	CHECK_EQ_U64(mul_div_round_u64(7, 3, 2), 11, "round 21/2 = 10.5 up");
	CHECK_EQ_U64(mul_div_round_u64(7, 1, 3), 2, "round 7/3 = 2.33 down");
	CHECK_EQ_U64(mul_div_u64(3, 5, 0), 0, "divide by 0 gives 0");
	CHECK_EQ_U64(mul_div_u64(UINT64_MAX, 2, 1), UINT64_MAX, "saturates");
	CHECK_EQ_U64(mul_div_round_u64(UINT64_MAX, UINT64_MAX, UINT64_MAX),
		     UINT64_MAX, "round at the top of the range");
}

static void test_cpuid15(void)
{
	check_set_prefix("cpuid15");
	/* 24 MHz * 216 / 2 = 2.592 GHz; 24e6 * 216 = 5.184e9 > 2^32. */
	CHECK_EQ_U64(tsc_hz_from_cpuid15(2, 216, 24000000), 2592000000u,
		     "24 MHz crystal, 216/2");
	/* Xeon Scalable: 25 MHz * 176 / 2 = 2.2 GHz (4.4e9 > 2^32). */
	CHECK_EQ_U64(tsc_hz_from_cpuid15(2, 176, 25000000), 2200000000u,
		     "25 MHz crystal, 176/2");
	/* 38.4 MHz crystal (Ice Lake and later client): * 156 / 2 = 2.9952 GHz. */
	CHECK_EQ_U64(tsc_hz_from_cpuid15(2, 156, 38400000), 2995200000u,
		     "38.4 MHz crystal, 156/2");
	/* Goldmont 19.2 MHz crystal, 1.5 GHz TSC: ratio 78.125 = 625/8. */
	CHECK_EQ_U64(tsc_hz_from_cpuid15(8, 625, 19200000), 1500000000u,
		     "19.2 MHz crystal, 625/8");
	/* Truncates: 1 Hz * 10 / 3 = 3.33 -> 3. */
	CHECK_EQ_U64(tsc_hz_from_cpuid15(3, 10, 1), 3, "integer division");
	/* (2^32 - 1)^2 = 0xfffffffe00000001 still fits in 64 bits. */
	CHECK_EQ_U64(tsc_hz_from_cpuid15(1, UINT32_MAX, UINT32_MAX),
		     0xfffffffe00000001ull, "largest product");
	CHECK_EQ_U64(tsc_hz_from_cpuid15(2, 216, 0), 0, "crystal not enumerated");
	CHECK_EQ_U64(tsc_hz_from_cpuid15(2, 0, 24000000), 0, "numerator 0");
	CHECK_EQ_U64(tsc_hz_from_cpuid15(0, 216, 24000000), 0, "denominator 0");

	check_set_prefix("cpuid16");
	CHECK_EQ_U64(tsc_hz_from_cpuid16(3000), 3000000000u, "3000 MHz");
	CHECK_EQ_U64(tsc_hz_from_cpuid16(0xabcd0bb8u), 3000000000u,
		     "reserved bits 31:16 ignored");
	CHECK_EQ_U64(tsc_hz_from_cpuid16(0), 0, "not enumerated");
}

static void test_reference(void)
{
	check_set_prefix("reference");
	/*
	 * 3 GHz TSC against the PIT over 11932 ticks of 1193182 Hz
	 * (10.000 ms): delta = 3e9 * 11932 / 1193182 = 30000452.57 -> the
	 * TSC shows 30000453; back: 30000453 * 1193182 / 11932
	 * = 3000000043.1 -> 3000000043 (the 0.43-cycle quantisation).
	 * 30000453 * 1193182 = 3.58e13 > 2^32.
	 */
	CHECK_EQ_U64(tsc_hz_from_reference(30000453, 11932, 1193182),
		     3000000043u, "3 GHz vs PIT, 11932 ticks");
	/* Same TSC against the HPET (14318180 Hz) over 143182 ticks:
	 * delta = 30000041.9 -> 30000042; back 3000000010.2 -> 3000000010. */
	CHECK_EQ_U64(tsc_hz_from_reference(30000042, 143182, 14318180),
		     3000000010u, "3 GHz vs 14.318 MHz HPET");
	CHECK_EQ_U64(tsc_hz_from_reference(3000000000u, 1193182, 1193182),
		     3000000000u, "one second of PIT ticks");
	/* 3e9 s of a 3 GHz TSC: delta 9e18 (< 2^63), ref 14318180 * 3e9
	 * ticks; delta * ref_hz = 1.29e26 needs 87 bits. */
	CHECK_EQ_U64(tsc_hz_from_reference(9000000000000000000u,
					   42954540000000000u, 14318180),
		     3000000000u, "delta near 2^63 vs HPET");
	/* (2^63 - 1) * 1000 / 2^62 = 1999.99...: rounds to 2000. */
	CHECK_EQ_U64(tsc_hz_from_reference(P63 - 1, P62, 1000), 2000,
		     "delta 2^63 - 1, rounded");
	CHECK_EQ_U64(tsc_hz_from_reference(5, 2, 1), 3, "2.5 rounds up");
	CHECK_EQ_U64(tsc_hz_from_reference(UINT64_MAX, 1, 2), UINT64_MAX,
		     "saturates");
	CHECK_EQ_U64(tsc_hz_from_reference(30000453, 0, 1193182), 0,
		     "no reference ticks");
	CHECK_EQ_U64(tsc_hz_from_reference(30000453, 11932, 0), 0,
		     "reference Hz 0");
}

static void test_hpet_period(void)
{
	check_set_prefix("hpet_period");
	/* 1e15 / 69841279 = 14318179.94 -> 14318180 (ICH-style HPET). */
	CHECK_EQ_U64(hpet_hz_from_period_fs(69841279), 14318180,
		     "69841279 fs = 14.31818 MHz");
	/* QEMU's HPET: 10 ns period. */
	CHECK_EQ_U64(hpet_hz_from_period_fs(10000000), 100000000, "10 ns = 100 MHz");
	/* 1e15 / 41666667 = 23999999.8 -> 24 MHz (PCH HPET). */
	CHECK_EQ_U64(hpet_hz_from_period_fs(41666667), 24000000,
		     "41666667 fs = 24 MHz");
	CHECK_EQ_U64(hpet_hz_from_period_fs(HPET_MAX_PERIOD_FS), 10000000,
		     "100 ns, the spec limit");
	CHECK_EQ_U64(hpet_hz_from_period_fs(HPET_MAX_PERIOD_FS + 1), 0,
		     "beyond 100 ns rejected");
	CHECK_EQ_U64(hpet_hz_from_period_fs(0), 0, "period 0 rejected");
	CHECK_EQ_U64(hpet_hz_from_period_fs(UINT32_MAX), 0, "all ones rejected");

	check_set_prefix("ticks_in_us");
	/* 1193182 * 10000 / 1e6 = 11931.82 -> 11932. */
	CHECK_EQ_U64(ticks_in_us(1193182, 10000), 11932, "PIT, 10 ms");
	/* 14318180 * 10000 / 1e6 = 143181.8 -> 143182. */
	CHECK_EQ_U64(ticks_in_us(14318180, 10000), 143182, "HPET, 10 ms");
	CHECK_EQ_U64(ticks_in_us(24000000, 1), 24, "24 MHz, 1 us");
	/* 20 GHz * 2^40 us: the product is ~2^74. */
	CHECK_EQ_U64(ticks_in_us(20000000000u, U64(1) << 40),
		     20000u * (U64(1) << 40), "no 64-bit overflow");
}

static void test_median_spread(void)
{
	uint64_t odd[] = { 5, 1, 3 };
	uint64_t even[] = { 4, 1, 3, 2 };
	uint64_t one[] = { 42 };
	uint64_t top[] = { UINT64_MAX, UINT64_MAX - 2 };
	uint64_t dup[] = { 7, 7, 1, 7, 9 };
	uint64_t five[] = { 3000010000u, 2999990000u, 3000000000u,
			    3000004000u, 2999999000u };

	check_set_prefix("median");
	CHECK_EQ_U64(median_u64(odd, 3), 3, "odd count");
	CHECK(odd[0] == 1 && odd[1] == 3 && odd[2] == 5, "odd array sorted");
	/* Middle pair 2 and 3: floor(2.5) = 2. */
	CHECK_EQ_U64(median_u64(even, 4), 2, "even count, floor of mean");
	CHECK(even[0] == 1 && even[1] == 2 && even[2] == 3 && even[3] == 4,
	      "even array sorted");
	CHECK_EQ_U64(median_u64(one, 1), 42, "single value");
	CHECK_EQ_U64(median_u64(NULL, 0), 0, "empty");
	/* (a + b) / 2 would wrap; lo + (hi - lo) / 2 does not. */
	CHECK_EQ_U64(median_u64(top, 2), UINT64_MAX - 1, "mean near 2^64");
	CHECK_EQ_U64(median_u64(dup, 5), 7, "duplicates");
	CHECK_EQ_U64(median_u64(five, 5), 3000000000u, "five windows");

	check_set_prefix("spread");
	/* five sorted: 2999990000 .. 3000010000, median 3e9:
	 * 20000 * 1e6 / 3e9 = 6.67 -> 6 ppm. */
	CHECK_EQ_U64(spread_ppm(five, 5), 6, "five windows, 6 ppm");
	{
		uint64_t s[] = { 99, 100, 101 };	/* 2 / 100 = 20000 ppm */
		uint64_t e[] = { 90, 100, 110, 120 };	/* 30 / 105 = 285714 ppm */
		uint64_t big[] = { P62, P63, P63 + P62 };	/* 2^63 / 2^63 */
		uint64_t z[] = { 0, 0, 5 };

		CHECK_EQ_U64(spread_ppm(s, 3), 20000, "odd, 2 %");
		CHECK_EQ_U64(spread_ppm(e, 4), 285714, "even, median 105");
		/* (max - min) * 1e6 = 2^63 * 1e6 needs 83 bits. */
		CHECK_EQ_U64(spread_ppm(big, 3), 1000000, "huge values, 100 %");
		CHECK_EQ_U64(spread_ppm(z, 3), 0, "median 0");
		CHECK_EQ_U64(spread_ppm(one, 1), 0, "single value");
		CHECK_EQ_U64(spread_ppm(NULL, 0), 0, "empty");
	}
}

static void test_conversions(void)
{
	static const uint64_t hzs[] = {
		1000000000u, 2592000000u, 2995200000u, 3000000043u,
		3999999999u, 5000000000u,
	};
	static const uint64_t vals[] = {
		0, 1, 999, 1000000, 123456789012u, 1000000000000000000u,
		P63 / 4, P63 - 1,
	};
	int ns_ok = 1, cyc_ok = 1;

	check_set_prefix("convert");
	CHECK_EQ_U64(cycles_to_ns(3000000000u, 3000000000u), 1000000000u,
		     "1 s of 3 GHz");
	/* 2^63 * 1e9 / 3e9 = 2^63 / 3 = 3074457345618258602.67 -> floor. */
	CHECK_EQ_U64(cycles_to_ns(P63, 3000000000u), 3074457345618258602u,
		     "2^63 cycles at 3 GHz");
	CHECK_EQ_U64(ns_to_cycles(3074457345618258602u, 3000000000u),
		     P63 - 2, "and back (3 * that = 2^63 - 2)");
	CHECK_EQ_U64(cycles_to_ns(1, 3000000000u), 0, "one cycle floors to 0 ns");
	CHECK_EQ_U64(ns_to_cycles(1000000000u, 2592000000u), 2592000000u,
		     "1 s at 2.592 GHz");
	/* 2^40 ns at 14.318 MHz: 2^40 * 14318180 / 1e9 = 15743005398.6. */
	CHECK_EQ_U64(ns_to_cycles(U64(1) << 40, 14318180), 15743005398u,
		     "HPET ticks in 2^40 ns");
	CHECK_EQ_U64(ns_to_cycles(P63, 3000000000u), UINT64_MAX,
		     "3 * 2^63 cycles saturates");
	CHECK_EQ_U64(cycles_to_ns(UINT64_MAX, 1000000), UINT64_MAX,
		     "slow clock saturates");
	CHECK_EQ_U64(cycles_to_ns(123, 0), 0, "hz 0");
	CHECK_EQ_U64(ns_to_cycles(123, 0), 0, "hz 0 (inverse)");

	/* Round trips at hz >= 1 GHz: ns -> cycles -> ns loses < 1 ns;
	 * cycles -> ns -> cycles loses at most hz / 1e9 + 1 cycles. */
	for (unsigned h = 0; h < sizeof(hzs) / sizeof(hzs[0]); h++) {
		for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			uint64_t hz = hzs[h], v = vals[i];
			uint64_t c = ns_to_cycles(v, hz);
			uint64_t back;

			if (c != UINT64_MAX) {
				back = cycles_to_ns(c, hz);
				if (back > v || v - back > 1) {
					ns_ok = 0;
					printf("      ns %llu hz %llu -> %llu\n",
					       (unsigned long long)v,
					       (unsigned long long)hz,
					       (unsigned long long)back);
				}
			}
			back = ns_to_cycles(cycles_to_ns(v, hz), hz);
			if (back > v || v - back > hz / 1000000000u + 1) {
				cyc_ok = 0;
				printf("      cycles %llu hz %llu -> %llu\n",
				       (unsigned long long)v,
				       (unsigned long long)hz,
				       (unsigned long long)back);
			}
		}
	}
	CHECK(ns_ok, "ns -> cycles -> ns within 1 ns");
	CHECK(cyc_ok, "cycles -> ns -> cycles within hz/1e9 + 1");
}

static void test_pmtimer(void)
{
	check_set_prefix("pmtimer");
	CHECK_EQ_U64(counter_delta(100, 35895, 24), 35795, "no wrap");
	/* 24 bits: 0xfffff0 -> 0x000010 is 0x20 ticks across the wrap. */
	CHECK_EQ_U64(counter_delta(0xfffff0, 0x10, 24), 0x20, "24-bit wrap");
	/* The same reads as a 32-bit timer would be a huge delta: the width
	 * matters (a 24-bit timer taken as 32-bit breaks here). */
	CHECK_EQ_U64(counter_delta(0xfffff0, 0x10, 32), 0xff000020u,
		     "32-bit reading of the same values");
	CHECK_EQ_U64(counter_delta(0xfffffff0u, 0x10, 32), 0x20, "32-bit wrap");
	/* A 24-bit timer read through a 32-bit port: bits 31:24 undefined. */
	CHECK_EQ_U64(counter_delta(0xab000010u, 0xcd000030u, 24), 0x20,
		     "bits above the width ignored");
	CHECK_EQ_U64(counter_delta(5, 5, 24), 0, "no movement");
	CHECK_EQ_U64(counter_delta(0, UINT64_MAX, 64), UINT64_MAX, "64 bits");
	CHECK_EQ_U64(counter_delta(1, 2, 0), 0, "width 0");
	CHECK_EQ_U64(counter_delta(1, 2, 65), 0, "width 65");
	/* A 10 ms window is 35795.45 ticks -> 35795. A 2 GHz TSC advances
	 * 2e9 * 35795 / 3579545 = 19999748.57 cycles over it; a measured
	 * 19999749 gives round(19999749 * 3579545 / 35795) = 2000000043 Hz
	 * (19999749 * 3579545 = 7.2e13 needs more than 32 bits). */
	CHECK_EQ_U64(ticks_in_us(PMTMR_HZ, 10000), 35795, "10 ms in PM timer ticks");
	CHECK_EQ_U64(tsc_hz_from_reference(19999749, 35795, PMTMR_HZ), 2000000043u,
		     "2 GHz TSC from a 35795-tick window");
	/* A window across the 24-bit wrap gives the same rate as one that
	 * does not. */
	CHECK_EQ_U64(tsc_hz_from_reference(19999749,
					   counter_delta(0xffa000, 0xffa000 + 35795, 24),
					   PMTMR_HZ), 2000000043u, "window across the wrap");
	/* Its period: 24 bits at 3.579545 MHz wrap every 4.687 s. */
	CHECK_EQ_U64(mul_div_u64(1u << 24, 1000, PMTMR_HZ), 4686, "24-bit wrap period, ms");
}

int main(void)
{
	test_pmtimer();
	test_mul_div();
	test_cpuid15();
	test_reference();
	test_hpet_period();
	test_median_spread();
	test_conversions();
	return check_summary();
}
