/*
 * virtio.c - what every virtio driver shares: the status handshake and
 * feature negotiation, split virtqueues, and register access.
 */
#include "drivers/virtio.h"
#include "arch/cpu.h"
#include "arch/pagetable.h"
#include "arch/tsc.h"
#include "mem/palloc.h"
#include <stdio.h>

/*
 * Barriers the spec asks for (virtio 1.0, 2.4.7.2, 2.4.8), on x86. The
 * device is another agent reading and writing our memory while we run;
 * x86 keeps stores in program order and loads in program order (SDM vol.
 * 3, 8.2.2), so the spec's write and read barriers only have to stop the
 * compiler from reordering. The one reordering x86 does is a load passing
 * an earlier store (the store buffer): where we store and then read what
 * the device wrote, that needs mfence.
 */
#define virtio_wmb()	barrier()
#define virtio_rmb()	barrier()
#define virtio_mb()	asm volatile("mfence" : : : "memory")

#define RESET_TIMEOUT_US	100000

uint8_t vr_read8(const struct virtio_region *r, unsigned off)
{
	return r->mmio ? r->mmio[off] : inb((uint16_t)(r->port + off));
}

uint16_t vr_read16(const struct virtio_region *r, unsigned off)
{
	return r->mmio ? *(volatile uint16_t *)(r->mmio + off) : inw((uint16_t)(r->port + off));
}

uint32_t vr_read32(const struct virtio_region *r, unsigned off)
{
	return r->mmio ? *(volatile uint32_t *)(r->mmio + off) : inl((uint16_t)(r->port + off));
}

void vr_write8(const struct virtio_region *r, unsigned off, uint8_t v)
{
	if (r->mmio)
		r->mmio[off] = v;
	else
		outb((uint16_t)(r->port + off), v);
}

void vr_write16(const struct virtio_region *r, unsigned off, uint16_t v)
{
	if (r->mmio)
		*(volatile uint16_t *)(r->mmio + off) = v;
	else
		outw((uint16_t)(r->port + off), v);
}

void vr_write32(const struct virtio_region *r, unsigned off, uint32_t v)
{
	if (r->mmio)
		*(volatile uint32_t *)(r->mmio + off) = v;
	else
		outl((uint16_t)(r->port + off), v);
}

int virtio_reset(struct virtio_dev *vd, char *err, size_t errlen)
{
	/* Writing 0 resets the device; a modern device may take time and
	 * the driver must see 0 read back before going on (4.1.4.3.2). */
	vd->t->set_status(vd, 0);
	for (unsigned us = 0; us < RESET_TIMEOUT_US; us += 10) {
		if (vd->t->get_status(vd) == 0)
			return 0;
		udelay(10);
	}
	snprintf(err, errlen, "device status still 0x%02x %u ms after reset",
		 vd->t->get_status(vd), RESET_TIMEOUT_US / 1000);
	return -1;
}

static void status_add(struct virtio_dev *vd, uint8_t bits)
{
	vd->t->set_status(vd, vd->t->get_status(vd) | bits);
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted, uint64_t required,
		     char *err, size_t errlen)
{
	uint64_t offered;

	if (virtio_reset(vd, err, errlen))
		return -1;
	status_add(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	status_add(vd, VIRTIO_STATUS_DRIVER);
	offered = vd->t->get_features(vd);
	if (vd->t->modern) {
		/* Over the modern interface a driver that does not accept
		 * VERSION_1 is a legacy driver, which it cannot be. */
		wanted |= VIRTIO_F_BIT(VIRTIO_F_VERSION_1);
		required |= VIRTIO_F_BIT(VIRTIO_F_VERSION_1);
	}
	if (required & ~offered) {
		snprintf(err, errlen, "device does not offer required feature bits "
			 "0x%llx (offers 0x%llx)",
			 (unsigned long long)(required & ~offered), (unsigned long long)offered);
		virtio_fail(vd);
		return -1;
	}
	vd->features = offered & wanted;
	vd->t->set_features(vd, vd->features);
	if (!vd->t->modern)
		return 0;	/* legacy devices have no FEATURES_OK step */
	status_add(vd, VIRTIO_STATUS_FEATURES_OK);
	if (!(vd->t->get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		snprintf(err, errlen, "device refused features 0x%llx (FEATURES_OK "
			 "did not stick)", (unsigned long long)vd->features);
		virtio_fail(vd);
		return -1;
	}
	return 0;
}

void virtio_driver_ok(struct virtio_dev *vd)
{
	status_add(vd, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *vd)
{
	status_add(vd, VIRTIO_STATUS_FAILED);
}

/* `n` physically contiguous pages. palloc_page() hands out one page at a
 * time, ascending from its regions (or descending from its free list), so
 * take pages until a run of n forms; pages of broken runs are held, as
 * ranges, and freed afterwards (freeing them at once would only get them
 * back). */
static uint64_t alloc_contig(unsigned n)
{
	struct { uint64_t lo, hi; } held[32];
	unsigned n_held = 0;
	uint64_t lo = 0, hi = 0, result = 0;

	for (unsigned tries = 0; tries < n + 256; tries++) {
		uint64_t p = palloc_page();

		if (!p)
			break;
		if (lo && p == hi + PAGE_SIZE) {
			hi = p;
		} else if (lo && p + PAGE_SIZE == lo) {
			lo = p;
		} else {
			if (lo) {
				if (n_held == 32)
					break;
				held[n_held].lo = lo;
				held[n_held++].hi = hi;
			}
			lo = hi = p;
		}
		if ((hi - lo) / PAGE_SIZE + 1 == n) {
			result = lo;
			break;
		}
	}
	if (!result && lo) {
		for (uint64_t p = lo; p <= hi; p += PAGE_SIZE)
			pfree_page(p);
	}
	for (unsigned i = 0; i < n_held; i++)
		for (uint64_t p = held[i].lo; p <= held[i].hi; p += PAGE_SIZE)
			pfree_page(p);
	return result;
}

int virtq_alloc(struct virtq *q, uint16_t size, char *err, size_t errlen)
{
	if (!size || (size & (size - 1)) || size > VIRTQ_MAX_SIZE) {
		snprintf(err, errlen, "queue %u: size %u is not a power of two up to %u",
			 q->index, size, VIRTQ_MAX_SIZE);
		return -1;
	}
	uint64_t desc_bytes = 16ull * size;
	uint64_t avail_bytes = 6 + 2ull * size;	/* flags, idx, ring, used_event */
	uint64_t used_off = (desc_bytes + avail_bytes + VIRTQ_LEGACY_ALIGN - 1) &
			    ~(uint64_t)(VIRTQ_LEGACY_ALIGN - 1);
	uint64_t used_bytes = 6 + 8ull * size;	/* flags, idx, ring, avail_event */
	unsigned pages = (unsigned)((used_off + used_bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	uint64_t phys = alloc_contig(pages);

	if (!phys) {
		snprintf(err, errlen, "queue %u: no %u contiguous pages for %u entries",
			 q->index, pages, size);
		return -1;
	}
	q->size = size;
	q->ring_phys = phys;
	q->ring_pages = pages;
	q->desc = (volatile struct virtq_desc *)(uintptr_t)phys;
	q->avail = (volatile struct virtq_avail *)(uintptr_t)(phys + desc_bytes);
	q->used = (volatile struct virtq_used *)(uintptr_t)(phys + used_off);
	q->avail_idx = 0;
	q->last_used = 0;
	/* Polled: the device need not interrupt when it uses a buffer. Only
	 * a hint (2.4.7), which is all we need: nothing listens anyway. */
	q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	return 0;
}

void virtq_push(struct virtq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	/* The device may fetch the ring entry and the descriptors as soon as
	 * it sees the new index: they must be visible first (2.4.7.2). */
	virtio_wmb();
	q->avail_idx++;
	q->avail->idx = q->avail_idx;
}

void virtq_kick(struct virtio_dev *vd, struct virtq *q)
{
	/* Our avail->idx store must be visible before we read the device's
	 * NO_NOTIFY flag, or we could read a stale "don't notify" from
	 * before the device went idle and never wake it (2.4.7.2): a store
	 * then a load, the one order x86 does not keep. */
	virtio_mb();
	if (q->used->flags & VIRTQ_USED_F_NO_NOTIFY)
		return;
	vd->t->notify(vd, q);
	q->kicks++;
}

bool virtq_pop_used(struct virtq *q, uint32_t *id, uint32_t *len)
{
	uint16_t idx = q->used->idx;

	if (idx == q->last_used)
		return false;
	/* The entry (and the buffer it names) must be read after the index
	 * that says it is there (2.4.8). */
	virtio_rmb();
	volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];

	*id = e->id;
	*len = e->len;
	q->last_used++;
	return true;
}
