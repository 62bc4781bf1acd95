/*
 * apic.h - the local APIC, xAPIC (MMIO) or x2APIC (MSRs) behind one
 * interface. Register numbers are the xAPIC MMIO offsets; x2APIC uses
 * MSR 0x800 + offset/16 (Intel SDM vol. 3, 11.12.1.2).
 */
#ifndef IRQLAB_ARCH_APIC_H
#define IRQLAB_ARCH_APIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ISR0	0x100
#define APIC_IRR0	0x200
#define APIC_ESR	0x280
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_THERM	0x330
#define APIC_LVT_PMC	0x340
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380	/* timer initial count */
#define APIC_TMCCT	0x390	/* timer current count */
#define APIC_TDCR	0x3e0	/* timer divide configuration */

/* LVT and ICR fields */
#define APIC_DM_FIXED	(0u << 8)
#define APIC_DM_NMI	(4u << 8)
#define APIC_DM_EXTINT	(7u << 8)
#define APIC_ICR_BUSY	(1u << 12)	/* xAPIC only: delivery status */
#define APIC_LEVEL_ASSERT (1u << 14)
#define APIC_LVT_LEVEL	(1u << 15)
#define APIC_LVT_MASKED	(1u << 16)
#define APIC_TIMER_ONESHOT	(0u << 17)
#define APIC_TIMER_PERIODIC	(1u << 17)
#define APIC_TIMER_TSC_DEADLINE	(2u << 17)
#define APIC_SVR_ENABLE	(1u << 8)

#define APIC_TIMER_DIV_1	0xb
#define APIC_TIMER_DIV_16	0x3

enum apic_mode { APIC_MODE_NONE, APIC_MODE_XAPIC, APIC_MODE_X2APIC };
enum apic_request { APIC_REQ_AUTO, APIC_REQ_XAPIC, APIC_REQ_X2APIC };

/* Enable the APIC in the requested mode, mask every LVT entry, set the
 * spurious vector. Returns 0 or -1 with a message. */
int apic_init(enum apic_request req, char *err, size_t errlen);
enum apic_mode apic_mode(void);
const char *apic_mode_name(enum apic_mode m);
bool apic_x2apic_supported(void);
uint64_t apic_base_phys(void);

uint32_t apic_read(unsigned reg);
void apic_write(unsigned reg, uint32_t val);
uint32_t apic_id(void);
unsigned apic_max_lvt(void);
void apic_eoi(void);

/* Send an IPI with the ICR's low word `icr_lo` to APIC ID `dest` (no
 * shorthand). Waits for xAPIC delivery. Interrupts are held off around the
 * two-register write, so a handler cannot interleave its own IPI. */
void apic_send_ipi(uint32_t dest, uint32_t icr_lo);
/* NMI to an APIC ID. The self shorthand cannot deliver NMIs (SDM 11.6.1:
 * "NMI ... delivery mode not supported with self"), so a self-NMI names
 * the own APIC ID. */
void apic_send_nmi(uint32_t dest);
void apic_self_nmi(void);

void apic_mask_all_lvt(void);
void apic_timer_calibrate(void);	/* needs the TSC calibrated */
uint64_t apic_timer_hz(void);		/* at divide-by-1; 0 if uncalibrated */
void apic_timer_periodic(uint8_t vector, uint32_t initial_count);
void apic_timer_oneshot(uint8_t vector, uint32_t initial_count);
bool apic_timer_tsc_deadline(uint8_t vector);	/* false if unsupported */
void apic_timer_set_deadline(uint64_t tsc);
void apic_timer_stop(void);

#endif
