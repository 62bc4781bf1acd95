/*
 * virtio_pci_modern.c - the virtio 1.0 PCI interface (4.1.4): vendor
 * capabilities point into BARs at the common configuration, the notify
 * area, the ISR byte and the device-specific configuration.
 */
#include "drivers/virtio.h"
#include "drivers/pci.h"
#include <stdio.h>

/* struct virtio_pci_cap (4.1.4): after the generic id and next bytes */
#define CAP_LEN		2
#define CAP_CFG_TYPE	3
#define CAP_BAR		4
#define CAP_OFFSET	8
#define CAP_LENGTH	12
#define CAP_NOTIFY_MULT	16	/* struct virtio_pci_notify_cap only */

#define CFG_COMMON	1
#define CFG_NOTIFY	2
#define CFG_ISR		3
#define CFG_DEVICE	4

/* struct virtio_pci_common_cfg (4.1.4.3) */
#define COM_DFSELECT	0x00
#define COM_DF		0x04
#define COM_GFSELECT	0x08
#define COM_GF		0x0c
#define COM_NUM_QUEUES	0x12
#define COM_STATUS	0x14
#define COM_GENERATION	0x15
#define COM_Q_SELECT	0x16
#define COM_Q_SIZE	0x18
#define COM_Q_ENABLE	0x1c
#define COM_Q_NOTIFY_OFF 0x1e
#define COM_Q_DESC	0x20
#define COM_Q_DRIVER	0x28
#define COM_Q_DEVICE	0x30
#define COM_MIN_LEN	0x38

static uint8_t mod_get_status(struct virtio_dev *vd)
{
	return vr_read8(&vd->common, COM_STATUS);
}

static void mod_set_status(struct virtio_dev *vd, uint8_t s)
{
	vr_write8(&vd->common, COM_STATUS, s);
}

static uint64_t mod_get_features(struct virtio_dev *vd)
{
	vr_write32(&vd->common, COM_DFSELECT, 0);
	uint64_t lo = vr_read32(&vd->common, COM_DF);

	vr_write32(&vd->common, COM_DFSELECT, 1);
	return lo | (uint64_t)vr_read32(&vd->common, COM_DF) << 32;
}

static void mod_set_features(struct virtio_dev *vd, uint64_t f)
{
	vr_write32(&vd->common, COM_GFSELECT, 0);
	vr_write32(&vd->common, COM_GF, (uint32_t)f);
	vr_write32(&vd->common, COM_GFSELECT, 1);
	vr_write32(&vd->common, COM_GF, (uint32_t)(f >> 32));
}

/* Reads past the structure the device described read as absent. */
static uint8_t mod_cfg_read8(struct virtio_dev *vd, unsigned off)
{
	return off + 1 <= vd->device.len ? vr_read8(&vd->device, off) : 0xff;
}

static uint16_t mod_cfg_read16(struct virtio_dev *vd, unsigned off)
{
	return off + 2 <= vd->device.len ? vr_read16(&vd->device, off) : 0xffff;
}

static uint8_t mod_cfg_generation(struct virtio_dev *vd)
{
	return vr_read8(&vd->common, COM_GENERATION);
}

/* 64-bit fields as two 32-bit writes, low half first (4.1.3.1 allows it). */
static void write64(const struct virtio_region *r, unsigned off, uint64_t v)
{
	vr_write32(r, off, (uint32_t)v);
	vr_write32(r, off + 4, (uint32_t)(v >> 32));
}

static int mod_queue_setup(struct virtio_dev *vd, struct virtq *q, uint16_t max_size,
			   char *err, size_t errlen)
{
	const struct virtio_region *c = &vd->common;

	if (q->index >= vr_read16(c, COM_NUM_QUEUES)) {
		snprintf(err, errlen, "queue %u does not exist (device has %u)", q->index,
			 vr_read16(c, COM_NUM_QUEUES));
		return -1;
	}
	vr_write16(c, COM_Q_SELECT, q->index);
	uint16_t dev_max = vr_read16(c, COM_Q_SIZE), size = 1;

	if (!dev_max) {
		snprintf(err, errlen, "queue %u is not available (size 0)", q->index);
		return -1;
	}
	/* A split ring's size is a power of two in virtio 1.0; the driver
	 * may ask for fewer entries than the device offers (4.1.5.1.3). */
	while ((uint32_t)size * 2 <= dev_max && (uint32_t)size * 2 <= max_size)
		size *= 2;
	if (virtq_alloc(q, size, err, errlen))
		return -1;
	uint32_t notify_off = (uint32_t)vr_read16(c, COM_Q_NOTIFY_OFF) * vd->notify_off_multiplier;

	if (notify_off + 2 > vd->notify.len) {
		snprintf(err, errlen, "queue %u: notify offset 0x%x is outside the %u-byte "
			 "notify area", q->index, notify_off, vd->notify.len);
		return -1;
	}
	q->notify_off = notify_off;
	vr_write16(c, COM_Q_SIZE, size);
	write64(c, COM_Q_DESC, q->ring_phys);
	write64(c, COM_Q_DRIVER, (uint64_t)(uintptr_t)q->avail);
	write64(c, COM_Q_DEVICE, (uint64_t)(uintptr_t)q->used);
	/* No MSI-X vector: it stays NO_VECTOR, we poll. Enable last. */
	vr_write16(c, COM_Q_ENABLE, 1);
	return 0;
}

static void mod_notify(struct virtio_dev *vd, struct virtq *q)
{
	vr_write16(&vd->notify, q->notify_off, q->index);
}

static const struct virtio_transport modern_transport = {
	.name = "modern",
	.modern = true,
	.get_status = mod_get_status,
	.set_status = mod_set_status,
	.get_features = mod_get_features,
	.set_features = mod_set_features,
	.cfg_read8 = mod_cfg_read8,
	.cfg_read16 = mod_cfg_read16,
	.cfg_generation = mod_cfg_generation,
	.queue_setup = mod_queue_setup,
	.notify = mod_notify,
};

/* Find the first capability of each type (4.1.4: "the driver SHOULD use
 * the first instance ... it can support") and point a region at it. With
 * map false only check the capability, without mapping its BAR. */
static int find_region(struct pci_dev *pci, uint8_t type, struct virtio_region *r,
		       uint32_t *notify_mult, bool map, char *err, size_t errlen)
{
	for (unsigned c = pci_find_cap(pci, PCI_CAP_VENDOR, 0); c;
	     c = pci_find_next_cap(pci, PCI_CAP_VENDOR, c)) {
		if (pci_read8(pci, c + CAP_CFG_TYPE) != type)
			continue;
		uint8_t bar = pci_read8(pci, c + CAP_BAR);
		uint8_t cap_len = pci_read8(pci, c + CAP_LEN);
		uint32_t off = pci_read32(pci, c + CAP_OFFSET);
		uint32_t len = pci_read32(pci, c + CAP_LENGTH);

		/* BAR values above 5 are reserved: skip such entries. */
		if (bar > 5 || cap_len < 16 || (type == CFG_NOTIFY && cap_len < 20))
			continue;
		const struct pci_bar *b = &pci->bar[bar];

		if (!b->size || !b->base || (uint64_t)off + len > b->size) {
			snprintf(err, errlen, "capability type %u at 0x%x: offset 0x%x + "
				 "length 0x%x outside BAR%u (size 0x%llx)", type, c, off,
				 len, bar, (unsigned long long)b->size);
			return -1;
		}
		if (notify_mult)
			*notify_mult = pci_read32(pci, c + CAP_NOTIFY_MULT);
		if (!map)
			return 0;
		r->len = len;
		if (b->io) {
			r->mmio = NULL;
			r->port = (uint16_t)(b->base + off);
			return 0;
		}
		volatile uint8_t *base = pci_map_bar(pci, bar);

		if (!base) {
			snprintf(err, errlen, "cannot map BAR%u", bar);
			return -1;
		}
		r->mmio = base + off;
		return 0;
	}
	snprintf(err, errlen, "no usable virtio capability of type %u", type);
	return -1;
}

bool virtio_pci_has_modern(struct pci_dev *pci)
{
	char ignored[8];
	struct virtio_region r;

	/* Common, notify and ISR are mandatory (4.1.4); the device
	 * configuration only for devices that have one. */
	return !find_region(pci, CFG_COMMON, &r, NULL, false, ignored, sizeof(ignored)) &&
	       !find_region(pci, CFG_NOTIFY, &r, NULL, false, ignored, sizeof(ignored)) &&
	       !find_region(pci, CFG_ISR, &r, NULL, false, ignored, sizeof(ignored));
}

int virtio_pci_modern_open(struct virtio_dev *vd, struct pci_dev *pci,
			   char *err, size_t errlen)
{
	vd->t = &modern_transport;
	vd->pci = pci;
	vd->device.len = 0;
	if (find_region(pci, CFG_COMMON, &vd->common, NULL, true, err, errlen) ||
	    find_region(pci, CFG_NOTIFY, &vd->notify, &vd->notify_off_multiplier, true,
			err, errlen) ||
	    find_region(pci, CFG_ISR, &vd->isr, NULL, true, err, errlen))
		return -1;
	if (vd->common.len < COM_MIN_LEN) {
		snprintf(err, errlen, "common configuration is %u bytes, needs %u",
			 vd->common.len, COM_MIN_LEN);
		return -1;
	}
	char ignored[8];

	if (find_region(pci, CFG_DEVICE, &vd->device, NULL, true, ignored, sizeof(ignored)))
		vd->device.len = 0;
	pci_enable(pci);
	pci_interrupts_off(pci);
	return 0;
}
