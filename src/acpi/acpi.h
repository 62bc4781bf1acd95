/*
 * acpi.h - a pure ACPI table parser: RSDP, RSDT/XSDT, MADT, HPET, MCFG, FADT.
 *
 * No allocation, no output: everything lands in struct acpi_info, and
 * problems are counted in n_warnings with the first one's text kept.
 * All memory is reached through struct acpi_mem, so the same code runs in
 * the kernel (identity map) and in host tests (fixture blobs).
 */
#ifndef IRQLAB_ACPI_H
#define IRQLAB_ACPI_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Physical memory access: returns a pointer through which `len` bytes at
 * physical address `phys` can be read, or NULL if that range cannot be read.
 */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t phys, size_t len);
	void *ctx;
};

#define ACPI_MAX_CPUS		256
#define ACPI_MAX_IOAPICS	16
#define ACPI_MAX_ISOS		32
#define ACPI_MAX_LNMIS		32
#define ACPI_MAX_NMI_SOURCES	8
#define ACPI_MAX_MCFG		8
#define ACPI_MAX_TABLES		48

/* MPS INTI flags (ISO, NMI source, LAPIC NMI entries). */
#define ACPI_INTI_POLARITY(f)	((f) & 3)	/* 0 bus default, 1 high, 3 low */
#define ACPI_INTI_TRIGGER(f)	(((f) >> 2) & 3) /* 0 bus default, 1 edge, 3 level */

/* MADT flags */
#define ACPI_MADT_PCAT_COMPAT	(1u << 0)	/* dual 8259s present */

/* FADT IAPC_BOOT_ARCH */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042		(1u << 1)
#define ACPI_IAPC_NO_VGA	(1u << 2)
#define ACPI_IAPC_NO_MSI	(1u << 3)
#define ACPI_IAPC_NO_CMOS_RTC	(1u << 5)

/* Generic Address Structure address spaces (ACPI 6.x, 5.2.3.2). */
#define ACPI_GAS_MEMORY		0
#define ACPI_GAS_IO		1
#define ACPI_GAS_PCI_CONFIG	2
/* A PCI config space address in a GAS names segment 0, bus 0 only:
 * bits 63:48 reserved (0), device 47:32, function 31:16, register
 * offset 15:0 (same section). */
#define ACPI_GAS_PCI_DEV(a)	((uint16_t)((a) >> 32))
#define ACPI_GAS_PCI_FN(a)	((uint16_t)((a) >> 16))
#define ACPI_GAS_PCI_REG(a)	((uint16_t)(a))
#define ACPI_GAS_PCI_RSVD(a)	((uint16_t)((a) >> 48))

/* FADT flags */
#define ACPI_FADT_TMR_VAL_EXT	(1u << 8)	/* PM timer is 32 bits, else 24 */
#define ACPI_FADT_RESET_REG_SUP	(1u << 10)	/* RESET_REG/RESET_VALUE usable */
#define ACPI_FADT_HW_REDUCED	(1u << 20)	/* no PM timer, no fixed hardware */

struct acpi_table_ref {
	char sig[5];
	uint64_t phys;
	uint32_t length;
	uint8_t revision;
	bool checksum_ok;	/* false also when the body could not be mapped */
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool enabled;
	bool online_capable;
	bool x2apic_entry;
};

struct acpi_ioapic { uint8_t id; uint32_t addr; uint32_t gsi_base; };
/* interrupt source override: ISA IRQ `source` is wired to `gsi` */
struct acpi_iso { uint8_t bus, source; uint32_t gsi; uint16_t flags; };
struct acpi_lapic_nmi {
	uint32_t acpi_uid;	/* 0xff (xAPIC entry) or 0xffffffff (x2APIC entry) = all CPUs */
	uint8_t lint;
	uint16_t flags;
};
struct acpi_nmi_source { uint32_t gsi; uint16_t flags; };
struct acpi_mcfg { uint64_t base; uint16_t segment; uint8_t bus_start, bus_end; };

struct acpi_info {
	uint8_t rsdp_revision;
	char oem_id[7];
	bool used_xsdt;

	unsigned n_tables;	/* root table first, then its entries, then DSDT */
	struct acpi_table_ref tables[ACPI_MAX_TABLES];

	bool have_madt;
	uint32_t lapic_addr;
	uint32_t madt_flags;		/* ACPI_MADT_PCAT_COMPAT */
	uint64_t lapic_addr_override;	/* MADT type 5, 0 if none */
	unsigned n_cpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned n_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned n_isos;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	unsigned n_lapic_nmis;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LNMIS];
	unsigned n_nmi_sources;
	struct acpi_nmi_source nmi_sources[ACPI_MAX_NMI_SOURCES];

	bool have_hpet;			/* first HPET table only */
	uint64_t hpet_addr;
	uint32_t hpet_block_id;
	uint8_t hpet_number;
	uint16_t hpet_min_tick;

	unsigned n_mcfg;
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];

	bool have_fadt;
	uint8_t fadt_century;		/* CMOS index of the century, 0 = none */
	uint16_t fadt_iapc_boot_arch;	/* ACPI_IAPC_* */
	uint32_t fadt_flags;		/* ACPI_FADT_* */
	uint16_t fadt_sci_int;
	uint32_t fadt_pm_tmr_port;	/* I/O port of the ACPI PM timer, 0 = none */
	uint8_t fadt_pm_tmr_bits;	/* 24 or 32 (TMR_VAL_EXT); 0 = no timer */
	uint64_t fadt_dsdt;
	uint8_t fadt_revision;
	/* Reset register: usable when the FADT is revision >= 2 and long
	 * enough, RESET_REG_SUP is set, the address space is memory, I/O
	 * or PCI config (bus 0), the register is 8 bits wide at bit offset
	 * 0 (the FADT's RESET_REG rule), the address is non-zero, an I/O
	 * address fits in 16 bits, and a PCI config address has its
	 * reserved bits clear, device <= 31, function <= 7 and a register
	 * offset <= 0xff (all port 0xcf8 reaches). Otherwise
	 * fadt_reset_ok is false and fadt_reset_why says which failed. */
	bool fadt_reset_ok;
	uint8_t fadt_reset_space;	/* ACPI_GAS_* */
	uint64_t fadt_reset_addr;	/* PCI config: dev<<32 | fn<<16 | reg */
	uint8_t fadt_reset_value;
	const char *fadt_reset_why;	/* static text, "" when ok */

	unsigned n_warnings;	/* recoverable problems */
	char warning[160];	/* text of the first warning */
};

/*
 * Find the RSDP the BIOS way: first KiB of the EBDA, then 0xE0000-0xFFFFF.
 * Returns its physical address or 0.
 */
uint64_t acpi_find_rsdp_bios(const struct acpi_mem *mem);

/*
 * Validate an RSDP copy (multiboot2 ACPI tags carry a copy, not an address).
 * A revision >= 2 copy shorter than 36 bytes (multiboot2's "old" tag copies
 * only the 20-byte ACPI 1.0 part) is accepted on the 1.0 checksum alone;
 * acpi_parse then uses the RSDT.  On false, writes why to err.
 */
bool acpi_rsdp_valid(const void *rsdp, size_t len, char *err, size_t errlen);

/*
 * Parse everything reachable from the RSDP copy.  0 on success, -1 if no
 * valid RSDT/XSDT was found (reason in err).  Missing tables are not errors:
 * see the have_* flags and n_* counts.
 */
int acpi_parse(const struct acpi_mem *mem, const void *rsdp, size_t rsdp_len,
	       struct acpi_info *out, char *err, size_t errlen);

/* The first table ref with this signature, or NULL. */
const struct acpi_table_ref *acpi_find_table(const struct acpi_info *info,
					     const char sig[4]);

#endif
