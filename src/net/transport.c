/*
 * transport.c - records to the collector over UDP (docs/protocol.md).
 *
 * Every record in the log is sent once as soon as the main loop services
 * the network; the collector NACKs what it did not get and the log
 * retransmits it; after the END record the image resends END every
 * PROTO_END_RESEND_MS until the collector's ACK or net_timeout_ms, and says
 * which happened. Control datagrams count only from the collector's
 * address (once known) with this run's id; everything else is counted and
 * ignored.
 */
#include "net/netstack.h"
#include "net/proto.h"
#include "config.h"
#include "arch/tsc.h"
#include "drivers/nic.h"
#include "drivers/nic_probe.h"
#include "record/log.h"
#include "record/record.h"
#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/udp.h"
#include <stdio.h>
#include <string.h>

#define DHCP_WAIT_MS	10000
#define SEND_BURST	32	/* datagrams between polls of the NIC */
#define SEND_STUCK_MS	100	/* a ring that stays full this long: move on */

CONFIG_OPTION(opt_ip, "ip", OPT_STRING, NULL, 0, 0, "dhcp",
	      "dhcp, or ADDR/PREFIX,GATEWAY (e.g. 10.0.2.15/24,10.0.2.2)");
CONFIG_OPTION(opt_collector, "collector", OPT_STRING, NULL, 0, 0, "auto",
	      "IP:PORT of the collector; auto = DHCP next-server, else broadcast, "
	      "port 17017; none = serial only");
CONFIG_OPTION(opt_net_timeout, "net_timeout_ms", OPT_UINT, NULL, 100, 3600000, "10000",
	      "give up on the collector after this long without an ACK or NACK "
	      "(and after 6x this since the first END)");

static struct {
	bool active;		/* a netif with an address and a collector */
	struct nic *nic;
	struct netif *netif;
	struct udp_pcb *pcb;
	ip_addr_t collector;
	uint16_t collector_port;
	bool collector_known;	/* false while sending to broadcast */
	uint32_t next_seq;	/* first record not sent yet */
	uint32_t end_seq;	/* the END record's, once sent */
	bool end_sent;
	uint64_t last_control_ms;	/* last valid NACK or ACK */
	bool acked;
	struct proto_ack ack;
	uint64_t sent, resent, nacks, foreign, bad, refused;
} net;

bool net_active(void)
{
	return net.active;
}

static int send_record(uint32_t seq)
{
	const struct log_record *r = log_get(record_log(), seq);
	struct proto_hdr h = {
		.version = PROTO_VERSION, .kind = PROTO_RECORD,
		.run_id = record_run_id(), .seq = seq,
	};
	struct pbuf *p;
	size_t n;
	err_t e;

	if (!r)
		return -1;
	h.type = r->type;
	h.len = r->len;
	memcpy(h.mac, net.nic->mac, 6);
	p = pbuf_alloc(PBUF_TRANSPORT, PROTO_HDR_LEN + r->len, PBUF_RAM);
	if (!p)
		return -1;
	n = proto_encode(&h, r->payload, p->payload, p->len);
	if (!n) {
		pbuf_free(p);
		return -1;
	}
	e = udp_sendto(net.pcb, p, &net.collector, net.collector_port);
	pbuf_free(p);
	return e == ERR_OK ? 0 : -1;
}

static void on_control(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		       const ip_addr_t *addr, u16_t port)
{
	uint8_t buf[PROTO_MAX_DATAGRAM];
	const uint8_t *payload;
	struct proto_hdr h;
	char err[96];
	uint16_t len = p->tot_len;

	(void)arg;
	(void)pcb;
	if (len > sizeof(buf)) {
		net.bad++;
		pbuf_free(p);
		return;
	}
	pbuf_copy_partial(p, buf, len, 0);
	pbuf_free(p);
	if (proto_decode(buf, len, &h, &payload, err, sizeof(err)) < 0 ||
	    h.kind == PROTO_RECORD) {
		net.bad++;
		return;
	}
	if (h.run_id != record_run_id() ||
	    (net.collector_known && (!ip_addr_cmp(addr, &net.collector) ||
				     port != net.collector_port))) {
		net.foreign++;
		return;
	}
	if (!net.collector_known) {
		/* Sent to broadcast: the first collector that answers for this
		 * run becomes the collector. */
		ip_addr_copy(net.collector, *addr);
		net.collector_port = port;
		net.collector_known = true;
		printf("irqlab: collector found at %s:%u\n", ipaddr_ntoa(addr), port);
	}
	if (h.kind == PROTO_NACK) {
		struct proto_range r[PROTO_MAX_NACK_RANGES];
		unsigned n;

		if (proto_nack_decode(payload, h.len, r, PROTO_MAX_NACK_RANGES, &n,
				      err, sizeof(err)) < 0) {
			net.bad++;
			return;
		}
		net.nacks++;
		net.last_control_ms = time_ms();
		/* At most PROTO_MAX_RETRANSMIT per NACK: the collector asks
		 * again for the rest, so one NACK cannot make us flood. */
		unsigned budget = PROTO_MAX_RETRANSMIT;
		for (unsigned i = 0; i < n && budget; i++)
			for (uint32_t s = r[i].first; s - r[i].first < r[i].count &&
			     s < net.next_seq && budget; s++, budget--)
				if (send_record(s) == 0)
					net.resent++;
	} else if (h.kind == PROTO_ACK) {
		struct proto_ack a;

		/* Only an ACK of our END counts: a stale or foreign one would
		 * stop the retransmissions early. */
		if (proto_ack_decode(payload, h.len, &a, err, sizeof(err)) < 0 ||
		    !net.end_sent || a.end_seq != net.end_seq) {
			net.bad++;
			return;
		}
		net.ack = a;
		net.acked = true;
		net.last_control_ms = time_ms();
	}
}

/* "a.b.c.d/prefix,gateway" into lwIP addresses. */
static int parse_static(const char *s, ip4_addr_t *ip, ip4_addr_t *mask, ip4_addr_t *gw)
{
	char a[32], g[32];
	unsigned prefix;

	if (sscanf(s, "%31[0-9.]/%u,%31[0-9.]", a, &prefix, g) != 3 || prefix > 32 ||
	    !ip4addr_aton(a, ip) || !ip4addr_aton(g, gw))
		return -1;
	ip4_addr_set_u32(mask, prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0);
	return 0;
}

static int parse_collector(const char *s, ip_addr_t *addr, uint16_t *port)
{
	char a[32];
	unsigned p;

	if (sscanf(s, "%31[0-9.]:%u", a, &p) != 2 || p == 0 || p > 65535 ||
	    !ipaddr_aton(a, addr))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static void say_serial_only(const char *why)
{
	printf("irqlab: network: %s: results go to serial only\n", why);
	record_emitf(REC_ERROR, "{\"what\":\"network\",\"why\":\"%s\"}", why);
}

void net_start(void)
{
	ip4_addr_t ip, mask, gw;
	bool dhcp = strcmp(opt_ip.s, "dhcp") == 0;

	net.nic = nic_probe();
	if (!net.nic)
		return;		/* nic_probe said "no supported NIC" */
	if (strcmp(opt_collector.s, "none") == 0) {
		printf("irqlab: network: collector=none: results go to serial only\n");
		return;
	}
	if (!dhcp && parse_static(opt_ip.s, &ip, &mask, &gw) < 0) {
		say_serial_only("ip= is neither dhcp nor ADDR/PREFIX,GATEWAY");
		return;
	}
	if (strcmp(opt_collector.s, "auto") != 0 &&
	    parse_collector(opt_collector.s, &net.collector, &net.collector_port) < 0) {
		say_serial_only("collector= is not IP:PORT");
		return;
	}
	net.netif = net_link_up(net.nic);
	if (!net.netif) {
		say_serial_only("lwIP refused the interface");
		return;
	}
	if (dhcp) {
		uint64_t end = time_ms() + DHCP_WAIT_MS;

		dhcp_start(net.netif);
		while (!dhcp_supplied_address(net.netif) && time_ms() < end)
			net_poll();
		if (!dhcp_supplied_address(net.netif)) {
			say_serial_only("no DHCP lease within 10 s");
			return;
		}
	} else {
		netif_set_addr(net.netif, &ip, &mask, &gw);
	}

	if (strcmp(opt_collector.s, "auto") == 0) {
		struct dhcp *d = netif_dhcp_data(net.netif);

		net.collector_port = PROTO_DEFAULT_PORT;
		if (dhcp && d && !ip4_addr_isany_val(d->offered_si_addr)) {
			/* The lease's next-server, as PXE setups name their
			 * boot host. */
			ip_addr_copy_from_ip4(net.collector, d->offered_si_addr);
			net.collector_known = true;
		} else {
			ip_addr_set_ip4_u32(&net.collector, IPADDR_BROADCAST);
		}
	} else {
		net.collector_known = true;
	}
	net.pcb = udp_new();
	if (!net.pcb || udp_bind(net.pcb, IP_ADDR_ANY, PROTO_DEFAULT_PORT) != ERR_OK) {
		say_serial_only("cannot open the UDP port");
		return;
	}
	ip_set_option(net.pcb, SOF_BROADCAST);
	udp_recv(net.pcb, on_control, NULL);
	net.active = true;
	char me[IP4ADDR_STRLEN_MAX], them[IP4ADDR_STRLEN_MAX];
	printf("irqlab: network: %s %s via %s, collector %s:%u%s\n", net.nic->driver,
	       ip4addr_ntoa_r(netif_ip4_addr(net.netif), me, sizeof(me)),
	       dhcp ? "DHCP" : "ip=",
	       ip4addr_ntoa_r(ip_2_ip4(&net.collector), them, sizeof(them)),
	       net.collector_port,
	       net.collector_known ? "" : " (broadcast until a collector answers)");
	net_service();
}

void net_service(void)
{
	struct record_log *lg = record_log();
	uint64_t stuck_since = 0;

	if (!net.active)
		return;
	record_mirror_flush();
	for (;;) {
		uint32_t ready = log_committed_prefix(lg, net.next_seq);
		unsigned burst = 0;

		while (net.next_seq < ready && burst < SEND_BURST) {
			if (send_record(net.next_seq) == 0) {
				net.sent++;
				stuck_since = 0;
			} else if (!stuck_since) {
				/* Ring full: let the NIC drain, then retry. */
				stuck_since = time_ms();
				break;
			} else if (time_ms() - stuck_since < SEND_STUCK_MS) {
				break;
			} else {
				/* Still refused: leave it to the collector's NACK. */
				net.refused++;
				stuck_since = 0;
			}
			net.next_seq++;
			burst++;
		}
		net_poll();
		if (net.next_seq >= ready)
			break;
	}
}

void net_finish(void)
{
	uint64_t start, last_end = 0;

	if (!net.active)
		return;
	net_service();
	/* record_end() appended END last and closed the log. */
	net.end_seq = net.next_seq - 1;
	net.end_sent = true;
	start = net.last_control_ms = time_ms();
	/* Give up after net_timeout_ms without a word from the collector, or
	 * 6x that since the first END however busy the recovery. */
	while (!net.acked && time_ms() - net.last_control_ms < opt_net_timeout.u &&
	       time_ms() - start < 6 * opt_net_timeout.u) {
		if (time_ms() - last_end >= PROTO_END_RESEND_MS) {
			send_record(net.end_seq);
			last_end = time_ms();
		}
		net_poll();
	}
	if (net.acked)
		printf("irqlab: collector acknowledged the end of the run: %u records, "
		       "checksum %08x %s (%llu sent, %llu refused by a full ring, "
		       "%llu resent after %llu NACKs)\n",
		       net.ack.records, net.ack.checksum,
		       net.ack.status == 0 ? "verified" : "MISMATCH",
		       (unsigned long long)net.sent, (unsigned long long)net.refused,
		       (unsigned long long)net.resent, (unsigned long long)net.nacks);
	else
		printf("irqlab: no acknowledgement from the collector within %llu ms: "
		       "stopped retransmitting (%llu sent, %llu resent); the serial log "
		       "holds every record (collector --from-serial)\n",
		       (unsigned long long)opt_net_timeout.u,
		       (unsigned long long)net.sent, (unsigned long long)net.resent);
	if (net.foreign || net.bad)
		printf("irqlab: ignored %llu control datagrams from elsewhere and "
		       "%llu malformed ones\n", (unsigned long long)net.foreign,
		       (unsigned long long)net.bad);
}
