/*
 * virtio_net.c - virtio-net (virtio 1.0, 5.1) over the legacy or the
 * modern PCI transport, polled: one receive and one transmit queue, no
 * offloads, no interrupts.
 *
 * Every packet buffer is a 2 KiB slot: the virtio_net_hdr, then the
 * frame. Slot i always uses descriptors 2i (the header) and 2i+1 (the
 * frame): the header in its own descriptor is the layout every device
 * accepts, including legacy ones without VIRTIO_F_ANY_LAYOUT (5.1.6.6),
 * and fixed descriptors need no free list.
 */
#include "drivers/virtio_net.h"
#include "drivers/nic.h"
#include "drivers/pci.h"
#include "drivers/virtio.h"
#include "arch/pagetable.h"
#include "config.h"
#include "mem/palloc.h"
#include <stdio.h>
#include <string.h>

#define NET_CFG_MAC		0
#define NET_CFG_STATUS		6
#define VIRTIO_NET_S_LINK_UP	1

#define RX_QUEUE	0	/* receiveq1 */
#define TX_QUEUE	1	/* transmitq1 */
#define QUEUE_MAX	256	/* entries we ask a modern device for */
#define SLOT_SIZE	2048
#define N_RX		64
#define N_TX		32
#define ETH_HDR		14
#define ETH_MIN		60	/* without FCS; shorter frames are padded */
#define ETH_MAX		1514	/* without FCS or VLAN tag: no GSO negotiated */

static const char *const virtio_choices[] = { "auto", "legacy", "modern", NULL };
enum { VIRTIO_AUTO, VIRTIO_LEGACY, VIRTIO_MODERN };
CONFIG_OPTION(opt_virtio, "virtio", OPT_ENUM, virtio_choices, 0, 0, "auto",
	      "virtio-net transport on transitional devices (1af4:1000): auto = "
	      "modern when the device offers it, else legacy");

struct vnet {
	struct virtio_dev vd;
	struct virtq rxq, txq;
	uint64_t offered;
	unsigned hdr_len, n_rx, n_tx;
	bool has_status;
	uint8_t *rx_slot[N_RX], *tx_slot[N_TX];
	bool tx_busy[N_TX];
	uint16_t tx_free[N_TX];
	unsigned n_tx_free;
	uint64_t bad_used;
};

static int vnet_send(struct nic *n, const void *frame, size_t len);

static void reclaim_tx(struct vnet *vn)
{
	uint32_t id, len;

	while (virtq_pop_used(&vn->txq, &id, &len)) {
		unsigned s = id / 2;

		if ((id & 1) || s >= vn->n_tx || !vn->tx_busy[s]) {
			vn->bad_used++;
			continue;
		}
		vn->tx_busy[s] = false;
		vn->tx_free[vn->n_tx_free++] = (uint16_t)s;
	}
}

static int vnet_send(struct nic *n, const void *frame, size_t len)
{
	struct vnet *vn = n->priv;

	if (len < ETH_HDR || len > ETH_MAX)
		return -1;
	reclaim_tx(vn);
	if (!vn->n_tx_free) {
		n->tx_ring_full++;
		return -1;
	}
	unsigned s = vn->tx_free[--vn->n_tx_free];
	uint8_t *buf = vn->tx_slot[s];

	/* flags 0 and gso_type NONE: no checksum or segmentation offload
	 * was negotiated, the frame goes out as it is. */
	memset(buf, 0, vn->hdr_len);
	memcpy(buf + vn->hdr_len, frame, len);
	if (len < ETH_MIN) {
		memset(buf + vn->hdr_len + len, 0, ETH_MIN - len);
		len = ETH_MIN;
	}
	vn->tx_busy[s] = true;
	vn->txq.desc[2 * s + 1].len = (uint32_t)len;
	virtq_push(&vn->txq, (uint16_t)(2 * s));
	virtq_kick(&vn->vd, &vn->txq);
	n->tx_frames++;
	return 0;
}

static void post_rx(struct vnet *vn, unsigned slot)
{
	virtq_push(&vn->rxq, (uint16_t)(2 * slot));
}

static size_t vnet_recv(struct nic *n, void *buf, size_t buflen)
{
	struct vnet *vn = n->priv;
	uint32_t id, len;

	/* Frames that do not fit are dropped and the next one tried, at
	 * most one ring's worth per call. */
	for (unsigned tries = 0; tries < vn->n_rx; tries++) {
		if (!virtq_pop_used(&vn->rxq, &id, &len))
			return 0;
		unsigned s = id / 2;

		if ((id & 1) || s >= vn->n_rx) {
			vn->bad_used++;
			continue;
		}
		size_t flen = len > vn->hdr_len ? len - vn->hdr_len : 0;
		size_t got = 0;

		if (flen >= ETH_HDR && flen <= buflen && flen <= SLOT_SIZE - vn->hdr_len) {
			memcpy(buf, vn->rx_slot[s] + vn->hdr_len, flen);
			got = flen;
			n->rx_frames++;
		} else {
			n->rx_dropped++;
		}
		post_rx(vn, s);
		virtq_kick(&vn->vd, &vn->rxq);
		if (got)
			return got;
	}
	return 0;
}

static bool vnet_link_up(struct nic *n)
{
	struct vnet *vn = n->priv;

	/* Without VIRTIO_NET_F_STATUS the link is assumed up (5.1.4.2). */
	if (!vn->has_status)
		return true;
	return vn->vd.t->cfg_read16(&vn->vd, NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
}

/* The MAC is 6 bytes read one at a time: on the modern interface the
 * generation counter says whether the device changed it meanwhile
 * (4.1.4.3 / 2.3.1), so read until two generations agree. */
static int read_mac(struct vnet *vn, uint8_t mac[6], char *err, size_t errlen)
{
	struct virtio_dev *vd = &vn->vd;

	if (vd->t->modern && vd->device.len < NET_CFG_MAC + 6) {
		snprintf(err, errlen, "device configuration (%u bytes) has no room for a MAC",
			 vd->device.len);
		return -1;
	}
	for (unsigned tries = 0; tries < 16; tries++) {
		uint8_t gen = vd->t->cfg_generation(vd);

		for (unsigned i = 0; i < 6; i++)
			mac[i] = vd->t->cfg_read8(vd, NET_CFG_MAC + i);
		if (vd->t->cfg_generation(vd) == gen)
			return 0;
	}
	snprintf(err, errlen, "configuration generation kept changing while reading the MAC");
	return -1;
}

/* Slots two to a page, from palloc_page() (identity mapped). */
static int alloc_slots(uint8_t **slots, unsigned n, char *err, size_t errlen)
{
	for (unsigned i = 0; i < n; i += PAGE_SIZE / SLOT_SIZE) {
		uint64_t p = palloc_page();

		if (!p) {
			snprintf(err, errlen, "out of memory for packet buffers");
			return -1;
		}
		for (unsigned j = 0; j < PAGE_SIZE / SLOT_SIZE && i + j < n; j++)
			slots[i + j] = (uint8_t *)(uintptr_t)(p + j * SLOT_SIZE);
	}
	return 0;
}

/* Descriptor pairs: header then frame, chained; device-writable on rx. */
static void init_descs(volatile struct virtq_desc *d, uint8_t **slots, unsigned n,
		       unsigned hdr_len, uint16_t write)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t p = (uint64_t)(uintptr_t)slots[i];

		d[2 * i].addr = p;
		d[2 * i].len = hdr_len;
		d[2 * i].flags = VIRTQ_DESC_F_NEXT | write;
		d[2 * i].next = (uint16_t)(2 * i + 1);
		d[2 * i + 1].addr = p + hdr_len;
		d[2 * i + 1].len = SLOT_SIZE - hdr_len;
		d[2 * i + 1].flags = write;
		d[2 * i + 1].next = 0;
	}
}

static int choose_transport(struct pci_dev *pci, bool *modern, char *err, size_t errlen)
{
	bool has_modern = virtio_pci_has_modern(pci);

	if (pci->device == 0x1041) {
		/* Modern-only: device IDs 0x1040 + type have no legacy BAR. */
		if (opt_virtio.u == VIRTIO_LEGACY) {
			snprintf(err, errlen, "virtio=legacy, but 1af4:1041 is a modern-only "
				 "device with no legacy interface");
			return -1;
		}
		*modern = true;
		return 0;
	}
	if (opt_virtio.u == VIRTIO_MODERN && !has_modern) {
		snprintf(err, errlen, "virtio=modern, but this device has no virtio 1.0 "
			 "capabilities (legacy-only, as with disable-modern=on)");
		return -1;
	}
	*modern = opt_virtio.u == VIRTIO_MODERN ||
		  (opt_virtio.u == VIRTIO_AUTO && has_modern);
	return 0;
}

static int setup(struct vnet *vn, struct pci_dev *pci, bool modern, char *err, size_t errlen)
{
	struct virtio_dev *vd = &vn->vd;
	uint64_t wanted = VIRTIO_F_BIT(VIRTIO_NET_F_MAC) | VIRTIO_F_BIT(VIRTIO_NET_F_STATUS) |
			  /* offered when DMA goes through an IOMMU: ours is
			   * off, so bus addresses are physical ones. */
			  VIRTIO_F_BIT(VIRTIO_F_ACCESS_PLATFORM);

	if (modern ? virtio_pci_modern_open(vd, pci, err, errlen) :
		     virtio_pci_legacy_open(vd, pci, err, errlen))
		return -1;
	if (virtio_negotiate(vd, wanted, 0, err, errlen))
		return -1;
	vn->offered = vd->t->get_features(vd);
	if (!(vd->features & VIRTIO_F_BIT(VIRTIO_NET_F_MAC))) {
		snprintf(err, errlen, "device offers no MAC address (VIRTIO_NET_F_MAC)");
		return -1;
	}
	vn->has_status = vd->features & VIRTIO_F_BIT(VIRTIO_NET_F_STATUS);
	/* MRG_RXBUF is never negotiated, so only the transport decides. */
	vn->hdr_len = (vd->features & VIRTIO_F_BIT(VIRTIO_F_VERSION_1)) ?
		      VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY;

	vn->rxq.index = RX_QUEUE;
	vn->txq.index = TX_QUEUE;
	if (vd->t->queue_setup(vd, &vn->rxq, QUEUE_MAX, err, errlen) ||
	    vd->t->queue_setup(vd, &vn->txq, QUEUE_MAX, err, errlen))
		return -1;
	vn->n_rx = vn->rxq.size / 2 < N_RX ? vn->rxq.size / 2 : N_RX;
	vn->n_tx = vn->txq.size / 2 < N_TX ? vn->txq.size / 2 : N_TX;
	if (!vn->n_rx || !vn->n_tx) {
		snprintf(err, errlen, "queues of %u and %u entries cannot hold a "
			 "two-descriptor buffer", vn->rxq.size, vn->txq.size);
		return -1;
	}
	if (alloc_slots(vn->rx_slot, vn->n_rx, err, errlen) ||
	    alloc_slots(vn->tx_slot, vn->n_tx, err, errlen))
		return -1;
	init_descs(vn->rxq.desc, vn->rx_slot, vn->n_rx, vn->hdr_len, VIRTQ_DESC_F_WRITE);
	init_descs(vn->txq.desc, vn->tx_slot, vn->n_tx, vn->hdr_len, 0);
	for (unsigned i = 0; i < vn->n_tx; i++)
		vn->tx_free[vn->n_tx_free++] = (uint16_t)(vn->n_tx - 1 - i);
	/* Receive buffers go in before DRIVER_OK (3.1.1, step 7), the
	 * notification only after it (the device may ignore earlier ones). */
	for (unsigned i = 0; i < vn->n_rx; i++)
		post_rx(vn, i);
	return 0;
}

static int vnet_attach(struct pci_dev *pci, struct nic *out, char *err, size_t errlen)
{
	bool modern;

	if (choose_transport(pci, &modern, err, errlen))
		return -1;
	uint64_t page = palloc_page();

	if (!page) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	_Static_assert(sizeof(struct vnet) <= PAGE_SIZE, "struct vnet fits a page");
	struct vnet *vn = (struct vnet *)(uintptr_t)page;
	uint8_t mac[6];

	if (setup(vn, pci, modern, err, errlen) || read_mac(vn, mac, err, errlen)) {
		if (vn->vd.t)
			virtio_fail(&vn->vd);
		return -1;
	}
	virtio_driver_ok(&vn->vd);
	if (vn->vd.t->get_status(&vn->vd) & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		snprintf(err, errlen, "device status 0x%02x after DRIVER_OK",
			 vn->vd.t->get_status(&vn->vd));
		return -1;
	}
	virtq_kick(&vn->vd, &vn->rxq);

	memset(out, 0, sizeof(*out));
	out->driver = modern ? "virtio-net-modern" : "virtio-net-legacy";
	out->model = pci->device == 0x1041 ? "virtio 1.0, modern-only device" :
		     modern ? "virtio 1.0 interface of a transitional device" :
		     virtio_pci_has_modern(pci) ? "legacy interface of a transitional device" :
		     "virtio 0.9.5 legacy-only device";
	memcpy(out->mac, mac, 6);
	out->priv = vn;
	out->send = vnet_send;
	out->recv = vnet_recv;
	out->link_up = vnet_link_up;
	return 0;
}

bool virtio_net_info(const struct nic *n, struct virtio_net_info *out)
{
	if (!n || n->send != vnet_send)
		return false;
	const struct vnet *vn = n->priv;

	out->transport = vn->vd.t->name;
	out->offered = vn->offered;
	out->features = vn->vd.features;
	out->hdr_len = vn->hdr_len;
	out->rx_queue_size = vn->rxq.size;
	out->tx_queue_size = vn->txq.size;
	out->rx_buffers = vn->n_rx;
	out->tx_buffers = vn->n_tx;
	out->rx_kicks = vn->rxq.kicks;
	out->tx_kicks = vn->txq.kicks;
	out->bad_used = vn->bad_used;
	return true;
}

static const struct pci_id virtio_net_ids[] = {
	{ VIRTIO_PCI_VENDOR, 0x1000 },	/* transitional (legacy + maybe modern) */
	{ VIRTIO_PCI_VENDOR, 0x1041 },	/* modern-only: 0x1040 + device type 1 */
	{ 0, 0 },
};

static const struct nic_driver virtio_net_driver = {
	.name = "virtio-net",
	.ids = virtio_net_ids,
	.attach = vnet_attach,
};
NIC_DRIVER(virtio_net_driver);
