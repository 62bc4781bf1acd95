/*
 * hpet.h - High Precision Event Timer, basic access (IA-PC HPET
 * specification 1.0a). One HPET block, found through the ACPI "HPET"
 * table; comparator and FSB (MSI) programming build on the register
 * accessors below.
 *
 * The block is 1 KiB of MMIO used at its identity-mapped address;
 * hpet_init() makes that page uncached with map_mmio(), so paging_init()
 * must have run first.
 */
#ifndef IRQLAB_ARCH_HPET_H
#define IRQLAB_ARCH_HPET_H

#include <stdbool.h>
#include <stdint.h>

/* General registers (offsets from the base). */
#define HPET_GCAP_ID		0x000	/* general capabilities and ID, RO */
#define HPET_GEN_CONF		0x010	/* general configuration */
#define HPET_GINTR_STA		0x020	/* general interrupt status, RW1C */
#define HPET_MAIN_CNT		0x0f0	/* main counter */
/* Per comparator n (0..31): 0x20 bytes each from 0x100. */
#define HPET_TN_CONF(n)		(0x100 + 0x20 * (n))	/* config and caps */
#define HPET_TN_CMP(n)		(0x108 + 0x20 * (n))	/* comparator value */
#define HPET_TN_FSB_ROUTE(n)	(0x110 + 0x20 * (n))	/* FSB address/data */

/* GCAP_ID fields */
#define HPET_GCAP_REV_ID_MASK		0xffull		/* 7:0, never 0 */
#define HPET_GCAP_NUM_TIM_SHIFT		8		/* 12:8, count - 1 */
#define HPET_GCAP_NUM_TIM_MASK		0x1full
#define HPET_GCAP_COUNT_SIZE_CAP	(1ull << 13)	/* 64-bit counter */
#define HPET_GCAP_LEG_RT_CAP		(1ull << 15)	/* legacy routing */
#define HPET_GCAP_VENDOR_SHIFT		16		/* 31:16 PCI vendor */
#define HPET_GCAP_PERIOD_SHIFT		32		/* 63:32 period, fs */

/* GEN_CONF bits */
#define HPET_CONF_ENABLE	(1ull << 0)	/* main counter runs */
#define HPET_CONF_LEG_RT	(1ull << 1)	/* T0 -> IRQ0, T1 -> IRQ8 */

/* Tn_CONF bits */
#define HPET_TN_INT_TYPE_LEVEL	(1ull << 1)
#define HPET_TN_INT_ENB		(1ull << 2)
#define HPET_TN_TYPE_PERIODIC	(1ull << 3)
#define HPET_TN_PER_INT_CAP	(1ull << 4)	/* RO: periodic capable */
#define HPET_TN_SIZE_CAP	(1ull << 5)	/* RO: 64-bit comparator */
#define HPET_TN_VAL_SET		(1ull << 6)
#define HPET_TN_32MODE		(1ull << 8)
#define HPET_TN_INT_ROUTE_SHIFT	9		/* 13:9 I/O APIC input */
#define HPET_TN_INT_ROUTE_MASK	0x1full
#define HPET_TN_FSB_EN		(1ull << 14)
#define HPET_TN_FSB_DEL_CAP	(1ull << 15)	/* RO: FSB (MSI) capable */
#define HPET_TN_ROUTE_CAP_SHIFT	32		/* 63:32 RO: allowed inputs */

/*
 * Map (uncached) and validate the block at phys (from ACPI; 0 = none).
 * Reads GCAP_ID only: no HPET register changes. False (and hpet_present()
 * false) if phys is 0 or misaligned, map_mmio() fails, or the registers
 * do not look like an HPET (all-ones bus float, revision 0, period 0 or
 * > 100 ns).
 */
bool hpet_init(uint64_t phys);
bool hpet_present(void);
uint64_t hpet_phys_base(void);

/* Capabilities, from the GCAP_ID read at hpet_init (0/false if absent). */
uint64_t hpet_caps(void);
uint32_t hpet_period_fs(void);
uint64_t hpet_freq_hz(void);		/* round(1e15 / period_fs) */
unsigned hpet_num_comparators(void);	/* NUM_TIM_CAP + 1 */
bool hpet_counter_64bit(void);
uint64_t hpet_counter_mask(void);	/* 2^32 - 1 or 2^64 - 1 */
bool hpet_legacy_route_capable(void);
uint16_t hpet_vendor_id(void);
uint8_t hpet_rev_id(void);

/* Per-comparator capabilities (0/false if n is out of range). */
uint64_t hpet_comparator_conf(unsigned n);	/* raw Tn_CONF */
bool hpet_comparator_fsb_capable(unsigned n);
bool hpet_comparator_periodic_capable(unsigned n);
bool hpet_comparator_64bit(unsigned n);
uint32_t hpet_comparator_route_cap(unsigned n);	/* bit i: I/O APIC input i */

/* Main counter. enable/disable only touch GEN_CONF.ENABLE_CNF; the
 * counter keeps its value while halted. */
bool hpet_is_enabled(void);
void hpet_enable(void);
void hpet_disable(void);
uint64_t hpet_read_counter(void);

/*
 * Raw register access (no-ops / 0 if absent). All accesses are 32-bit,
 * which every implementation accepts; a 64-bit register is read low then
 * high and written low then high, so these are not atomic (use
 * hpet_read_counter for the running counter).
 */
uint32_t hpet_read32(uint32_t off);
void hpet_write32(uint32_t off, uint32_t val);
uint64_t hpet_read64(uint32_t off);
void hpet_write64(uint32_t off, uint64_t val);

#endif
