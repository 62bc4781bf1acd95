/*
 * virtio_net.h - what the virtio-net driver shows its tests: the transport
 * and features it negotiated and its queue state. The driver itself is
 * reached through struct nic (drivers/nic.h), registered by PCI ID.
 */
#ifndef IRQLAB_DRIVERS_VIRTIO_NET_H
#define IRQLAB_DRIVERS_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

struct nic;

#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_STATUS	16

/* struct virtio_net_hdr (virtio 1.0, 5.1.6): 10 bytes on the legacy
 * interface without MRG_RXBUF; num_buffers makes it 12 with MRG_RXBUF or
 * VERSION_1 (always 12 on the modern interface). */
#define VIRTIO_NET_HDR_LEN_LEGACY	10
#define VIRTIO_NET_HDR_LEN		12

struct virtio_net_info {
	const char *transport;		/* "legacy" or "modern" */
	uint64_t offered, features;	/* device's offer, negotiated */
	unsigned hdr_len;
	uint16_t rx_queue_size, tx_queue_size;
	unsigned rx_buffers, tx_buffers;	/* posted / in the pool */
	uint64_t rx_kicks, tx_kicks;
	uint64_t bad_used;		/* used entries naming no buffer of ours */
};

/* False if n is not driven by virtio-net. */
bool virtio_net_info(const struct nic *n, struct virtio_net_info *out);

#endif
