/*
 * nic_probe.c - match PCI functions against the NIC_DRIVER registry and
 * attach the first that works.
 */
#include "drivers/nic_probe.h"
#include "drivers/pci.h"
#include "arch/tsc.h"
#include <stdio.h>

extern const struct nic_driver *const __nic_drivers_start[], *const __nic_drivers_end[];

static struct nic the_nic;
static struct nic *found;
static struct pci_dev *found_pci;
static const struct nic_driver *found_driver;
static bool probed;

const struct nic_driver *nic_driver_for(uint16_t vendor, uint16_t device)
{
	for (const struct nic_driver *const *p = __nic_drivers_start; p < __nic_drivers_end; p++)
		for (const struct pci_id *id = (*p)->ids; id->vendor || id->device; id++)
			if (id->vendor == vendor && id->device == device)
				return *p;
	return NULL;
}

struct nic *nic_probe(void)
{
	char err[160], unsupported[96] = "";
	size_t used = 0;

	if (probed)
		return found;
	probed = true;
	uint64_t t0 = time_ns();

	pci_enumerate();
	uint64_t t_scan = time_ns();
	for (unsigned i = 0; pci_device(i); i++) {
		struct pci_dev *d = pci_device(i);
		const struct nic_driver *drv = nic_driver_for(d->vendor, d->device);

		if (!drv) {
			if (d->class_code == PCI_CLASS_NETWORK && used < sizeof(unsupported) - 24)
				used += snprintf(unsupported + used, sizeof(unsupported) - used,
						 "%s" PCI_BDF_FMT " %04x:%04x", used ? ", " : "",
						 PCI_BDF(d), d->vendor, d->device);
			continue;
		}
		err[0] = 0;
		if (drv->attach(d, &the_nic, err, sizeof(err)) < 0) {
			printf("irqlab: nic: %s at " PCI_BDF_FMT " (%04x:%04x): %s\n", drv->name,
			       PCI_BDF(d), d->vendor, d->device, err[0] ? err : "attach failed");
			continue;
		}
		found = &the_nic;
		found_pci = d;
		found_driver = drv;
		printf("irqlab: nic: %s at " PCI_BDF_FMT " (%04x:%04x, %s), MAC "
		       "%02x:%02x:%02x:%02x:%02x:%02x, link %s (PCI scan %llu us, attach "
		       "%llu us)\n", found->driver, PCI_BDF(d), d->vendor, d->device,
		       found->model, found->mac[0], found->mac[1], found->mac[2], found->mac[3],
		       found->mac[4], found->mac[5], found->link_up(found) ? "up" : "down",
		       (unsigned long long)(t_scan - t0) / 1000,
		       (unsigned long long)(time_ns() - t_scan) / 1000);
		return found;
	}
	if (used)
		printf("irqlab: no supported NIC: results go to serial only (no driver for "
		       "network controller %s)\n", unsupported);
	else
		printf("irqlab: no supported NIC: results go to serial only\n");
	return NULL;
}

struct pci_dev *nic_pci_dev(void)
{
	return found_pci;
}

const struct nic_driver *nic_driver_of(void)
{
	return found_driver;
}
