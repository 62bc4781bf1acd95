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
#include <stddef.h>
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
 * Comparators (spec 2.3.9). A periodic comparator is programmed in
 * 32-bit mode (Tn_32MODE_CNF when the comparator is 64-bit): a 64-bit
 * periodic comparator written as two 32-bit halves is ambiguous, because
 * Tn_VAL_SET_CNF clears itself after the first write, so the second half
 * would land in the period instead of the comparator. In 32-bit mode the
 * comparator matches the low half of the main counter; periods up to
 * 2^31 - 1 ticks.
 *
 * Periodic mode: after the comparator fires, the hardware adds the period
 * to it, so reading Tn_COMPARATOR returns the next match. QEMU advances it
 * by as many periods as the main counter has already passed, and then
 * raises one interrupt (hw/timer/hpet.c, hpet_timer()), so one interrupt
 * can stand for several periods when its timer runs late.
 */
struct hpet_periodic {
	unsigned n;			/* comparator */
	uint64_t period_ticks;		/* 1 .. 2^31 - 1 */
	bool fsb;			/* FSB (MSI) delivery ... */
	uint32_t msi_addr, msi_data;	/* ... to this address/data (msi.h) */
	unsigned ioapic_input;		/* else Tn_INT_ROUTE: an allowed input */
	bool level;			/* ... level-triggered (else edge) */
};
/*
 * Program and enable comparator n in periodic mode. The main counter must
 * be running. The first match is at least one period and at least
 * HPET_PROGRAM_MARGIN_US ahead; *first_match receives it as a main-counter
 * value (64-bit counters: the full value) before the comparator's
 * interrupts are enabled, so an NMI handler can use it from the start.
 * -1 with a message if the comparator cannot (no periodic or FSB
 * capability, input not in its route capability, period out of range,
 * counter halted); HPET_START_LATE (comparator left disabled) if
 * programming took so long that the first match had already passed: a
 * preempted vCPU does that, and calling again is the remedy.
 */
#define HPET_PROGRAM_MARGIN_US	200
#define HPET_START_LATE		(-2)
int hpet_comparator_start_periodic(const struct hpet_periodic *p,
				   uint64_t *first_match, char *err, size_t errlen);
/* Interrupts and periodic mode off in one write, so the comparator stops
 * where its last signalled match left it; then FSB and 32-bit mode
 * cleared (the route is kept). */
void hpet_comparator_disable(unsigned n);
/*
 * End of a run only (the halt path, possibly from a trap or NMI): clear
 * Tn_INT_ENB on every comparator, leaving its route, FSB and mode bits as
 * they are (changing those in the same write could briefly route it
 * elsewhere). With INT_ENB clear a comparator raises nothing, whether
 * routed to an I/O APIC input, through FSB (MSI, NMI mode included) or
 * the legacy replacement route. No-op if hpet_init() did not succeed.
 */
void hpet_stop_interrupts_final(void);
/* Low 32 bits of Tn_COMPARATOR: in periodic mode, the next match. */
uint32_t hpet_comparator_read32(unsigned n);
/* Tn_FSB_INT_ROUTE: data (Tn_FSB_INT_VAL) in 31:0, address in 63:32. */
void hpet_comparator_set_fsb(unsigned n, uint32_t msi_addr, uint32_t msi_data);

/*
 * Legacy replacement route (GEN_CONF.LEG_RT_CNF, spec 2.3.7): comparator 0
 * drives I/O APIC input 2 (8259 IRQ0) and comparator 1 input 8 (IRQ8),
 * whatever their Tn_INT_ROUTE; the PIT and RTC lose those lines (QEMU
 * disconnects the PIT's output). -1 with a message if not capable.
 */
int hpet_set_legacy_route(bool on, char *err, size_t errlen);
bool hpet_legacy_route_enabled(void);

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
