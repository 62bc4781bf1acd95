/*
 * The NIC the probe attached: chosen by PCI ID, its MAC, and frames both
 * ways without lwIP - a raw broadcast ARP request for QEMU's user-mode
 * network gateway (slirp, 10.0.2.2) and its reply. Optional: it needs a
 * NIC, and the ARP round trip needs QEMU's -netdev user.
 */
#include "tests/suites.h"
#include "config.h"
#include "drivers/nic_probe.h"
#include "drivers/pci.h"
#include "drivers/qemu.h"
#include "drivers/virtio_net.h"
#include "drivers/virtio.h"
#include "arch/cpu.h"
#include "arch/tsc.h"
#include "lib/report.h"
#include "record/record.h"
#include <stdio.h>
#include <string.h>

CONFIG_OPTION(opt_nic_expect_mac, "nic_expect_mac", OPT_STRING, NULL, 0, 0, "",
	      "MAC the nic suite expects the NIC to report (aa:bb:cc:dd:ee:ff)");

#define ETH_P_ARP	0x0806
#define ETH_P_TEST	0x88b5	/* IEEE 802 local experimental */
#define ARP_LEN		42
#define ARP_TIMEOUT_MS	3000
#define ARP_RESEND_MS	250
#define NO_REPLY_MS	500
#define ETH_HDR_LEN	14
#define TX_FIGURE_FRAMES 2000

/* slirp's defaults: the guest is 10.0.2.15, the gateway 10.0.2.2, and
 * slirp answers ARP only for its own addresses (.2 host, .3 DNS). */
static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gateway_ip[4] = { 10, 0, 2, 2 };
static const uint8_t nobody_ip[4] = { 10, 0, 2, 99 };

static uint8_t frame[2048];

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static size_t arp_request(uint8_t *f, const uint8_t mac[6], const uint8_t tip[4])
{
	memset(f, 0xff, 6);			/* broadcast */
	memcpy(f + 6, mac, 6);
	put16(f + 12, ETH_P_ARP);
	put16(f + 14, 1);			/* Ethernet */
	put16(f + 16, 0x0800);			/* IPv4 */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);			/* request */
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, tip, 4);
	return ARP_LEN;
}

/* A reply to us, from `from`, for our address: every field checked, so a
 * frame misplaced by a wrong virtio_net_hdr length cannot pass. */
static bool is_arp_reply(const uint8_t *f, size_t len, const uint8_t mac[6],
			 const uint8_t from[4])
{
	return len >= ARP_LEN && !memcmp(f, mac, 6) && get16(f + 12) == ETH_P_ARP &&
	       get16(f + 14) == 1 && get16(f + 16) == 0x0800 && f[18] == 6 && f[19] == 4 &&
	       get16(f + 20) == 2 && !memcmp(f + 6, f + 22, 6) && !memcmp(f + 28, from, 4) &&
	       !memcmp(f + 32, mac, 6) && !memcmp(f + 38, guest_ip, 4);
}

struct arp_result {
	bool answered;
	unsigned sent, frames_seen;
	uint64_t rtt_us;
	uint8_t their_mac[6];
};

/* Ask for `tip` every ARP_RESEND_MS until a reply or timeout_ms. */
static struct arp_result arp_exchange(struct nic *n, const uint8_t tip[4], unsigned timeout_ms)
{
	struct arp_result r = { 0 };
	uint8_t req[ARP_LEN];
	uint64_t start = time_ns(), last_send = 0, next_send = start;

	arp_request(req, n->mac, tip);
	while (time_ns() - start < (uint64_t)timeout_ms * 1000000u) {
		uint64_t now = time_ns();

		if (now >= next_send && n->send(n, req, sizeof(req)) == 0) {
			r.sent++;
			last_send = now;
			next_send = now + (uint64_t)ARP_RESEND_MS * 1000000u;
		}
		size_t len = n->recv(n, frame, sizeof(frame));

		if (!len) {
			cpu_relax();
			continue;
		}
		r.frames_seen++;
		if (is_arp_reply(frame, len, n->mac, tip)) {
			r.answered = true;
			r.rtt_us = (time_ns() - last_send) / 1000;
			memcpy(r.their_mac, frame + 22, 6);
			return r;
		}
	}
	return r;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return -1;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static void test_identity(struct nic *n)
{
	const struct pci_dev *d = nic_pci_dev();
	const struct nic_driver *drv = nic_driver_of();

	report(d && drv && nic_driver_for(d->vendor, d->device) == drv &&
	       d->class_code == PCI_CLASS_NETWORK,
	       "%s (%s) attached by PCI ID %04x:%04x at " PCI_BDF_FMT, n->driver,
	       drv ? drv->name : "?", d ? d->vendor : 0, d ? d->device : 0,
	       d ? d->bus : 0, d ? d->dev : 0, d ? d->fn : 0);

	const uint8_t *m = n->mac;
	bool zero = !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);

	report(!zero && !(m[0] & 1), "MAC %02x:%02x:%02x:%02x:%02x:%02x is a unicast address",
	       m[0], m[1], m[2], m[3], m[4], m[5]);
	if (!opt_nic_expect_mac.given) {
		report_skip("MAC as configured: no nic_expect_mac= on the command line");
	} else {
		uint8_t want[6];

		if (parse_mac(opt_nic_expect_mac.s, want))
			report(false, "nic_expect_mac='%s' is not a MAC (aa:bb:cc:dd:ee:ff)",
			       opt_nic_expect_mac.s);
		else
			report(!memcmp(want, m, 6), "MAC matches nic_expect_mac=%s",
			       opt_nic_expect_mac.s);
	}
	report(n->link_up(n), "link is up");
}

static void test_virtio(struct nic *n)
{
	struct virtio_net_info vi;

	if (!virtio_net_info(n, &vi))
		return;
	bool v1 = vi.features & VIRTIO_F_BIT(VIRTIO_F_VERSION_1);
	bool mrg = vi.features & VIRTIO_F_BIT(VIRTIO_NET_F_MRG_RXBUF);

	report_info("virtio-net %s: offered 0x%llx, negotiated 0x%llx, header %u bytes, "
		    "queues %u/%u, buffers %u/%u", vi.transport,
		    (unsigned long long)vi.offered, (unsigned long long)vi.features,
		    vi.hdr_len, vi.rx_queue_size, vi.tx_queue_size, vi.rx_buffers, vi.tx_buffers);
	report(!(vi.features & ~vi.offered) && v1 == !strcmp(vi.transport, "modern") &&
	       !strcmp(n->driver, v1 ? "virtio-net-modern" : "virtio-net-legacy"),
	       "virtio: negotiated only offered features, VERSION_1 exactly on the modern "
	       "transport (%s)", vi.transport);
	report(!mrg && vi.hdr_len == (v1 ? VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY),
	       "virtio: virtio_net_hdr is %u bytes (%s, no MRG_RXBUF)", vi.hdr_len,
	       v1 ? "VERSION_1" : "legacy");
	report(vi.bad_used == 0, "virtio: every used entry named one of our buffers");
}

/* A figure, not a test: full-size frames queued and completed per
 * second, retrying on ring-full (under TCG it says little about wires). */
static void tx_figure(struct nic *n)
{
	unsigned sent = 0, full = 0;
	uint64_t start = time_ns(), ns;

	memset(frame + ETH_HDR_LEN, 0, 1500);
	while (sent < TX_FIGURE_FRAMES && time_ns() - start < 2000000000ull) {
		if (n->send(n, frame, 1514) == 0)
			sent++;
		else
			full++;
	}
	ns = time_ns() - start;
	if (!ns)
		ns = 1;
	/* Integers only: report_info formats in general-registers-only
	 * code (src/lib), where a double argument would not arrive. */
	report_info("transmit: %u frames of 1514 bytes in %llu us: %llu frames/s, "
		    "%llu Mbit/s (%u ring-full retries)", sent, (unsigned long long)ns / 1000,
		    (unsigned long long)sent * 1000000000ull / ns,
		    (unsigned long long)sent * 1514 * 8 * 1000 / ns, full);
	record_emitf(REC_BENCH, "{\"name\":\"nic_tx\",\"driver\":\"%s\","
		     "\"frame_bytes\":1514,\"frames\":%u,\"ns\":%llu,"
		     "\"ring_full_retries\":%u}", n->driver, sent,
		     (unsigned long long)ns, full);
}

static void test_frames(struct nic *n)
{
	uint64_t tx0 = n->tx_frames, rx0, full0;

	memset(frame, 0, sizeof(frame));
	report(n->send(n, frame, 13) == -1 && n->send(n, frame, 1515) == -1 &&
	       n->tx_frames == tx0, "frames shorter than a header or longer than 1514 "
	       "bytes are refused");
	tx0 = n->tx_frames;
	rx0 = n->rx_frames;
	full0 = n->tx_ring_full;
	if (!qemu_detect()) {
		report_skip("ARP round trip: needs QEMU's -netdev user (slirp at 10.0.2.2)");
		return;
	}
	struct arp_result r = arp_exchange(n, gateway_ip, ARP_TIMEOUT_MS);

	if (!r.answered) {
		report(false, "ARP round trip with slirp: no reply from 10.0.2.2 in %u ms "
		       "(%u requests, %u other frames)", ARP_TIMEOUT_MS, r.sent, r.frames_seen);
		return;
	}
	report(true, "ARP round trip with slirp: 10.0.2.2 is at "
	       "%02x:%02x:%02x:%02x:%02x:%02x (%u requests, %u frames seen, %llu us)",
	       r.their_mac[0], r.their_mac[1], r.their_mac[2], r.their_mac[3],
	       r.their_mac[4], r.their_mac[5], r.sent, r.frames_seen,
	       (unsigned long long)r.rtt_us);
	unsigned sent = r.sent;

	/* Negative control for the matcher: slirp owns only .2 and .3. */
	r = arp_exchange(n, nobody_ip, NO_REPLY_MS);
	sent += r.sent;
	report(!r.answered && r.sent > 0, "no ARP reply for 10.0.2.99, which nobody owns "
	       "(%u requests)", r.sent);
	report(n->tx_frames - tx0 == sent && n->rx_frames - rx0 >= 1 &&
	       n->tx_ring_full == full0, "counters: %llu frames sent, %llu received",
	       (unsigned long long)(n->tx_frames - tx0), (unsigned long long)(n->rx_frames - rx0));

	/* A burst larger than any ring: each send is queued or refused as
	 * ring-full, never lost or hung, and the ring drains afterwards. */
	unsigned ok = 0, refused = 0;

	memset(frame, 0xff, 6);
	memcpy(frame + 6, n->mac, 6);
	put16(frame + 12, ETH_P_TEST);
	tx0 = n->tx_frames;
	full0 = n->tx_ring_full;
	for (unsigned i = 0; i < 1024; i++) {
		if (n->send(n, frame, 64) == 0)
			ok++;
		else
			refused++;
	}
	report(n->tx_frames - tx0 == ok && n->tx_ring_full - full0 == refused,
	       "burst of 1024 frames: %u queued, %u refused as ring-full, all counted", ok,
	       refused);
	bool drained = false;
	uint64_t start = time_ns();

	while (!drained && time_ns() - start < 2000000000ull) {
		drained = n->send(n, frame, 64) == 0;
		udelay(1000);
	}
	report(drained, "the transmit ring drains after the burst");
	tx_figure(n);
	while (n->recv(n, frame, sizeof(frame)))
		;	/* leave nothing of ours behind for whoever comes next */
}

static void test_nic(void)
{
	struct nic *n = nic_probe();

	if (!n) {
		report_skip("no supported NIC: results go to serial only");
		return;
	}
	test_identity(n);
	test_virtio(n);
	test_frames(n);
}

SUITE(nic, test_nic, SUITE_OPTIONAL);
