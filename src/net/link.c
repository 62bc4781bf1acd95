/*
 * link.c - the lwIP netif over a polled struct nic (drivers/nic.h).
 * Frames move only when net_poll() runs, from the main loop: never from
 * interrupt or NMI context, never inside a measured region.
 */
#include "net/netstack.h"
#include "drivers/nic.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include <string.h>

#define FRAME_MAX 1514

static struct netif the_netif;
static struct nic *the_nic;
static uint8_t frame_buf[FRAME_MAX];

static err_t link_output(struct netif *nif, struct pbuf *p)
{
	struct nic *n = nif->state;
	uint16_t len;

	if (p->tot_len > FRAME_MAX)
		return ERR_BUF;
	len = pbuf_copy_partial(p, frame_buf, p->tot_len, 0);
	/* A full ring is lwIP's ERR_MEM: the datagram is dropped here and
	 * the transport retransmits what the collector reports missing. */
	return n->send(n, frame_buf, len) == 0 ? ERR_OK : ERR_MEM;
}

static err_t link_init(struct netif *nif)
{
	struct nic *n = nif->state;

	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->output = etharp_output;
	nif->linkoutput = link_output;
	nif->mtu = 1500;
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, n->mac, ETH_HWADDR_LEN);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

struct netif *net_link_up(struct nic *n)
{
	the_nic = n;
	if (!netif_add(&the_netif, NULL, NULL, NULL, n, link_init, ethernet_input))
		return NULL;
	netif_set_default(&the_netif);
	netif_set_up(&the_netif);
	/* DHCP sends nothing until the link is up. */
	if (!n->link_up || n->link_up(n))
		netif_set_link_up(&the_netif);
	return &the_netif;
}

void net_poll(void)
{
	size_t len;

	if (!the_nic)
		return;
	/* Bounded: a flood of frames must not keep us here forever. */
	for (unsigned i = 0; i < 64; i++) {
		struct pbuf *p;

		len = the_nic->recv(the_nic, frame_buf, sizeof(frame_buf));
		if (!len)
			break;
		p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
		if (!p)
			continue;	/* lwIP out of buffers: counted in its stats */
		pbuf_take(p, frame_buf, (u16_t)len);
		if (the_netif.input(p, &the_netif) != ERR_OK)
			pbuf_free(p);
	}
	sys_check_timeouts();
}
