/*
 * sys_arch.c - what lwIP needs from irqlab with NO_SYS=1: a millisecond
 * clock for its timeouts and a random number source (LWIP_RAND).
 *
 * Both are called only from lwIP, which only runs in the main loop
 * (see SYS_LIGHTWEIGHT_PROT in lwipopts.h); irqlab_rand32() keeps
 * unlocked state and is not for interrupt or NMI context.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lwip/opt.h"
#include "lwip/sys.h"

#include "arch/cpu.h"
#include "arch/tsc.h"

/*
 * lwIP's timeouts compare u32_t differences, so truncating to 32 bits
 * (a wrap every ~49.7 days) is harmless. time_ms() is only meaningful
 * once the TSC has been calibrated, hence net_stack_init() after it.
 */
u32_t sys_now(void)
{
	return (u32_t)time_ms();
}

#define CPUID_1_ECX_RDRAND	30
/* Intel's DRNG guide: RDRAND may transiently fail (CF=0) when the
 * entropy buffer is drained; 10 retries make a failure of a working
 * DRNG vanishingly unlikely. */
#define RDRAND_RETRIES		10

static bool rdrand32(uint32_t *out)
{
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		uint32_t v;
		bool ok;

		/* CF=1: v is random. CF=0: no value was available. */
		asm volatile("rdrand %0" : "=r"(v), "=@ccc"(ok));
		if (ok) {
			*out = v;
			return true;
		}
	}
	return false;
}

/*
 * Fallback: Marsaglia's xorshift64 (13, 7, 17), seeded on first use from
 * the TSC. Only needs to make DHCP xids differ between boots, and the
 * TSC at that point depends on firmware and calibration time.
 */
static uint64_t xorshift_state;

static uint32_t xorshift32(void)
{
	uint64_t x = xorshift_state;

	if (x == 0) {
		/* Multiply to spread the TSC's changing low bits upward;
		 * the state must never be zero. */
		x = rdtsc() * 0x9e3779b97f4a7c15ull;
		if (x == 0)
			x = 0x9e3779b97f4a7c15ull;
	}
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	xorshift_state = x;
	return (uint32_t)(x >> 32);	/* high half: the better-mixed bits */
}

uint32_t irqlab_rand32(void)
{
	static enum { RDRAND_UNPROBED, RDRAND_PRESENT, RDRAND_ABSENT } rdrand;
	uint32_t v;

	if (rdrand == RDRAND_UNPROBED)
		rdrand = cpu_has_feature_1ecx(CPUID_1_ECX_RDRAND) ?
			 RDRAND_PRESENT : RDRAND_ABSENT;
	if (rdrand == RDRAND_PRESENT && rdrand32(&v))
		return v;
	return xorshift32();
}
