/*
 * pci.h - PCI configuration space (ports 0xcf8/0xcfc, or ECAM from the
 * ACPI MCFG table when present), bus enumeration behind bridges, BARs.
 *
 * Normal context only: configuration cycles are two-step through ports
 * (address, then data) and BAR sizing briefly moves a BAR, so nothing here
 * may run from an interrupt or NMI handler.
 */
#ifndef IRQLAB_DRIVERS_PCI_H
#define IRQLAB_DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_MAX_DEVICES	128

#define PCI_CAP_MSI	0x05
#define PCI_CAP_VENDOR	0x09	/* virtio 1.0 uses vendor capabilities */
#define PCI_CAP_PCIE	0x10
#define PCI_CAP_MSIX	0x11

/* Configuration header offsets and bits (PCI Local Bus 3.0, 6.1-6.2). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SECONDARY_BUS	0x19	/* type 1 (bridge) header */
#define PCI_SUBORDINATE_BUS	0x1a
#define PCI_SUBSYS_VENDOR	0x2c
#define PCI_CAP_PTR		0x34
#define PCI_IRQ_LINE		0x3c
#define PCI_IRQ_PIN		0x3d

#define PCI_COMMAND_IO		(1u << 0)
#define PCI_COMMAND_MEMORY	(1u << 1)
#define PCI_COMMAND_MASTER	(1u << 2)
#define PCI_COMMAND_INTX_OFF	(1u << 10)
#define PCI_STATUS_CAP_LIST	(1u << 4)

#define PCI_CLASS_STORAGE	0x01
#define PCI_CLASS_NETWORK	0x02
#define PCI_CLASS_BRIDGE	0x06	/* subclass 0 host, 1 ISA, 4 PCI-PCI */

struct pci_bar {
	uint64_t base;		/* bus address (identity: physical) */
	uint64_t size;		/* from sizing; 0 if unimplemented */
	bool io;		/* I/O space (base is a port) */
	bool is64;		/* 64-bit memory BAR (uses the next slot too) */
	bool prefetchable;
};

struct pci_dev {
	uint16_t segment;
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type;	/* 0 device, 1 bridge */
	struct pci_bar bar[6];	/* the slot after a 64-bit BAR stays zero */
	uint8_t irq_line, irq_pin;
	/* Added after the first version of this header: */
	bool multifunction;	/* header type bit 7 of function 0 */
	uint8_t sec_bus, sub_bus; /* bridges: bus range as firmware set it */
};

/* "%02x:%02x.%x" with PCI_BDF(d): bus:device.function */
#define PCI_BDF_FMT	"%02x:%02x.%x"
#define PCI_BDF(d)	(d)->bus, (d)->dev, (d)->fn

/* Access method: ECAM when ACPI's MCFG gave one (pci_init(ecam_base,
 * bus_start, bus_end)), else ports 0xcf8/0xcfc. ecam_base is the address
 * of bus 0 as in MCFG (bus N is at ecam_base + N MiB); 0 = none. Each
 * bus's 1 MiB is mapped uncached the first time it is touched. Without a
 * call to pci_init, port I/O is used. */
void pci_init(uint64_t ecam_base, uint8_t bus_start, uint8_t bus_end);
const char *pci_access_method(void);	/* "ecam" or "port-io" */

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v);

/* One 32-bit read through a chosen method, for tests that compare them.
 * False if that method cannot reach the address (port I/O past offset
 * 0xff, a bus outside the ECAM range, no ECAM). */
enum pci_method { PCI_VIA_PORT_IO, PCI_VIA_ECAM };
bool pci_read32_via(enum pci_method m, uint8_t bus, uint8_t dev, uint8_t fn,
		    unsigned off, uint32_t *val);

/* Walk bus 0 and every bus behind a PCI-PCI bridge (as the firmware
 * numbered them), size every BAR. Returns the number of functions. The
 * first call scans; later calls return the same list (pointers stay
 * valid), so drivers and tests can call it freely. */
unsigned pci_enumerate(void);
struct pci_dev *pci_device(unsigned i);	/* NULL past the end */
/* The nth (0-based) function with this vendor:device, or NULL. */
struct pci_dev *pci_find_id(uint16_t vendor, uint16_t device, unsigned nth);
/* One line per function: BDF, IDs, class, BARs (verbose machine report). */
void pci_print_devices(void);

/* Memory and I/O decoding on, and bus mastering (DMA) on. */
void pci_enable(struct pci_dev *d);
/* For polled drivers: INTx disabled in the command register, MSI and
 * MSI-X enable bits cleared, so the function raises no interrupt. */
void pci_interrupts_off(struct pci_dev *d);
/* Offset of the first capability with this id at or after `start` (0 =
 * from the list head), or 0 if none. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start);
/* The next capability with this id after the one at `prev`, or 0: loop
 * with for (c = pci_find_cap(d, id, 0); c; c = pci_find_next_cap(d, id, c)).
 * Both walks stop after 48 entries, so a looping list cannot hang. */
unsigned pci_find_next_cap(const struct pci_dev *d, uint8_t id, unsigned prev);
/* A memory BAR mapped uncached; NULL for I/O or unimplemented BARs. */
volatile void *pci_map_bar(struct pci_dev *d, unsigned bar);

/* Pure helpers, exposed for the tests' negative controls.
 * BAR from its original value and the value read back after writing all
 * ones (hi/hi_mask: the next register, for 64-bit BARs; else 0). */
void pci_bar_decode(uint32_t lo, uint32_t lo_mask, uint32_t hi, uint32_t hi_mask,
		    struct pci_bar *out);
/* Both BARs assigned, in the same space, and their ranges intersect. */
bool pci_bars_overlap(const struct pci_bar *a, const struct pci_bar *b);

#endif
