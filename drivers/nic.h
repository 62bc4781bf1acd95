/*
 * nic.h - what the network path needs from a NIC driver. Polled only: no
 * interrupts, and nothing here is called inside a measured region or from
 * interrupt/NMI context. Drivers register by PCI ID:
 *
 *	static const struct pci_id e1000_ids[] = { { 0x8086, 0x100e }, { 0 } };
 *	NIC_DRIVER(e1000_driver);   with .ids = e1000_ids, .attach = ...
 */
#ifndef IRQLAB_DRIVERS_NIC_H
#define IRQLAB_DRIVERS_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pci_dev;

struct nic {
	const char *driver;		/* "virtio-net-legacy", "e1000e", ... */
	const char *model;		/* "82574L", ... */
	uint8_t mac[6];
	void *priv;
	/* Queue one Ethernet frame (no FCS); 0, or -1 if the ring is full. */
	int (*send)(struct nic *n, const void *frame, size_t len);
	/* Copy one received frame into buf; its length, or 0 if none. */
	size_t (*recv)(struct nic *n, void *buf, size_t buflen);
	bool (*link_up)(struct nic *n);
	uint64_t tx_frames, rx_frames, tx_ring_full, rx_dropped;
};

struct pci_id {
	uint16_t vendor, device;
};

struct nic_driver {
	const char *name;
	const struct pci_id *ids;	/* terminated by { 0, 0 } */
	/* Take the device; 0 and *out filled, or -1 with a message. */
	int (*attach)(struct pci_dev *dev, struct nic *out, char *err, size_t errlen);
};

#define NIC_DRIVER(var)								\
	static const struct nic_driver *const nic_driver_ptr_##var		\
	__attribute__((used, section(".nic_drivers"), aligned(8))) = &var

#endif
