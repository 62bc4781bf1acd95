/*
 * virtio_pci_legacy.c - the legacy virtio PCI interface (virtio 0.9.5;
 * virtio 1.0, 4.1.4.8): all registers in I/O BAR 0.
 *
 *   0x00 host features (32)     0x0c queue size (16, fixed by device)
 *   0x04 guest features (32)    0x0e queue select (16)
 *   0x08 queue PFN (32)         0x10 queue notify (16)
 *   0x12 status (8)  0x13 ISR (8)
 *   0x14 device configuration, or 0x18 while MSI-X is enabled
 */
#include "drivers/virtio.h"
#include "drivers/pci.h"
#include "arch/cpu.h"
#include <stdio.h>

#define LEG_HOST_FEATURES	0x00
#define LEG_GUEST_FEATURES	0x04
#define LEG_QUEUE_PFN		0x08
#define LEG_QUEUE_SIZE		0x0c
#define LEG_QUEUE_SELECT	0x0e
#define LEG_QUEUE_NOTIFY	0x10
#define LEG_STATUS		0x12
#define LEG_CONFIG		0x14
#define LEG_CONFIG_MSIX		0x18
#define LEG_PFN_SHIFT		12

static uint8_t leg_get_status(struct virtio_dev *vd)
{
	return inb(vd->io_base + LEG_STATUS);
}

static void leg_set_status(struct virtio_dev *vd, uint8_t s)
{
	outb(vd->io_base + LEG_STATUS, s);
}

static uint64_t leg_get_features(struct virtio_dev *vd)
{
	return inl(vd->io_base + LEG_HOST_FEATURES);	/* 32 bits only */
}

static void leg_set_features(struct virtio_dev *vd, uint64_t f)
{
	outl(vd->io_base + LEG_GUEST_FEATURES, (uint32_t)f);
}

static uint8_t leg_cfg_read8(struct virtio_dev *vd, unsigned off)
{
	return inb((uint16_t)(vd->io_base + vd->cfg_off + off));
}

static uint16_t leg_cfg_read16(struct virtio_dev *vd, unsigned off)
{
	return inw((uint16_t)(vd->io_base + vd->cfg_off + off));
}

static uint8_t leg_cfg_generation(struct virtio_dev *vd)
{
	(void)vd;
	return 0;	/* no generation counter before virtio 1.0 */
}

/* The legacy device fixes the queue size; max_size cannot shrink it. */
static int leg_queue_setup(struct virtio_dev *vd, struct virtq *q, uint16_t max_size,
			   char *err, size_t errlen)
{
	(void)max_size;
	outw(vd->io_base + LEG_QUEUE_SELECT, q->index);
	uint16_t size = inw(vd->io_base + LEG_QUEUE_SIZE);

	if (!size) {
		snprintf(err, errlen, "queue %u does not exist (size 0)", q->index);
		return -1;
	}
	if (virtq_alloc(q, size, err, errlen))
		return -1;
	if ((q->ring_phys >> LEG_PFN_SHIFT) > 0xffffffffu) {
		snprintf(err, errlen, "queue %u at 0x%llx is above the legacy "
			 "interface's 32-bit page number", q->index,
			 (unsigned long long)q->ring_phys);
		return -1;
	}
	outl(vd->io_base + LEG_QUEUE_PFN, (uint32_t)(q->ring_phys >> LEG_PFN_SHIFT));
	return 0;
}

static void leg_notify(struct virtio_dev *vd, struct virtq *q)
{
	outw(vd->io_base + LEG_QUEUE_NOTIFY, q->index);
}

static const struct virtio_transport legacy_transport = {
	.name = "legacy",
	.modern = false,
	.get_status = leg_get_status,
	.set_status = leg_set_status,
	.get_features = leg_get_features,
	.set_features = leg_set_features,
	.cfg_read8 = leg_cfg_read8,
	.cfg_read16 = leg_cfg_read16,
	.cfg_generation = leg_cfg_generation,
	.queue_setup = leg_queue_setup,
	.notify = leg_notify,
};

int virtio_pci_legacy_open(struct virtio_dev *vd, struct pci_dev *pci,
			   char *err, size_t errlen)
{
	const struct pci_bar *b = &pci->bar[0];

	if (!b->io || b->size < LEG_CONFIG) {
		snprintf(err, errlen, "BAR0 is not an I/O BAR of at least %u bytes: "
			 "no legacy interface (a modern-only device?)", LEG_CONFIG);
		return -1;
	}
	if (!b->base || b->base + b->size > 0x10000) {
		snprintf(err, errlen, "I/O BAR0 at 0x%llx is not assigned a port range",
			 (unsigned long long)b->base);
		return -1;
	}
	vd->t = &legacy_transport;
	vd->pci = pci;
	vd->io_base = (uint16_t)b->base;
	pci_enable(pci);
	pci_interrupts_off(pci);
	/* The configuration moves by 4 bytes while MSI-X is enabled (two
	 * vector registers appear); we just turned it off, but check. */
	unsigned msix = pci_find_cap(pci, PCI_CAP_MSIX, 0);

	vd->cfg_off = msix && (pci_read16(pci, msix + 2) & 0x8000) ? LEG_CONFIG_MSIX : LEG_CONFIG;
	return 0;
}
