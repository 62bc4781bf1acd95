/*
 * intel.c - Intel legacy-descriptor gigabit NICs: 8254x ("e1000",
 * QEMU's default NIC) and 82574 ("e1000e", QEMU's -device e1000e). One
 * driver for the family, as iPXE's intel.c does: a table of PCI IDs, each
 * with a name and a few quirk bits, and one code path that the quirks
 * steer. Polled only: every interrupt cause stays masked (IMC), nothing
 * here runs from interrupt or NMI context, and nothing waits unbounded.
 *
 * Memory: rings and buffers come from palloc_page(), identity mapped, so
 * a pointer is its own bus address. The CPU caches them write-back; x86
 * DMA is cache-coherent, so no flushes are needed, only ordering (below).
 */
#include <stdio.h>
#include <string.h>

#include "arch/cpu.h"
#include "arch/pagetable.h"
#include "arch/tsc.h"
#include "drivers/intel_regs.h"
#include "drivers/nic.h"
#include "drivers/pci.h"
#include "mem/palloc.h"

/*
 * The table. To add a part: its device ID, its name, its Linux driver
 * family, the quirks it needs (intel_regs.h, INTEL_Q_*), and its TIPG
 * and full-duplex collision distance from its manual. A part is listed
 * only with a quirk set complete for it; these need more first:
 *
 *  - I217/I218/I219 (8086:153a, 153b, 155a, 1559, 15a0-15a3, 15b7-15b9,
 *    15bb-15be, 15d6-15d8, 15e3, 15f4, 15f9-15fc, 1a1c-1a1f, ...), the
 *    MACs inside the PCH: no EERD (the NVM is the platform's SPI flash),
 *    so RAL0/RAH0 must be valid or the attach fails; the software flag
 *    (EXTCNF_CTRL bit 5, the bit MDIO_SW_OWN takes) held across CTRL.RST;
 *    after reset wait STATUS.LAN_INIT_DONE, not EECD.AUTO_RD; firmware
 *    may leave the PHY in ULP or SMBus mode, and it has to be brought
 *    back to PCIe access (Linux: e1000_init_phy_workarounds_pchlan) or
 *    the link never comes up; never CTRL.PHY_RST (iPXE INTEL_NO_PHY_RST).
 *    I219 also: a MAC reset with descriptors in flight can hang it (Linux
 *    flushes the rings first, e1000_flush_desc_rings; iPXE
 *    INTEL_RST_HANG), and FEXTNVM11 bit 13 is set again after reset,
 *    before TCTL.EN.
 *  - I210/I211 (8086:1533, 1536-1539, 157b, 157c) and I350 (8086:1521-
 *    1524): large EERD (I211 has only iNVM: RAL0 only) and PCIe, plus
 *    per-queue enables: RXDCTL/TXDCTL bit 25 set after the ring
 *    registers, polled until it reads back, before the tail is written;
 *    reset done is EEMNGCTL.CFG_DONE (per port) after EECD.AUTO_RD; NVM
 *    and PHY access through the SW_FW_SYNC semaphore; receive descriptors
 *    are legacy only with SRRCTL(0).DESCTYPE 0, so program it; TIPG from
 *    the datasheet.
 */
#define INTEL_MODELS(X)							\
	/* 8254x: EERD small layout; manual: IPGT 10, IPGR1 8, IPGR2 6;	\
	 * collision distance 64 byte times at full duplex. Device IDs	\
	 * that Linux's e1000 maps to the same MAC type (e1000_82540). */	\
	X(0x100e, "82540EM", "e1000", 0, 0x0060200a, 0x40)		\
	X(0x1015, "82540EM-LOM", "e1000", 0, 0x0060200a, 0x40)	\
	X(0x1016, "82540EP-LOM", "e1000", 0, 0x0060200a, 0x40)	\
	X(0x1017, "82540EP", "e1000", 0, 0x0060200a, 0x40)		\
	X(0x101e, "82540EP-LP", "e1000", 0, 0x0060200a, 0x40)		\
	/* 82545EM copper: same MAC registers; QEMU's e1000-82545em. */	\
	X(0x100f, "82545EM", "e1000", 0, 0x0060200a, 0x40)		\
	/* 82574L/LA (Linux board_82574): large EERD, PCIe, MDIO	\
	 * ownership around reset, NVM auto-read; IPGT 8 and collision	\
	 * distance 63 as Linux's e1000e programs them. */		\
	X(0x10d3, "82574L", "e1000e", INTEL_Q_EERD_LARGE | INTEL_Q_PCIE |	\
	  INTEL_Q_MDIO_SW_OWN | INTEL_Q_AUTO_RD, 0x00602008, 0x3f)	\
	X(0x10f6, "82574LA", "e1000e", INTEL_Q_EERD_LARGE | INTEL_Q_PCIE |	\
	  INTEL_Q_MDIO_SW_OWN | INTEL_Q_AUTO_RD, 0x00602008, 0x3f)

#define INTEL_VENDOR		0x8086
#define INTEL_MAX_DEVICES	4

#define AS_MODEL(dev, nm, fam, q, ipg, cold) \
	{ .device = dev, .name = nm, .family = fam, .quirks = q, .tipg = ipg, .tctl_cold = cold },
#define AS_PCI_ID(dev, nm, fam, q, ipg, cold)	{ INTEL_VENDOR, dev },

static const struct intel_model intel_models[] = { INTEL_MODELS(AS_MODEL) };
static const struct pci_id intel_ids[] = { INTEL_MODELS(AS_PCI_ID) { 0, 0 } };

/* Bounded waits. */
#define RESET_SETTLE_MS		20	/* after CTRL.RST, before any access (iPXE: 20) */
#define RESET_DONE_MS		100
#define DMA_QUIESCE_MS		10	/* units off: let fetches in flight land */
#define GIO_MASTER_MS		80	/* Linux: 800 polls of 100 us */
#define MDIO_OWN_TRIES		100	/* 2 ms apart */
#define AUTO_RD_MS		10	/* Linux: AUTO_READ_DONE_TIMEOUT */
#define EERD_POLLS		10000	/* 10 us apart: 100 ms */
#define TCTL_CT			0x0f	/* collision threshold (retries), manual's value */

static struct intel_dev devices[INTEL_MAX_DEVICES];

const struct intel_model *intel_find_model(uint16_t vendor, uint16_t device)
{
	if (vendor != INTEL_VENDOR)
		return NULL;
	for (size_t i = 0; i < sizeof(intel_models) / sizeof(intel_models[0]); i++)
		if (intel_models[i].device == device)
			return &intel_models[i];
	return NULL;
}

const struct intel_model *intel_model_at(unsigned i)
{
	return i < sizeof(intel_models) / sizeof(intel_models[0]) ? &intel_models[i] : NULL;
}

uint32_t intel_read(const struct intel_dev *d, unsigned off)
{
	return *(volatile uint32_t *)(d->regs + off);
}

void intel_write(struct intel_dev *d, unsigned off, uint32_t val)
{
	*(volatile uint32_t *)(d->regs + off) = val;
}

static void mdelay(unsigned ms)
{
	udelay((uint64_t)ms * 1000);
}

/* Poll until (reg & mask) == want, at most timeout_ms. */
static bool wait_reg(struct intel_dev *d, unsigned off, uint32_t mask, uint32_t want,
		     unsigned timeout_ms)
{
	for (unsigned i = 0; i <= timeout_ms * 10; i++) {
		if ((intel_read(d, off) & mask) == want)
			return true;
		udelay(100);
	}
	return false;
}

/*
 * Ordering of the descriptor protocol. x86 keeps stores in order with
 * other stores and loads in order with other loads (SDM vol. 3, 8.2.2),
 * and an uncached store to a tail register is not made visible ahead of
 * earlier write-back stores; so the CPU never needs a fence here. The
 * compiler, though, may move plain (non-volatile) descriptor and buffer
 * accesses across the volatile register and status accesses; these
 * barriers forbid exactly that.
 */
static inline void dma_wmb(void) { barrier(); }	/* ring writes before a tail write */
static inline void dma_rmb(void) { barrier(); }	/* DD read before the rest */

static inline uint8_t desc_status(const volatile uint8_t *status)
{
	return *status;
}

/* ---- MAC address ---- */

static bool mac_usable(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	/* Bit 0 of the first octet marks group (multicast/broadcast). */
	return memcmp(mac, zero, 6) != 0 && !(mac[0] & 1);
}

bool intel_mac_from_ral(const struct intel_dev *d, uint8_t mac[6])
{
	uint32_t lo = intel_read(d, INTEL_RAL0), hi = intel_read(d, INTEL_RAH0);

	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> (8 * i));
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
	return (hi & INTEL_RAH_AV) && mac_usable(mac);
}

static int eerd_read(struct intel_dev *d, bool large, unsigned word, uint16_t *val)
{
	uint32_t done = large ? INTEL_EERD_DONE_LARGE : INTEL_EERD_DONE_SMALL;
	unsigned shift = large ? INTEL_EERD_ADDR_SHIFT_LARGE : INTEL_EERD_ADDR_SHIFT_SMALL;

	intel_write(d, INTEL_EERD, INTEL_EERD_START | word << shift);
	for (unsigned i = 0; i < EERD_POLLS; i++) {
		uint32_t v = intel_read(d, INTEL_EERD);

		if (v & done) {
			*val = (uint16_t)(v >> INTEL_EERD_DATA_SHIFT);
			return 0;
		}
		udelay(10);
	}
	return -1;
}

int intel_mac_from_eerd(struct intel_dev *d, bool large, uint8_t mac[6], char *err, size_t errlen)
{
	/* NVM words 0-2 hold the MAC, low octet first in each word. */
	for (unsigned w = 0; w < 3; w++) {
		uint16_t v;

		if (eerd_read(d, large, w, &v) < 0) {
			snprintf(err, errlen, "EERD read of NVM word %u (%s layout) never "
				 "completed", w, large ? "82574" : "8254x");
			return -1;
		}
		mac[2 * w] = (uint8_t)v;
		mac[2 * w + 1] = (uint8_t)(v >> 8);
	}
	return 0;
}

static int read_mac(struct intel_dev *d, uint8_t mac[6], char *err, size_t errlen)
{
	if (intel_mac_from_ral(d, mac))
		return 0;
	/* Nothing valid autoloaded into RAL0: read the NVM, then program
	 * RAL0 so the unicast filter accepts frames to that address. */
	if (intel_mac_from_eerd(d, d->model->quirks & INTEL_Q_EERD_LARGE, mac, err, errlen) < 0)
		return -1;
	if (!mac_usable(mac)) {
		snprintf(err, errlen, "no usable MAC: RAL0/RAH0 invalid and NVM holds "
			 "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
			 mac[4], mac[5]);
		return -1;
	}
	intel_write(d, INTEL_RAL0, mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24);
	intel_write(d, INTEL_RAH0, mac[4] | mac[5] << 8 | INTEL_RAH_AV);
	return 0;
}

/* ---- reset ---- */

static int intel_reset(struct intel_dev *d, char *err, size_t errlen)
{
	unsigned q = d->model->quirks;
	bool mdio_owned = false;

	/* This driver polls: mask every cause firmware may have enabled,
	 * and again after the reset. */
	intel_write(d, INTEL_IMC, 0xffffffffu);
	/* Stop both units, then give DMA already started time to finish:
	 * resetting the MAC mid-transfer can wedge the bus (Linux waits the
	 * same 10 ms). Reading STATUS pushes the posted writes out first. */
	intel_write(d, INTEL_RCTL, 0);
	intel_write(d, INTEL_TCTL, intel_read(d, INTEL_TCTL) & ~INTEL_TCTL_EN);
	(void)intel_read(d, INTEL_STATUS);
	mdelay(DMA_QUIESCE_MS);

	if (q & INTEL_Q_PCIE) {
		/* A PCIe MAC reset while a read completion is outstanding can
		 * leave the link stuck: block new master requests and wait for
		 * the device to report none in flight. A timeout is survivable
		 * (Linux goes on too); the reset below still runs. */
		intel_write(d, INTEL_CTRL, intel_read(d, INTEL_CTRL) | INTEL_CTRL_GIO_MASTER_DISABLE);
		(void)wait_reg(d, INTEL_STATUS, INTEL_STATUS_GIO_MASTER_EN, 0, GIO_MASTER_MS);
	}
	if (q & INTEL_Q_MDIO_SW_OWN) {
		/* 82574: firmware and software share the PHY/NVM interface;
		 * software must own it across the MAC reset. The bit reads
		 * back set only once firmware has let go. */
		for (unsigned i = 0; i < MDIO_OWN_TRIES && !mdio_owned; i++) {
			intel_write(d, INTEL_EXTCNF_CTRL, intel_read(d, INTEL_EXTCNF_CTRL) |
				    INTEL_EXTCNF_CTRL_MDIO_SW_OWNERSHIP);
			mdio_owned = intel_read(d, INTEL_EXTCNF_CTRL) & INTEL_EXTCNF_CTRL_MDIO_SW_OWNERSHIP;
			if (!mdio_owned)
				mdelay(2);
		}
		if (!mdio_owned) {
			snprintf(err, errlen, "EXTCNF_CTRL.MDIO_SW_OWNERSHIP not granted in %u ms",
				 MDIO_OWN_TRIES * 2);
			return -1;
		}
	}

	intel_write(d, INTEL_CTRL, intel_read(d, INTEL_CTRL) | INTEL_CTRL_RST);
	/* Registers must not be touched while the reset runs. */
	mdelay(RESET_SETTLE_MS);
	if (!wait_reg(d, INTEL_CTRL, INTEL_CTRL_RST, 0, RESET_DONE_MS)) {
		snprintf(err, errlen, "CTRL.RST still set %u ms after reset",
			 RESET_SETTLE_MS + RESET_DONE_MS);
		return -1;
	}
	if (mdio_owned)		/* reset hands it to firmware; make sure */
		intel_write(d, INTEL_EXTCNF_CTRL, intel_read(d, INTEL_EXTCNF_CTRL) &
			    ~INTEL_EXTCNF_CTRL_MDIO_SW_OWNERSHIP);
	if ((q & INTEL_Q_AUTO_RD) &&
	    !wait_reg(d, INTEL_EECD, INTEL_EECD_AUTO_RD, INTEL_EECD_AUTO_RD, AUTO_RD_MS)) {
		/* RAL0 and the PHY settings come from the NVM auto-read. */
		snprintf(err, errlen, "EECD.AUTO_RD not set %u ms after reset", AUTO_RD_MS);
		return -1;
	}
	intel_write(d, INTEL_IMC, 0xffffffffu);
	(void)intel_read(d, INTEL_ICR);		/* drop causes latched so far */
	return 0;
}

/* ---- rings ---- */

static void *page(void)
{
	return (void *)(uintptr_t)palloc_page();
}

static int alloc_rings(struct intel_dev *d)
{
	/* A page is 4 KiB aligned: far beyond the 16-byte ring alignment,
	 * and no ring (512 bytes) crosses a page. Two buffers per page. */
	_Static_assert(INTEL_RX_DESCS * sizeof(struct intel_rx_desc) <= PAGE_SIZE, "rx ring fits a page");
	_Static_assert(INTEL_TX_DESCS * sizeof(struct intel_tx_desc) <= PAGE_SIZE, "tx ring fits a page");
	_Static_assert(INTEL_RX_DESCS % 8 == 0 && INTEL_TX_DESCS % 8 == 0, "ring bytes multiple of 128");
	_Static_assert(INTEL_RX_DESCS % 2 == 0 && INTEL_TX_DESCS % 2 == 0, "two buffers per page");

	d->rx = page();
	d->tx = page();
	if (!d->rx || !d->tx)
		return -1;
	for (unsigned i = 0; i < INTEL_RX_DESCS; i += 2) {
		uint8_t *p = page();

		if (!p)
			return -1;
		d->rx_buf[i] = p;
		d->rx_buf[i + 1] = p + INTEL_BUF_BYTES;
	}
	for (unsigned i = 0; i < INTEL_TX_DESCS; i += 2) {
		uint8_t *p = page();

		if (!p)
			return -1;
		d->tx_buf[i] = p;
		d->tx_buf[i + 1] = p + INTEL_BUF_BYTES;
	}
	return 0;
}

void intel_dev_free(struct intel_dev *d)
{
	if (d->rx)
		pfree_page((uintptr_t)d->rx);
	if (d->tx)
		pfree_page((uintptr_t)d->tx);
	for (unsigned i = 0; i < INTEL_RX_DESCS; i += 2)
		if (d->rx_buf[i])
			pfree_page((uintptr_t)d->rx_buf[i]);
	for (unsigned i = 0; i < INTEL_TX_DESCS; i += 2)
		if (d->tx_buf[i])
			pfree_page((uintptr_t)d->tx_buf[i]);
	d->rx = NULL;
	d->tx = NULL;
	memset(d->rx_buf, 0, sizeof(d->rx_buf));
	memset(d->tx_buf, 0, sizeof(d->tx_buf));
}

static uint32_t rctl_value(unsigned buf_bytes)
{
	unsigned bsize = buf_bytes == 2048 ? 0 : buf_bytes == 1024 ? 1 : buf_bytes == 512 ? 2 : 3;

	/* Broadcast (ARP, DHCP) and our unicast address; FCS stripped so a
	 * descriptor's length is the frame the stack sees. */
	return INTEL_RCTL_EN | INTEL_RCTL_BAM | INTEL_RCTL_SECRC | bsize << INTEL_RCTL_BSIZE_SHIFT;
}

int intel_set_rx_buf_bytes(struct intel_dev *d, unsigned bytes)
{
	if (bytes != 2048 && bytes != 1024 && bytes != 512 && bytes != 256)
		return -1;
	d->rx_buf_bytes = bytes;
	intel_write(d, INTEL_RCTL, rctl_value(bytes));
	return 0;
}

void intel_set_tx_enabled(struct intel_dev *d, bool on)
{
	uint32_t tctl = intel_read(d, INTEL_TCTL);

	intel_write(d, INTEL_TCTL, on ? tctl | INTEL_TCTL_EN : tctl & ~INTEL_TCTL_EN);
}

/* Advance tx_clean over descriptors the device has finished (DD). */
static void tx_reclaim(struct intel_dev *d)
{
	while (d->tx_clean != d->tx_tail &&
	       (desc_status(&d->tx[d->tx_clean].status) & INTEL_TXD_STAT_DD))
		d->tx_clean = (d->tx_clean + 1) % INTEL_TX_DESCS;
	/* A buffer is rewritten only after its DD was seen. */
	dma_rmb();
}

static int intel_send(struct nic *n, const void *frame, size_t len)
{
	struct intel_dev *d = n->priv;
	unsigned i = d->tx_tail, next = (i + 1) % INTEL_TX_DESCS;
	struct intel_tx_desc *t = &d->tx[i];

	if (len < INTEL_FRAME_MIN || len > INTEL_FRAME_MAX) {
		d->tx_rejected++;
		return -1;
	}
	tx_reclaim(d);
	/* Full when the slot after the tail is the oldest one still owned by
	 * the device: advancing the tail onto it would make head == tail,
	 * which the device reads as "empty", and the queued frames would be
	 * skipped or overwritten. */
	if (next == d->tx_clean && !(d->unsafe & INTEL_UNSAFE_NO_TX_FULL_CHECK)) {
		n->tx_ring_full++;
		return -1;
	}
	memcpy(d->tx_buf[i], frame, len);
	t->addr = (uintptr_t)d->tx_buf[i];
	t->length = (uint16_t)len;
	t->cso = 0;
	t->cmd = INTEL_TXD_CMD_EOP | INTEL_TXD_CMD_IFCS | INTEL_TXD_CMD_RS;
	t->status = 0;
	t->css = 0;
	t->special = 0;
	/* The device may fetch the descriptor, then the buffer, as soon as
	 * it sees the new tail: both must be in memory first. */
	dma_wmb();
	d->tx_tail = next;
	intel_write(d, INTEL_TDT, next);
	n->tx_frames++;
	return 0;
}

/* Give descriptor i back to the device. The device owns [RDH, RDT); the
 * one at RDT is held back so that a full ring never looks empty. Moving
 * the tail to i returns the previously held slot and holds i. */
static void rx_recycle(struct intel_dev *d, unsigned i)
{
	struct intel_rx_desc *r = &d->rx[i];

	r->length = 0;
	r->errors = 0;
	r->status = 0;	/* a stale DD would be read as a new frame */
	dma_wmb();	/* cleared status lands before the device may reuse it */
	intel_write(d, INTEL_RDT, i);
	d->rx_next = (i + 1) % INTEL_RX_DESCS;
}

static size_t intel_recv(struct nic *n, void *buf, size_t buflen)
{
	struct intel_dev *d = n->priv;

	/* Skipping bad descriptors, at most one lap of the ring per call. */
	for (unsigned lap = 0; lap < INTEL_RX_DESCS; lap++) {
		unsigned i = d->rx_next;
		struct intel_rx_desc *r = &d->rx[i];
		uint8_t status = desc_status(&r->status);

		if (!(status & INTEL_RXD_STAT_DD))
			return 0;
		/* DD is written last (with the rest of the descriptor, after
		 * the data): read length, errors and data only after it. */
		dma_rmb();
		size_t len = r->length;
		bool eop = status & INTEL_RXD_STAT_EOP;

		if (d->rx_discarding) {
			/* Tail of a frame already counted as dropped. */
			d->rx_discarding = !eop;
			rx_recycle(d, i);
			continue;
		}
		if (!eop) {
			/* Larger than one buffer: never handed on in pieces. */
			n->rx_dropped++;
			d->rx_discarding = true;
			rx_recycle(d, i);
			continue;
		}
		bool bad = (r->errors & INTEL_RXD_ERR_FRAME) &&
			   !(d->unsafe & INTEL_UNSAFE_NO_RX_ERR_CHECK);
		if (bad || len < INTEL_FRAME_MIN || len > d->rx_buf_bytes || len > buflen) {
			n->rx_dropped++;
			rx_recycle(d, i);
			continue;
		}
		memcpy(buf, d->rx_buf[i], len);
		rx_recycle(d, i);
		n->rx_frames++;
		return len;
	}
	return 0;
}

static bool intel_link_up(struct nic *n)
{
	struct intel_dev *d = n->priv;

	return intel_read(d, INTEL_STATUS) & INTEL_STATUS_LU;
}

int intel_dev_start(struct intel_dev *d, struct nic *out, char *err, size_t errlen)
{
	if (!d->rx && alloc_rings(d) < 0) {
		intel_dev_free(d);
		snprintf(err, errlen, "out of memory for rings and buffers (%u pages)",
			 2 + (INTEL_RX_DESCS + INTEL_TX_DESCS) / 2);
		return -1;
	}
	memset(d->rx, 0, PAGE_SIZE);
	memset(d->tx, 0, PAGE_SIZE);
	for (unsigned i = 0; i < INTEL_RX_DESCS; i++)
		d->rx[i].addr = (uintptr_t)d->rx_buf[i];
	d->rx_next = 0;
	d->tx_tail = 0;
	d->tx_clean = 0;
	d->rx_discarding = false;
	d->rx_buf_bytes = INTEL_BUF_BYTES;

	out->priv = d;
	out->send = intel_send;
	out->recv = intel_recv;
	out->link_up = intel_link_up;

	/* Descriptors above are plain stores; the device may read them once
	 * the base and tail registers name them. */
	dma_wmb();
	uint64_t rx_bus = (uintptr_t)d->rx, tx_bus = (uintptr_t)d->tx;

	intel_write(d, INTEL_RDBAL, (uint32_t)rx_bus);
	intel_write(d, INTEL_RDBAH, (uint32_t)(rx_bus >> 32));
	intel_write(d, INTEL_RDLEN, INTEL_RX_DESCS * sizeof(struct intel_rx_desc));
	intel_write(d, INTEL_RDH, 0);
	intel_write(d, INTEL_RDT, 0);
	intel_write(d, INTEL_TDBAL, (uint32_t)tx_bus);
	intel_write(d, INTEL_TDBAH, (uint32_t)(tx_bus >> 32));
	intel_write(d, INTEL_TDLEN, INTEL_TX_DESCS * sizeof(struct intel_tx_desc));
	intel_write(d, INTEL_TDH, 0);
	intel_write(d, INTEL_TDT, 0);
	intel_write(d, INTEL_RDTR, 0);

	intel_write(d, INTEL_RCTL, rctl_value(d->rx_buf_bytes));
	/* Every buffer but the one at the tail goes to the device. */
	intel_write(d, INTEL_RDT, INTEL_RX_DESCS - 1);
	intel_write(d, INTEL_TIPG, d->model->tipg);
	intel_write(d, INTEL_TCTL, INTEL_TCTL_EN | INTEL_TCTL_PSP |
		    TCTL_CT << INTEL_TCTL_CT_SHIFT |
		    d->model->tctl_cold << INTEL_TCTL_COLD_SHIFT);
	return 0;
}

static struct intel_dev *device_slot(struct pci_dev *pci)
{
	struct intel_dev *free_slot = NULL;

	/* A second attach of the same function reuses its rings (no leak)
	 * and starts it over. */
	for (unsigned i = 0; i < INTEL_MAX_DEVICES; i++) {
		if (devices[i].pci == pci)
			return &devices[i];
		if (!devices[i].pci && !free_slot)
			free_slot = &devices[i];
	}
	return free_slot;
}

int intel_attach(struct pci_dev *pci, struct nic *out, char *err, size_t errlen)
{
	const struct intel_model *m = intel_find_model(pci->vendor, pci->device);
	const struct pci_bar *bar = &pci->bar[0];
	struct intel_dev *d;
	volatile void *regs;
	uint8_t mac[6];

	if (!m) {
		snprintf(err, errlen, "%04x:%04x is not in the Intel driver's table",
			 pci->vendor, pci->device);
		return -1;
	}
	if (bar->io || bar->size < INTEL_MMIO_BYTES) {
		snprintf(err, errlen, "%s: BAR 0 is %s of %llu bytes, expected memory of %u",
			 m->name, bar->io ? "I/O" : "memory",
			 (unsigned long long)bar->size, INTEL_MMIO_BYTES);
		return -1;
	}
	d = device_slot(pci);
	if (!d) {
		snprintf(err, errlen, "%s: more than %d Intel NICs", m->name, INTEL_MAX_DEVICES);
		return -1;
	}
	/* Polled: INTx, MSI and MSI-X off before the device is touched. */
	pci_interrupts_off(pci);
	pci_enable(pci);
	regs = pci_map_bar(pci, 0);
	if (!regs) {
		snprintf(err, errlen, "%s: cannot map BAR 0 at 0x%llx", m->name,
			 (unsigned long long)bar->base);
		return -1;
	}
	d->regs = (volatile uint8_t *)regs;
	d->model = m;
	d->pci = pci;
	d->unsafe = 0;

	if (intel_reset(d, err, errlen) < 0 || read_mac(d, mac, err, errlen) < 0)
		return -1;
	/* Link: the MAC takes speed and duplex from the internal PHY's
	 * autonegotiation; SLU enables the link, and no forcing. The PHY is
	 * never reset (on PCH parts that loses its NVM settings). */
	uint32_t ctrl = intel_read(d, INTEL_CTRL);

	ctrl |= INTEL_CTRL_SLU;
	ctrl &= ~(INTEL_CTRL_LRST | INTEL_CTRL_FRCSPD | INTEL_CTRL_FRCDPX | INTEL_CTRL_PHY_RST |
		  INTEL_CTRL_GIO_MASTER_DISABLE);
	intel_write(d, INTEL_CTRL, ctrl);
	/* Multicast hash filter off; no checksum offload, so IPE/TCPE never
	 * mark a frame (lwIP checks sums itself). */
	for (unsigned i = 0; i < INTEL_MTA_WORDS; i++)
		intel_write(d, INTEL_MTA + 4 * i, 0);
	intel_write(d, INTEL_RXCSUM, 0);

	memset(out, 0, sizeof(*out));
	out->driver = m->family;
	out->model = m->name;
	memcpy(out->mac, mac, 6);
	return intel_dev_start(d, out, err, errlen);
}

static const struct nic_driver intel_driver = {
	.name = "intel",
	.ids = intel_ids,
	.attach = intel_attach,
};
NIC_DRIVER(intel_driver);
