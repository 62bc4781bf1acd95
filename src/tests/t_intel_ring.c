/*
 * t_intel_ring.c - the Intel driver's ring protocol against a device
 * played by this file: the "registers" are a page-aligned array in RAM,
 * and the test does what the NIC would (fetch between head and tail,
 * write DD back, fill receive buffers). That reaches what QEMU never
 * produces: receive errors, frames spanning buffers, a transmit ring the
 * device never drains. Each safety check runs twice: on the driver as
 * built, and on the driver with that guard switched off
 * (INTEL_UNSAFE_*), where the same check must fail.
 */
#include <string.h>

#include "drivers/intel_regs.h"
#include "lib/report.h"
#include "tests/t_intel_ring.h"

#define N_RX	INTEL_RX_DESCS
#define N_TX	INTEL_TX_DESCS

struct model {
	/* The register window the driver writes; each model its own. */
	uint32_t regs[INTEL_REGS_MODEL_BYTES / 4] __attribute__((aligned(4096)));
	struct intel_dev d;
	struct nic n;
	unsigned rx_head;	/* next descriptor the "device" fills */
	unsigned tx_head;	/* next descriptor the "device" sends */
	unsigned tx_sent;	/* frames the "device" took, checked */
	unsigned tx_bad;	/* frames whose descriptor or bytes were wrong */
};

static uint32_t reg(const struct model *m, unsigned off)
{
	return ((const volatile uint32_t *)m->regs)[off / 4];
}

static bool model_start(struct model *m, unsigned unsafe)
{
	char err[160];

	intel_dev_free(&m->d);
	memset(m, 0, sizeof(*m));
	m->d.regs = (volatile uint8_t *)m->regs;
	m->d.model = intel_find_model(0x8086, 0x100e);
	m->d.unsafe = unsafe;
	if (intel_dev_start(&m->d, &m->n, err, sizeof(err)) < 0) {
		report(false, "ring model: start: %s", err);
		return false;
	}
	return true;
}

/* A frame whose bytes say which one it is. */
static size_t make_frame(uint8_t *f, unsigned seq, size_t len)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, "\x52\x54\x00\x00\x00\x01", 6);
	f[12] = 0x88;
	f[13] = 0xb5;	/* IEEE local experimental EtherType */
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	return len;
}

/* Device side, transmit: take every descriptor from head to TDT, check
 * it against the frame the test sent as number `first + k`. */
static unsigned dev_tx(struct model *m, unsigned first, size_t len)
{
	unsigned tdt = reg(m, INTEL_TDT), k = 0;
	uint8_t want[INTEL_FRAME_MAX];

	while (m->tx_head != tdt) {
		struct intel_tx_desc *t = &m->d.tx[m->tx_head];

		make_frame(want, first + k, len);
		if (t->cmd != (INTEL_TXD_CMD_EOP | INTEL_TXD_CMD_IFCS | INTEL_TXD_CMD_RS) ||
		    t->length != len || memcmp((void *)(uintptr_t)t->addr, want, len) != 0)
			m->tx_bad++;
		t->status |= INTEL_TXD_STAT_DD;
		m->tx_head = (m->tx_head + 1) % N_TX;
		m->regs[INTEL_TDH / 4] = m->tx_head;
		m->tx_sent++;
		k++;
	}
	return k;
}

/* Frames the device can still see queued: TDT - TDH. */
static unsigned dev_tx_pending(struct model *m)
{
	return (reg(m, INTEL_TDT) + N_TX - m->tx_head) % N_TX;
}

/* Device side, receive: one buffer of the next descriptor, if the
 * driver has given it one (head != RDT). */
static bool dev_rx(struct model *m, const uint8_t *data, size_t len, uint8_t status,
		   uint8_t errors)
{
	if (m->rx_head == reg(m, INTEL_RDT))
		return false;
	struct intel_rx_desc *r = &m->d.rx[m->rx_head];

	memcpy((void *)(uintptr_t)r->addr, data, len);
	r->length = (uint16_t)len;
	r->errors = errors;
	r->status = INTEL_RXD_STAT_DD | status;
	m->rx_head = (m->rx_head + 1) % N_RX;
	m->regs[INTEL_RDH / 4] = m->rx_head;
	return true;
}

static unsigned dev_rx_owned(struct model *m)
{
	return (reg(m, INTEL_RDT) + N_RX - m->rx_head) % N_RX;
}

static void test_setup(struct model *m)
{
	uint32_t rctl = reg(m, INTEL_RCTL), tctl = reg(m, INTEL_TCTL);
	bool addrs_ok = true;

	for (unsigned i = 0; i < N_RX; i++)
		for (unsigned j = 0; j < i; j++)
			addrs_ok &= m->d.rx[i].addr && m->d.rx[i].addr != m->d.rx[j].addr;
	report(reg(m, INTEL_RDBAL) == (uint32_t)(uintptr_t)m->d.rx && reg(m, INTEL_RDLEN) == N_RX * 16 &&
	       reg(m, INTEL_TDBAL) == (uint32_t)(uintptr_t)m->d.tx && reg(m, INTEL_TDLEN) == N_TX * 16 &&
	       (reg(m, INTEL_RDBAL) & 0xf) == 0 && (reg(m, INTEL_TDBAL) & 0xf) == 0,
	       "ring model: rings of %u+%u descriptors programmed, 16-byte aligned", N_RX, N_TX);
	report(addrs_ok && dev_rx_owned(m) == N_RX - 1,
	       "ring model: %u distinct rx buffers handed to the device, one held back",
	       dev_rx_owned(m));
	report((rctl & (INTEL_RCTL_EN | INTEL_RCTL_BAM | INTEL_RCTL_SECRC)) ==
	       (INTEL_RCTL_EN | INTEL_RCTL_BAM | INTEL_RCTL_SECRC) &&
	       !(rctl & (INTEL_RCTL_BSIZE_MASK | INTEL_RCTL_BSEX | INTEL_RCTL_UPE |
			 INTEL_RCTL_MPE | INTEL_RCTL_LPE)),
	       "ring model: RCTL 0x%08x: EN, BAM, SECRC, 2048-byte buffers, no promiscuity", rctl);
	report((tctl & (INTEL_TCTL_EN | INTEL_TCTL_PSP)) == (INTEL_TCTL_EN | INTEL_TCTL_PSP) &&
	       (tctl >> INTEL_TCTL_CT_SHIFT & 0xff) == 0x0f &&
	       (tctl >> INTEL_TCTL_COLD_SHIFT & 0x3ff) == m->d.model->tctl_cold &&
	       reg(m, INTEL_TIPG) == m->d.model->tipg,
	       "ring model: TCTL 0x%08x (EN, PSP, CT 15, COLD 0x%x), TIPG 0x%08x", tctl,
	       m->d.model->tctl_cold, reg(m, INTEL_TIPG));
}

static void test_tx(struct model *m)
{
	uint8_t f[INTEL_FRAME_MAX];
	unsigned seq = 0, ok = 0;

	/* Three laps of the ring, the device draining every fifth frame. */
	for (unsigned i = 0; i < 3 * N_TX; i++) {
		ok += m->n.send(&m->n, f, make_frame(f, seq++, 100)) == 0;
		if (i % 5 == 4)
			dev_tx(m, seq - 5, 100);
	}
	dev_tx(m, seq - dev_tx_pending(m), 100);
	report(ok == 3 * N_TX && m->tx_sent == 3 * N_TX && m->tx_bad == 0 &&
	       m->n.tx_frames == 3 * N_TX,
	       "ring model: %u frames over 3 laps reach the device in order, bytes and "
	       "EOP|IFCS|RS intact (%u bad)", m->tx_sent, m->tx_bad);
	report(m->n.send(&m->n, f, 13) == -1 && m->n.send(&m->n, f, INTEL_FRAME_MAX + 1) == -1 &&
	       m->d.tx_rejected == 2 && m->n.tx_frames == 3 * N_TX,
	       "ring model: a 13-byte and a %u-byte frame are refused, nothing queued",
	       INTEL_FRAME_MAX + 1);
}

/* Queue frames the device never takes. Returns whether every accepted
 * frame is still visible to the device (TDT - TDH == accepted). */
static bool tx_fill(struct model *m, unsigned *accepted)
{
	uint8_t f[64];

	*accepted = 0;
	for (unsigned i = 0; i < N_TX + 2; i++)
		*accepted += m->n.send(&m->n, f, make_frame(f, i, 64)) == 0;
	return dev_tx_pending(m) == *accepted;
}

static void test_tx_full(struct model *m, struct model *unsafe)
{
	uint8_t f[64];
	unsigned accepted;
	bool visible = tx_fill(m, &accepted);

	report(visible && accepted == N_TX - 1 && m->n.tx_ring_full == 3,
	       "ring model: device stalled: %u of %u sends accepted, all %u still queued, "
	       "the rest -1 and counted (tx_ring_full %llu)", accepted, N_TX + 2,
	       dev_tx_pending(m), (unsigned long long)m->n.tx_ring_full);
	dev_tx(m, 0, 64);
	report(m->n.send(&m->n, f, make_frame(f, 0, 64)) == 0 && m->tx_bad == 0,
	       "ring model: once the device has drained, send works again");

	visible = tx_fill(unsafe, &accepted);
	report(!visible, "negative control: without the full check %u sends are accepted "
	       "but the device sees %u queued (head == tail reads as empty)",
	       accepted, dev_tx_pending(unsafe));
}

static void test_rx(struct model *m)
{
	uint8_t f[INTEL_FRAME_MAX], buf[INTEL_BUF_BYTES];
	unsigned good = 0;

	report(m->n.recv(&m->n, buf, sizeof(buf)) == 0, "ring model: nothing received yet");
	/* A descriptor without DD is the device's, even if its bytes look
	 * finished. */
	struct intel_rx_desc *r = &m->d.rx[m->rx_head];

	memcpy((void *)(uintptr_t)r->addr, f, make_frame(f, 1, 60));
	r->length = 60;
	r->status = INTEL_RXD_STAT_EOP;
	report(m->n.recv(&m->n, buf, sizeof(buf)) == 0 && m->n.rx_frames == 0,
	       "ring model: a descriptor without DD is not taken");
	r->status = 0;

	/* Three laps, one frame at a time: order, bytes, and the device
	 * always owning all but one descriptor. */
	bool owned_ok = true;

	for (unsigned i = 0; i < 3 * N_RX; i++) {
		size_t len = make_frame(f, i, 60 + i);

		dev_rx(m, f, len, INTEL_RXD_STAT_EOP, 0);
		good += m->n.recv(&m->n, buf, sizeof(buf)) == len && memcmp(buf, f, len) == 0;
		owned_ok &= dev_rx_owned(m) == N_RX - 1;
	}
	report(good == 3 * N_RX && owned_ok && m->n.rx_frames == 3 * N_RX,
	       "ring model: %u frames over 3 laps arrive in order and intact; every "
	       "buffer goes back (device owns %u after each)", good, dev_rx_owned(m));

	/* Burst: the device fills all it owns, then has no room. */
	unsigned filled = 0;

	while (dev_rx(m, f, make_frame(f, filled, 60), INTEL_RXD_STAT_EOP, 0))
		filled++;
	good = 0;
	for (unsigned i = 0; i < filled; i++) {
		make_frame(f, i, 60);
		good += m->n.recv(&m->n, buf, sizeof(buf)) == 60 && memcmp(buf, f, 60) == 0;
	}
	report(filled == N_RX - 1 && good == filled,
	       "ring model: a burst of %u fills the ring; all are read back in order", filled);
	/* The next descriptor still holds the previous lap's frame with DD
	 * set, unless the driver cleared it when it gave the buffer back. */
	unsigned next = m->d.rx_next;
	size_t got = m->n.recv(&m->n, buf, sizeof(buf));

	report(got == 0 && m->d.rx_next == next && m->n.rx_dropped == 0,
	       "ring model: a descriptor not refilled since the last lap is not read again "
	       "(no stale DD; got %zu bytes, %llu drops in all of the above)", got,
	       (unsigned long long)m->n.rx_dropped);
}

/* Deliver one frame with `errors`, then a good one. True if the bad one
 * was not handed on, the good one was, and exactly one drop counted. */
static bool rx_error_dropped(struct model *m, uint8_t errors)
{
	uint8_t f[64], buf[INTEL_BUF_BYTES];
	uint64_t dropped = m->n.rx_dropped;

	dev_rx(m, f, make_frame(f, 1, 64), INTEL_RXD_STAT_EOP, errors);
	dev_rx(m, f, make_frame(f, 2, 64), INTEL_RXD_STAT_EOP, 0);
	size_t got = m->n.recv(&m->n, buf, sizeof(buf));

	return got == 64 && buf[14] == f[14] && m->n.rx_dropped == dropped + 1 &&
	       m->n.recv(&m->n, buf, sizeof(buf)) == 0;
}

static void test_rx_drops(struct model *m, struct model *unsafe)
{
	uint8_t f[INTEL_BUF_BYTES], buf[INTEL_BUF_BYTES];
	unsigned ok = 0, bits = 0;

	for (unsigned b = 0; b < 8; b++) {
		if (!(INTEL_RXD_ERR_FRAME & (1u << b)))
			continue;
		bits++;
		ok += rx_error_dropped(m, (uint8_t)(1u << b));
	}
	report(ok == bits, "ring model: frames with each of the %u frame-error bits are "
	       "dropped and counted; the next frame still arrives", bits);
	report(!rx_error_dropped(unsafe, 0x01),
	       "negative control: without the error check a CRC-error frame is handed on");

	/* A frame over three buffers (no EOP, no EOP, EOP): one drop, and
	 * not one piece of it is handed on. */
	uint64_t dropped = m->n.rx_dropped;

	make_frame(f, 3, 1000);
	dev_rx(m, f, 256, 0, 0);
	dev_rx(m, f + 256, 256, 0, 0);
	dev_rx(m, f + 512, 488, INTEL_RXD_STAT_EOP, 0);
	dev_rx(m, f, make_frame(f, 4, 80), INTEL_RXD_STAT_EOP, 0);
	size_t got = m->n.recv(&m->n, buf, sizeof(buf));

	report(got == 80 && memcmp(buf, f, 80) == 0 && m->n.rx_dropped == dropped + 1,
	       "ring model: a frame spanning 3 buffers is dropped once (rx_dropped +%llu), "
	       "the frame after it arrives", (unsigned long long)(m->n.rx_dropped - dropped));

	/* Runt, and a frame larger than the caller's buffer: dropped, never
	 * truncated. */
	dropped = m->n.rx_dropped;
	dev_rx(m, f, 10, INTEL_RXD_STAT_EOP, 0);
	dev_rx(m, f, make_frame(f, 5, 200), INTEL_RXD_STAT_EOP, 0);
	report(m->n.recv(&m->n, buf, 100) == 0 && m->n.rx_dropped == dropped + 2,
	       "ring model: a 10-byte runt and a 200-byte frame offered 100 bytes are dropped");
}

void intel_ring_model_tests(void)
{
	static struct model m, unsafe_tx, unsafe_rx;

	if (!model_start(&m, 0))
		return;
	test_setup(&m);
	test_tx(&m);
	if (model_start(&m, 0) && model_start(&unsafe_tx, INTEL_UNSAFE_NO_TX_FULL_CHECK))
		test_tx_full(&m, &unsafe_tx);
	if (model_start(&m, 0))
		test_rx(&m);
	if (model_start(&m, 0) && model_start(&unsafe_rx, INTEL_UNSAFE_NO_RX_ERR_CHECK))
		test_rx_drops(&m, &unsafe_rx);
	intel_dev_free(&m.d);
	intel_dev_free(&unsafe_tx.d);
	intel_dev_free(&unsafe_rx.d);
}
