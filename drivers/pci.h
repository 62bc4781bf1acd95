/*
 * pci.h - PCI configuration space (ports 0xcf8/0xcfc, or ECAM from the
 * ACPI MCFG table when present), bus enumeration behind bridges, BARs.
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
	struct pci_bar bar[6];
	uint8_t irq_line, irq_pin;
};

/* Access method: ECAM when ACPI's MCFG gave one (pci_init(ecam_base,
 * bus_start, bus_end)), else ports 0xcf8/0xcfc. */
void pci_init(uint64_t ecam_base, uint8_t bus_start, uint8_t bus_end);
const char *pci_access_method(void);	/* "ecam" or "port-io" */

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v);

/* Walk bus 0 and every bus behind a PCI-PCI bridge (as the firmware
 * numbered them), size every BAR. Returns the number of functions. */
unsigned pci_enumerate(void);
struct pci_dev *pci_device(unsigned i);	/* NULL past the end */

/* Memory and I/O decoding on, and bus mastering (DMA) on. */
void pci_enable(struct pci_dev *d);
/* Offset of the first capability with this id at or after `start` (0 =
 * from the list head), or 0 if none. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start);
/* A memory BAR mapped uncached; NULL for I/O or unimplemented BARs. */
volatile void *pci_map_bar(struct pci_dev *d, unsigned bar);

#endif
