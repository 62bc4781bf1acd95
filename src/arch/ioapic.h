/*
 * ioapic.h - I/O APICs (Intel 82093AA datasheet; the same register set in
 * every chipset since): an index register (IOREGSEL, +0x00) and a data
 * window (IOWIN, +0x10) in 4 KiB of MMIO, one 64-bit redirection entry
 * per input pin. Inputs are named by global system interrupt (GSI): an
 * I/O APIC serves gsi_base .. gsi_base + entries - 1 (ACPI MADT).
 *
 * The index/data pair is not atomic: these functions are for normal
 * context only, never from an interrupt or NMI handler that could
 * interrupt another access.
 */
#ifndef IRQLAB_ARCH_IOAPIC_H
#define IRQLAB_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOAPIC_MAX		16
#define IOAPIC_MMIO_SIZE	0x20u

/* Registers behind IOREGSEL. */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01	/* 7:0 version, 23:16 max redirection entry */
#define IOAPIC_REG_REDTBL(pin)	(0x10 + 2 * (pin))	/* low; high is +1 */

/* Redirection entry fields. */
#define IOAPIC_VECTOR_MASK	0xffull
#define IOAPIC_DM_SHIFT		8
#define IOAPIC_DM_FIXED		0u
#define IOAPIC_DM_LOWEST	1u
#define IOAPIC_DM_SMI		2u
#define IOAPIC_DM_NMI		4u
#define IOAPIC_DM_INIT		5u
#define IOAPIC_DM_EXTINT	7u
#define IOAPIC_DEST_LOGICAL	(1ull << 11)
#define IOAPIC_DELIVS		(1ull << 12)	/* RO: send pending */
#define IOAPIC_ACTIVE_LOW	(1ull << 13)
#define IOAPIC_REMOTE_IRR	(1ull << 14)	/* RO: level interrupt accepted */
#define IOAPIC_LEVEL		(1ull << 15)
#define IOAPIC_MASKED		(1ull << 16)
#define IOAPIC_DEST_SHIFT	56

struct ioapic_route {
	uint8_t vector;		/* fixed/lowest: 0x10..0xfe; others: 0 */
	uint8_t delivery;	/* IOAPIC_DM_* */
	bool level;		/* trigger: level, else edge */
	bool active_low;	/* input polarity */
	bool logical;		/* destination mode */
	bool masked;
	uint8_t dest;		/* APIC ID (physical) or logical set */
};

static inline uint64_t ioapic_route_encode(const struct ioapic_route *r)
{
	return (uint64_t)r->vector | (uint64_t)(r->delivery & 7) << IOAPIC_DM_SHIFT |
	       (r->logical ? IOAPIC_DEST_LOGICAL : 0) |
	       (r->active_low ? IOAPIC_ACTIVE_LOW : 0) |
	       (r->level ? IOAPIC_LEVEL : 0) | (r->masked ? IOAPIC_MASKED : 0) |
	       (uint64_t)r->dest << IOAPIC_DEST_SHIFT;
}

static inline struct ioapic_route ioapic_route_decode(uint64_t e)
{
	return (struct ioapic_route){
		.vector = (uint8_t)(e & IOAPIC_VECTOR_MASK),
		.delivery = (uint8_t)((e >> IOAPIC_DM_SHIFT) & 7),
		.level = e & IOAPIC_LEVEL,
		.active_low = e & IOAPIC_ACTIVE_LOW,
		.logical = e & IOAPIC_DEST_LOGICAL,
		.masked = e & IOAPIC_MASKED,
		.dest = (uint8_t)(e >> IOAPIC_DEST_SHIFT),
	};
}

/*
 * Check a route before it is written: -1 with a message for a reserved
 * delivery mode, a fixed/lowest-priority vector below 0x10, or NMI, SMI,
 * INIT or ExtINT programmed level-triggered. Those four are edge-triggered
 * by definition (SDM vol. 3, 11.11.2: "NMI is an edge triggered interrupt
 * regardless of the Trigger Mode Setting"; the I/O APIC datasheets: "NMI
 * must be programmed as edge-triggered for proper operation"); a level
 * NMI entry would set Remote IRR, which no EOI ever clears for an NMI.
 */
int ioapic_route_check(const struct ioapic_route *r, char *err, size_t errlen);

/*
 * Map one I/O APIC (MMIO at phys, uncached) and read its version and
 * number of entries. Adding the same phys twice is a no-op. -1 with a
 * message if the table is full, map_mmio fails, or the registers read as
 * all ones (nothing there).
 */
int ioapic_add(uint8_t id, uint64_t phys, uint32_t gsi_base, char *err, size_t errlen);
unsigned ioapic_count(void);
uint8_t ioapic_version(unsigned idx);
unsigned ioapic_entries(unsigned idx);		/* max redirection entry + 1 */
uint32_t ioapic_gsi_base(unsigned idx);
/* Which I/O APIC and pin serve gsi; false if none. */
bool ioapic_find_gsi(uint32_t gsi, unsigned *idx, unsigned *pin);

uint32_t ioapic_read_reg(unsigned idx, uint32_t reg);
void ioapic_write_reg(unsigned idx, uint32_t reg, uint32_t val);

/* Raw entries by GSI; -1 if no I/O APIC serves it. */
int ioapic_get_entry(uint32_t gsi, uint64_t *entry);
/* Written masked first, then the high half, then the low half with the
 * final mask bit, so the input is never live with a half-written entry. */
int ioapic_set_entry(uint32_t gsi, uint64_t entry);
/* ioapic_route_check, then ioapic_set_entry. */
int ioapic_set_route(uint32_t gsi, const struct ioapic_route *r, char *err, size_t errlen);
/* Set or clear only the mask bit. */
int ioapic_mask(uint32_t gsi, bool masked);

/*
 * End of a run only (the halt path, possibly from a trap or NMI): set the
 * mask bit of every redirection entry of every I/O APIC added, so no
 * input (an entry in NMI mode, the PIT on IRQ0, an HPET comparator's
 * route) delivers anything more. May clobber IOREGSEL under an access it
 * interrupted; that is acceptable only because nothing resumes after it.
 * Bounded: at most IOAPIC_MAX * 256 entries, no printing.
 */
void ioapic_mask_all_final(void);

#endif
