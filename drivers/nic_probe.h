/*
 * nic_probe.h - pick the network card: enumerate PCI, take the first
 * function whose vendor:device a registered NIC_DRIVER (drivers/nic.h)
 * lists, attach it. Normal context only; call after pci_init().
 */
#ifndef IRQLAB_DRIVERS_NIC_PROBE_H
#define IRQLAB_DRIVERS_NIC_PROBE_H

#include "drivers/nic.h"

/*
 * The attached NIC, or NULL after printing one line:
 *   "irqlab: no supported NIC: results go to serial only"
 * (with the network controllers that had no driver, if any). A driver
 * that fails to attach prints why, and the next candidate is tried. The
 * first call probes; later calls return the same answer and print nothing.
 */
struct nic *nic_probe(void);

/* After nic_probe(): the PCI function and driver behind the NIC (NULL if
 * none). */
struct pci_dev *nic_pci_dev(void);
const struct nic_driver *nic_driver_of(void);

/* The registered driver that lists vendor:device, or NULL. */
const struct nic_driver *nic_driver_for(uint16_t vendor, uint16_t device);

#endif
