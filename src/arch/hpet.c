/*
 * hpet.c - HPET basic access; see hpet.h. Register layout: IA-PC HPET
 * specification 1.0a, section 2.3.
 */
#include <stddef.h>

#include "arch/hpet.h"
#include "arch/paging.h"
#include "arch/tsc_calc.h"

#define HPET_MMIO_SIZE		0x400u	/* one 1 KiB register block */

static volatile uint32_t *hpet_base;	/* NULL: no HPET */
static uint64_t hpet_phys;
static uint64_t hpet_gcap;

uint32_t hpet_read32(uint32_t off)
{
	if (!hpet_base || off >= HPET_MMIO_SIZE)
		return 0;
	return hpet_base[off / 4];
}

void hpet_write32(uint32_t off, uint32_t val)
{
	if (!hpet_base || off >= HPET_MMIO_SIZE)
		return;
	hpet_base[off / 4] = val;
}

uint64_t hpet_read64(uint32_t off)
{
	uint64_t lo = hpet_read32(off);

	return lo | (uint64_t)hpet_read32(off + 4) << 32;
}

void hpet_write64(uint32_t off, uint64_t val)
{
	hpet_write32(off, (uint32_t)val);
	hpet_write32(off + 4, (uint32_t)(val >> 32));
}

bool hpet_init(uint64_t phys)
{
	uint64_t gcap;
	uint32_t period_fs;

	hpet_base = NULL;
	hpet_phys = 0;
	hpet_gcap = 0;
	/* Registers are 64-bit aligned; they must be mapped uncached. */
	if (phys == 0 || phys & 7 || map_mmio(phys, HPET_MMIO_SIZE) != 0)
		return false;

	hpet_base = (volatile uint32_t *)(uintptr_t)phys;
	gcap = hpet_read64(HPET_GCAP_ID);
	period_fs = (uint32_t)(gcap >> HPET_GCAP_PERIOD_SHIFT);
	/* No device: the bus floats to all ones. REV_ID must be non-zero;
	 * the period must be 1..0x05F5E100 fs. */
	if ((uint32_t)gcap == 0xffffffffu || (gcap & HPET_GCAP_REV_ID_MASK) == 0 ||
	    hpet_hz_from_period_fs(period_fs) == 0) {
		hpet_base = NULL;
		return false;
	}
	hpet_phys = phys;
	hpet_gcap = gcap;
	return true;
}

bool hpet_present(void) { return hpet_base != NULL; }
uint64_t hpet_phys_base(void) { return hpet_phys; }
uint64_t hpet_caps(void) { return hpet_gcap; }

uint32_t hpet_period_fs(void)
{
	return (uint32_t)(hpet_gcap >> HPET_GCAP_PERIOD_SHIFT);
}

uint64_t hpet_freq_hz(void)
{
	return hpet_hz_from_period_fs(hpet_period_fs());
}

unsigned hpet_num_comparators(void)
{
	if (!hpet_base)
		return 0;
	return ((hpet_gcap >> HPET_GCAP_NUM_TIM_SHIFT) & HPET_GCAP_NUM_TIM_MASK) + 1;
}

bool hpet_counter_64bit(void) { return hpet_gcap & HPET_GCAP_COUNT_SIZE_CAP; }

uint64_t hpet_counter_mask(void)
{
	return hpet_counter_64bit() ? UINT64_MAX : UINT32_MAX;
}

bool hpet_legacy_route_capable(void) { return hpet_gcap & HPET_GCAP_LEG_RT_CAP; }
uint16_t hpet_vendor_id(void) { return (uint16_t)(hpet_gcap >> HPET_GCAP_VENDOR_SHIFT); }
uint8_t hpet_rev_id(void) { return (uint8_t)(hpet_gcap & HPET_GCAP_REV_ID_MASK); }

uint64_t hpet_comparator_conf(unsigned n)
{
	if (n >= hpet_num_comparators())
		return 0;
	return hpet_read64(HPET_TN_CONF(n));
}

bool hpet_comparator_fsb_capable(unsigned n)
{
	return hpet_comparator_conf(n) & HPET_TN_FSB_DEL_CAP;
}

bool hpet_comparator_periodic_capable(unsigned n)
{
	return hpet_comparator_conf(n) & HPET_TN_PER_INT_CAP;
}

bool hpet_comparator_64bit(unsigned n)
{
	return hpet_comparator_conf(n) & HPET_TN_SIZE_CAP;
}

uint32_t hpet_comparator_route_cap(unsigned n)
{
	return (uint32_t)(hpet_comparator_conf(n) >> HPET_TN_ROUTE_CAP_SHIFT);
}

bool hpet_is_enabled(void)
{
	return hpet_read32(HPET_GEN_CONF) & HPET_CONF_ENABLE;
}

/* GEN_CONF bits 63:2 are reserved or LEG_RT_CNF: read-modify-write the
 * low half only, which holds both defined bits. */
void hpet_enable(void)
{
	hpet_write32(HPET_GEN_CONF, hpet_read32(HPET_GEN_CONF) | HPET_CONF_ENABLE);
}

void hpet_disable(void)
{
	hpet_write32(HPET_GEN_CONF, hpet_read32(HPET_GEN_CONF) & ~(uint32_t)HPET_CONF_ENABLE);
}

uint64_t hpet_read_counter(void)
{
	uint32_t hi, lo;

	if (!hpet_counter_64bit())
		return hpet_read32(HPET_MAIN_CNT);
	/* Two 32-bit reads can straddle a carry out of the low half: retry
	 * until the high half is the same on both sides of the low read. */
	do {
		hi = hpet_read32(HPET_MAIN_CNT + 4);
		lo = hpet_read32(HPET_MAIN_CNT);
	} while (hi != hpet_read32(HPET_MAIN_CNT + 4));
	return (uint64_t)hi << 32 | lo;
}
