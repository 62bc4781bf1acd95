/*
 * tsc_calc.h - the integer arithmetic behind TSC frequency detection and
 * time conversion. No hardware access, no floating point: it is built into
 * the image (-mgeneral-regs-only) and into the host unit test
 * (tests/unit/test_tsc.c).
 *
 * Products are formed in unsigned __int128, so every function is exact for
 * 64-bit inputs; a result that does not fit in 64 bits saturates to
 * UINT64_MAX. A zero divisor gives 0.
 */
#ifndef IRQLAB_ARCH_TSC_CALC_H
#define IRQLAB_ARCH_TSC_CALC_H

#include <stdint.h>

#define NS_PER_SEC	1000000000ull
#define US_PER_SEC	1000000ull
#define FS_PER_SEC	1000000000000000ull

/* HPET spec 1.0a, GCAP_ID COUNTER_CLK_PERIOD: non-zero and at most
 * 0x05F5E100 fs (100 ns, i.e. the counter runs at 10 MHz or faster). */
#define HPET_MAX_PERIOD_FS	100000000u

/* floor(a * b / c) and round-to-nearest(a * b / c); 0 if c == 0. */
uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c);
uint64_t mul_div_round_u64(uint64_t a, uint64_t b, uint64_t c);

/*
 * CPUID leaf 0x15 (Intel SDM vol. 2, CPUID): EAX = denominator and
 * EBX = numerator of the TSC / core-crystal ratio, ECX = crystal clock in
 * Hz. TSC Hz = ECX * EBX / EAX. Any of the three being 0 means "not
 * enumerated": returns 0 (this function does not guess a crystal).
 */
uint64_t tsc_hz_from_cpuid15(uint32_t eax_denominator, uint32_t ebx_numerator,
			     uint32_t ecx_crystal_hz);

/* CPUID leaf 0x16 EAX[15:0]: processor base frequency in MHz (nominal). */
uint64_t tsc_hz_from_cpuid16(uint32_t eax_base_mhz);

/* A TSC delta measured over ref_ticks of a ref_hz reference clock:
 * round(tsc_delta * ref_hz / ref_ticks). 0 if ref_ticks or ref_hz is 0. */
uint64_t tsc_hz_from_reference(uint64_t tsc_delta, uint64_t ref_ticks,
			       uint64_t ref_hz);

/* round(1e15 / period_fs); 0 if period_fs is 0 or above HPET_MAX_PERIOD_FS. */
uint64_t hpet_hz_from_period_fs(uint32_t period_fs);

/* The ACPI PM timer counts at 3.579545 MHz (ACPI 6.x, 4.8.3.3: the
 * 14.31818 MHz colour-burst crystal / 4), 24 or 32 bits wide (FADT
 * TMR_VAL_EXT). */
#define PMTMR_HZ	3579545u

/* Ticks from reading `a` to reading `b` of a counter `bits` wide
 * (1..64) that wrapped at most once in between: (b - a) mod 2^bits.
 * Bits above `bits` in a and b (a 24-bit timer read through a 32-bit
 * port) are ignored. 0 if bits is 0 or above 64. */
uint64_t counter_delta(uint64_t a, uint64_t b, unsigned bits);

/* Ticks of an hz clock in us microseconds, rounded to nearest. */
uint64_t ticks_in_us(uint64_t hz, uint64_t us);

/* Median of v[0..n-1]; sorts v ascending in place. An even n gives the
 * floor of the mean of the two middle values. 0 if n == 0. */
uint64_t median_u64(uint64_t *v, unsigned n);

/* (max - min) / median of an ascending array, in parts per million
 * (floor). 0 if n == 0 or the median is 0. */
uint64_t spread_ppm(const uint64_t *sorted, unsigned n);

/* cycles of an hz clock to ns and back, both floor; exact (no 64-bit
 * overflow) for any 64-bit count. 0 if hz == 0. */
uint64_t cycles_to_ns(uint64_t cycles, uint64_t hz);
uint64_t ns_to_cycles(uint64_t ns, uint64_t hz);

#endif
