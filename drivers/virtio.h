/*
 * virtio.h - virtio over PCI for polled drivers: the device status
 * handshake, feature bits, split virtqueues, and two transports behind
 * one small interface:
 *
 *   legacy  virtio 0.9.5 / "legacy interface" of virtio 1.0 (4.1.4.8):
 *           registers in I/O BAR 0, 32 feature bits, queue given as one
 *           page frame number, no FEATURES_OK (transitional 1af4:1000);
 *   modern  virtio 1.0 (4.1.4): registers found through vendor-specific
 *           PCI capabilities (common, notify, ISR, device configuration),
 *           64 feature bits, VIRTIO_F_VERSION_1 and FEATURES_OK required.
 *
 * Nothing here takes interrupts: every queue is set up with
 * VIRTQ_AVAIL_F_NO_INTERRUPT and polled. Normal context only.
 */
#ifndef IRQLAB_DRIVERS_VIRTIO_H
#define IRQLAB_DRIVERS_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pci_dev;

#define VIRTIO_PCI_VENDOR	0x1af4

/* Device status (virtio 1.0, 2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Device-independent feature bits (virtio 1.0, 6) */
#define VIRTIO_F_ANY_LAYOUT		27	/* legacy only */
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_BIT(n)			(1ull << (n))

/* Split virtqueue (virtio 1.0, 2.4), little-endian like x86. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2	/* device writes (receive buffers) */

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* then used_event, unused without EVENT_IDX */
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

struct virtq_used_elem {
	uint32_t id;		/* head descriptor of the chain */
	uint32_t len;		/* bytes the device wrote */
};
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};
#define VIRTQ_USED_F_NO_NOTIFY	1

/* The legacy interface puts the used ring at the next 4 KiB boundary after
 * the available ring (virtio 1.0, 2.4.2); modern devices take three
 * addresses, and the same layout satisfies their alignment too. */
#define VIRTQ_LEGACY_ALIGN	4096
#define VIRTQ_MAX_SIZE		32768

struct virtq {
	uint16_t index;		/* queue number on the device */
	uint16_t size;		/* entries, a power of two */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint64_t ring_phys;	/* physical = virtual (identity map) */
	unsigned ring_pages;
	uint16_t avail_idx;	/* our copy of avail->idx: chains published */
	uint16_t last_used;	/* used entries consumed */
	uint32_t notify_off;	/* modern: byte offset in the notify region */
	uint64_t kicks;		/* notifications written */
};

/* Where a transport's registers live: a mapped memory range or ports. */
struct virtio_region {
	volatile uint8_t *mmio;	/* NULL: I/O ports from `port` */
	uint16_t port;
	uint32_t len;
};

struct virtio_dev;

struct virtio_transport {
	const char *name;	/* "legacy", "modern" */
	bool modern;		/* VERSION_1 and FEATURES_OK apply */
	uint8_t (*get_status)(struct virtio_dev *vd);
	void (*set_status)(struct virtio_dev *vd, uint8_t status);
	uint64_t (*get_features)(struct virtio_dev *vd);
	void (*set_features)(struct virtio_dev *vd, uint64_t features);
	/* Device-specific configuration space (virtio-net: MAC, status). */
	uint8_t (*cfg_read8)(struct virtio_dev *vd, unsigned off);
	uint16_t (*cfg_read16)(struct virtio_dev *vd, unsigned off);
	uint8_t (*cfg_generation)(struct virtio_dev *vd);	/* legacy: 0 */
	/* Select queue q->index, pick a size no larger than max_size,
	 * allocate the ring, give it to the device. */
	int (*queue_setup)(struct virtio_dev *vd, struct virtq *q, uint16_t max_size,
			   char *err, size_t errlen);
	void (*notify)(struct virtio_dev *vd, struct virtq *q);
};

struct virtio_dev {
	const struct virtio_transport *t;
	struct pci_dev *pci;
	uint64_t features;	/* negotiated */
	/* legacy: I/O BAR 0, device configuration at cfg_off */
	uint16_t io_base;
	unsigned cfg_off;
	/* modern: the four structures and the notify multiplier */
	struct virtio_region common, notify, isr, device;
	uint32_t notify_off_multiplier;
};

/* Transports. 0, or -1 with the reason in err. */
int virtio_pci_legacy_open(struct virtio_dev *vd, struct pci_dev *pci,
			   char *err, size_t errlen);
int virtio_pci_modern_open(struct virtio_dev *vd, struct pci_dev *pci,
			   char *err, size_t errlen);
/* Does this function carry the modern capabilities (virtio 1.0, 4.1.4)? */
bool virtio_pci_has_modern(struct pci_dev *pci);

/* Status handshake (virtio 1.0, 3.1.1): reset, ACKNOWLEDGE, DRIVER, read
 * the offered features, keep those in `wanted` (plus VERSION_1 on the
 * modern transport, where it is required), FEATURES_OK (modern). Leaves
 * the device ready for queue setup; the negotiated set is vd->features.
 * `required` bits missing from the offer are an error. */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted, uint64_t required,
		     char *err, size_t errlen);
/* After the queues are set up and filled. */
void virtio_driver_ok(struct virtio_dev *vd);
/* Tell the device we gave up (FAILED), after a setup error. */
void virtio_fail(struct virtio_dev *vd);
/* Write 0 to the status and wait (bounded) for the device to confirm. */
int virtio_reset(struct virtio_dev *vd, char *err, size_t errlen);

/* Ring memory for `size` entries in the legacy layout: physically
 * contiguous pages from palloc_page(), zeroed, avail flags NO_INTERRUPT. */
int virtq_alloc(struct virtq *q, uint16_t size, char *err, size_t errlen);
/* Publish the chain starting at descriptor `head` (already filled). */
void virtq_push(struct virtq *q, uint16_t head);
/* Notify the device unless it asked not to be (VIRTQ_USED_F_NO_NOTIFY). */
void virtq_kick(struct virtio_dev *vd, struct virtq *q);
/* Take one used entry; false if the device has returned nothing new. */
bool virtq_pop_used(struct virtq *q, uint32_t *id, uint32_t *len);

/* Register access in a region (8/16/32-bit, as the spec requires). */
uint8_t vr_read8(const struct virtio_region *r, unsigned off);
uint16_t vr_read16(const struct virtio_region *r, unsigned off);
uint32_t vr_read32(const struct virtio_region *r, unsigned off);
void vr_write8(const struct virtio_region *r, unsigned off, uint8_t v);
void vr_write16(const struct virtio_region *r, unsigned off, uint16_t v);
void vr_write32(const struct virtio_region *r, unsigned off, uint32_t v);

#endif
