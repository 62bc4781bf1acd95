/*
 * tsc_calc.c - see tsc_calc.h. Pure integer arithmetic; host-testable.
 *
 * unsigned __int128 division becomes a call to libgcc's __udivti3, which
 * is integer-only and linked into the image.
 */
#include "arch/tsc_calc.h"

typedef unsigned __int128 u128;

static uint64_t sat_u64(u128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
	if (c == 0)
		return 0;
	return sat_u64((u128)a * b / c);
}

uint64_t mul_div_round_u64(uint64_t a, uint64_t b, uint64_t c)
{
	if (c == 0)
		return 0;
	/* a * b <= 2^128 - 2^65 + 1, so adding c / 2 < 2^63 cannot wrap. */
	return sat_u64(((u128)a * b + c / 2) / c);
}

uint64_t tsc_hz_from_cpuid15(uint32_t eax_denominator, uint32_t ebx_numerator,
			     uint32_t ecx_crystal_hz)
{
	if (eax_denominator == 0 || ebx_numerator == 0 || ecx_crystal_hz == 0)
		return 0;
	/* Both factors < 2^32: the product fits in 64 bits, never in 32. */
	return (uint64_t)ecx_crystal_hz * ebx_numerator / eax_denominator;
}

uint64_t tsc_hz_from_cpuid16(uint32_t eax_base_mhz)
{
	/* Bits 31:16 are reserved. */
	return (uint64_t)(eax_base_mhz & 0xffff) * 1000000u;
}

uint64_t tsc_hz_from_reference(uint64_t tsc_delta, uint64_t ref_ticks,
			       uint64_t ref_hz)
{
	if (ref_hz == 0)
		return 0;
	return mul_div_round_u64(tsc_delta, ref_hz, ref_ticks);
}

uint64_t hpet_hz_from_period_fs(uint32_t period_fs)
{
	if (period_fs == 0 || period_fs > HPET_MAX_PERIOD_FS)
		return 0;
	return (FS_PER_SEC + period_fs / 2) / period_fs;
}

uint64_t counter_delta(uint64_t a, uint64_t b, unsigned bits)
{
	uint64_t mask;

	if (bits == 0 || bits > 64)
		return 0;
	mask = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
	return (b - a) & mask;
}

uint64_t ticks_in_us(uint64_t hz, uint64_t us)
{
	return mul_div_round_u64(hz, us, US_PER_SEC);
}

uint64_t median_u64(uint64_t *v, unsigned n)
{
	if (n == 0)
		return 0;
	/* Insertion sort: n is a handful of calibration windows. */
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	if (n & 1)
		return v[n / 2];
	/* lo + (hi - lo) / 2: no overflow, lo <= hi after sorting. */
	return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

uint64_t spread_ppm(const uint64_t *sorted, unsigned n)
{
	uint64_t med;

	if (n == 0)
		return 0;
	if (n & 1)
		med = sorted[n / 2];
	else
		med = sorted[n / 2 - 1] + (sorted[n / 2] - sorted[n / 2 - 1]) / 2;
	if (med == 0)
		return 0;
	return mul_div_u64(sorted[n - 1] - sorted[0], 1000000u, med);
}

uint64_t cycles_to_ns(uint64_t cycles, uint64_t hz)
{
	return mul_div_u64(cycles, NS_PER_SEC, hz);
}

uint64_t ns_to_cycles(uint64_t ns, uint64_t hz)
{
	return mul_div_u64(ns, hz, NS_PER_SEC);
}
