/*
 * hpet.c - HPET basic access; see hpet.h. Register layout: IA-PC HPET
 * specification 1.0a, section 2.3.
 */
#include <stddef.h>
#include <stdio.h>

#include "arch/hpet.h"
#include "arch/cpu.h"
#include "arch/paging.h"
#include "arch/tsc.h"
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

/* ---- comparators ---- */

/* The Tn_CONF bits hpet_comparator_start_periodic() sets from scratch. */
#define TN_CONF_PROGRAMMED						\
	(HPET_TN_INT_TYPE_LEVEL | HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC |	\
	 HPET_TN_VAL_SET | HPET_TN_32MODE | HPET_TN_FSB_EN |			\
	 (HPET_TN_INT_ROUTE_MASK << HPET_TN_INT_ROUTE_SHIFT))
#define HPET_MAX_PERIOD_TICKS	0x7fffffffull

/* a strictly before b on the main counter, which may wrap at 32 bits. */
static bool counter_before(uint64_t a, uint64_t b)
{
	uint64_t d = (b - a) & hpet_counter_mask();

	return d != 0 && d <= hpet_counter_mask() >> 1;
}

uint32_t hpet_comparator_read32(unsigned n)
{
	if (n >= hpet_num_comparators())
		return 0;
	return hpet_read32(HPET_TN_CMP(n));
}

void hpet_comparator_set_fsb(unsigned n, uint32_t msi_addr, uint32_t msi_data)
{
	if (n >= hpet_num_comparators())
		return;
	hpet_write32(HPET_TN_FSB_ROUTE(n), msi_data);
	hpet_write32(HPET_TN_FSB_ROUTE(n) + 4, msi_addr);
}

void hpet_comparator_disable(unsigned n)
{
	uint32_t conf;

	if (n >= hpet_num_comparators())
		return;
	/* Interrupts and periodic mode off in one write: a comparator keeps
	 * matching with its interrupt disabled (the spec: it "will still
	 * operate"), and in periodic mode it would go on adding the period
	 * for matches that signal nothing, so its frozen value would no
	 * longer say which matches were signalled (src_hpet.c reads it).
	 * FSB delivery off only in a second write: in the same write it
	 * would briefly route the comparator to its I/O APIC input. */
	conf = hpet_read32(HPET_TN_CONF(n)) &
	       ~(uint32_t)(HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC);
	hpet_write32(HPET_TN_CONF(n), conf);
	conf &= ~(uint32_t)(HPET_TN_VAL_SET | HPET_TN_FSB_EN | HPET_TN_32MODE);
	hpet_write32(HPET_TN_CONF(n), conf);
}

void hpet_stop_interrupts_final(void)
{
	unsigned n = hpet_num_comparators();

	for (unsigned i = 0; i < n; i++)
		hpet_write32(HPET_TN_CONF(i), hpet_read32(HPET_TN_CONF(i)) &
			     ~(uint32_t)HPET_TN_INT_ENB);
}

static int check_periodic(const struct hpet_periodic *p, uint64_t caps,
			  char *err, size_t errlen)
{
	uint32_t route_cap = (uint32_t)(caps >> HPET_TN_ROUTE_CAP_SHIFT);

	if (!hpet_base) {
		snprintf(err, errlen, "no HPET");
		return -1;
	}
	if (p->n >= hpet_num_comparators()) {
		snprintf(err, errlen, "HPET comparator %u does not exist (%u comparators)",
			 p->n, hpet_num_comparators());
		return -1;
	}
	if (!(caps & HPET_TN_PER_INT_CAP)) {
		snprintf(err, errlen, "HPET comparator %u cannot run periodic "
			 "(Tn_PER_INT_CAP clear)", p->n);
		return -1;
	}
	if (p->fsb && !(caps & HPET_TN_FSB_DEL_CAP)) {
		snprintf(err, errlen, "HPET comparator %u cannot deliver by FSB/MSI "
			 "(Tn_FSB_INT_DEL_CAP clear)", p->n);
		return -1;
	}
	if (!p->fsb && (p->ioapic_input > 31 || !(route_cap >> p->ioapic_input & 1))) {
		snprintf(err, errlen, "HPET comparator %u cannot route to I/O APIC "
			 "input %u (route capability 0x%08x)", p->n, p->ioapic_input,
			 route_cap);
		return -1;
	}
	if (p->period_ticks == 0 || p->period_ticks > HPET_MAX_PERIOD_TICKS) {
		snprintf(err, errlen, "HPET period %llu ticks is outside 1..%llu",
			 (unsigned long long)p->period_ticks, HPET_MAX_PERIOD_TICKS);
		return -1;
	}
	if (!hpet_is_enabled()) {
		snprintf(err, errlen, "HPET main counter is halted");
		return -1;
	}
	return 0;
}

int hpet_comparator_start_periodic(const struct hpet_periodic *p,
				   uint64_t *first_match, char *err, size_t errlen)
{
	uint64_t caps = hpet_comparator_conf(p->n), margin, first, now;
	uint32_t conf;

	if (check_periodic(p, caps, err, errlen) < 0)
		return -1;
	hpet_comparator_disable(p->n);

	conf = (uint32_t)caps & ~(uint32_t)TN_CONF_PROGRAMMED;
	if (caps & HPET_TN_SIZE_CAP)
		conf |= HPET_TN_32MODE;
	if (p->fsb) {
		hpet_comparator_set_fsb(p->n, p->msi_addr, p->msi_data);
		conf |= HPET_TN_FSB_EN;
	} else {
		conf |= p->ioapic_input << HPET_TN_INT_ROUTE_SHIFT;
		if (p->level)
			conf |= HPET_TN_INT_TYPE_LEVEL;
	}
	hpet_write32(HPET_TN_CONF(p->n), conf);		/* routed, still off */

	margin = mul_div_u64(hpet_freq_hz(), HPET_PROGRAM_MARGIN_US, US_PER_SEC);
	if (margin < p->period_ticks)
		margin = p->period_ticks;
	now = hpet_read_counter();
	first = (now + margin) & hpet_counter_mask();
	/* Spec 2.3.9.2.2: with Tn_VAL_SET_CNF the next comparator write sets
	 * the accumulator (first match); the bit clears itself and the write
	 * after it sets the period. Linux waits a moment between the two for
	 * AMD chipsets (hpet_clkevt_set_state_periodic). */
	hpet_write32(HPET_TN_CONF(p->n), conf | HPET_TN_TYPE_PERIODIC | HPET_TN_VAL_SET);
	hpet_write32(HPET_TN_CMP(p->n), (uint32_t)first);
	udelay(1);
	hpet_write32(HPET_TN_CMP(p->n), (uint32_t)p->period_ticks);
	/* Before interrupts are on: an NMI handler may need it at once. */
	*first_match = first;
	barrier();
	hpet_write32(HPET_TN_CONF(p->n), conf | HPET_TN_TYPE_PERIODIC | HPET_TN_INT_ENB);

	/* A 32-bit comparator whose match passed before it was enabled
	 * would wait for the counter to wrap (minutes). */
	if (!counter_before(hpet_read_counter(), first)) {
		hpet_comparator_disable(p->n);
		snprintf(err, errlen, "programming HPET comparator %u took longer "
			 "than its %llu-tick lead; the first match had passed",
			 p->n, (unsigned long long)margin);
		return HPET_START_LATE;
	}
	return 0;
}

/* ---- legacy replacement route ---- */

bool hpet_legacy_route_enabled(void)
{
	return hpet_read32(HPET_GEN_CONF) & HPET_CONF_LEG_RT;
}

int hpet_set_legacy_route(bool on, char *err, size_t errlen)
{
	uint32_t conf;

	if (!hpet_base) {
		snprintf(err, errlen, "no HPET");
		return -1;
	}
	if (on && !hpet_legacy_route_capable()) {
		snprintf(err, errlen, "HPET has no legacy replacement route "
			 "(GCAP_ID.LEG_RT_CAP clear)");
		return -1;
	}
	conf = hpet_read32(HPET_GEN_CONF);
	conf = on ? conf | HPET_CONF_LEG_RT : conf & ~(uint32_t)HPET_CONF_LEG_RT;
	hpet_write32(HPET_GEN_CONF, conf);
	return 0;
}
