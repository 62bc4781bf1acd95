/*
 * intel_regs.h - register map of Intel's legacy-descriptor gigabit NICs
 * (8254x "e1000", 8257x/82574 "e1000e", and the later parts that keep the
 * same map), the driver's per-device state, and what the suite
 * (src/tests/t_intel.c) reaches inside the driver.
 *
 * Sources: 8254x Family Software Developer's Manual (82540EM), 82574
 * GbE Controller Family Datasheet, cross-checked against QEMU 7.2's
 * hw/net/e1000_regs.h, e1000.c and e1000e_core.c.
 */
#ifndef IRQLAB_DRIVERS_INTEL_REGS_H
#define IRQLAB_DRIVERS_INTEL_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nic.h"

/* Every part in the family decodes a 128 KiB register window in BAR 0. */
#define INTEL_MMIO_BYTES	0x20000u

/* ---- registers (byte offsets into BAR 0) ---- */
#define INTEL_CTRL		0x0000
#define  INTEL_CTRL_FD		(1u << 0)	/* full duplex */
#define  INTEL_CTRL_GIO_MASTER_DISABLE (1u << 2) /* PCIe parts only */
#define  INTEL_CTRL_LRST	(1u << 3)	/* link reset */
#define  INTEL_CTRL_ASDE	(1u << 5)	/* auto speed detection */
#define  INTEL_CTRL_SLU		(1u << 6)	/* set link up */
#define  INTEL_CTRL_FRCSPD	(1u << 11)
#define  INTEL_CTRL_FRCDPX	(1u << 12)
#define  INTEL_CTRL_RST		(1u << 26)	/* device reset, self-clearing */
#define  INTEL_CTRL_PHY_RST	(1u << 31)
#define INTEL_STATUS		0x0008
#define  INTEL_STATUS_LU	(1u << 1)	/* link up */
#define  INTEL_STATUS_GIO_MASTER_EN (1u << 19)	/* PCIe: DMA still in flight */
#define INTEL_EECD		0x0010
#define  INTEL_EECD_AUTO_RD	(1u << 9)	/* NVM auto-read after reset done */
#define INTEL_EERD		0x0014
#define  INTEL_EERD_START	(1u << 0)
/* Two layouts of EERD. 8254x: done is bit 4, word address from bit 8.
 * 82574 and later (82571/2/3, I21x, I350): done is bit 1, address from
 * bit 2, to fit larger NVMs. Data is bits 31:16 in both. */
#define  INTEL_EERD_DONE_SMALL	(1u << 4)
#define  INTEL_EERD_ADDR_SHIFT_SMALL 8
#define  INTEL_EERD_DONE_LARGE	(1u << 1)
#define  INTEL_EERD_ADDR_SHIFT_LARGE 2
#define  INTEL_EERD_DATA_SHIFT	16
#define INTEL_ICR		0x00c0		/* interrupt causes, read clears */
#define INTEL_IMS		0x00d0
#define INTEL_IMC		0x00d8		/* write 1s: mask those causes */
#define INTEL_RCTL		0x0100
#define  INTEL_RCTL_EN		(1u << 1)
#define  INTEL_RCTL_UPE		(1u << 3)	/* unicast promiscuous */
#define  INTEL_RCTL_MPE		(1u << 4)	/* multicast promiscuous */
#define  INTEL_RCTL_LPE		(1u << 5)	/* long packets */
#define  INTEL_RCTL_BAM		(1u << 15)	/* accept broadcast */
#define  INTEL_RCTL_BSIZE_SHIFT	16		/* with BSEX=0: 0 2048, 1 1024, 2 512, 3 256 */
#define  INTEL_RCTL_BSIZE_MASK	(3u << 16)
#define  INTEL_RCTL_BSEX	(1u << 25)
#define  INTEL_RCTL_SECRC	(1u << 26)	/* strip the FCS */
#define INTEL_TCTL		0x0400
#define  INTEL_TCTL_EN		(1u << 1)
#define  INTEL_TCTL_PSP		(1u << 3)	/* pad short packets to 64 bytes */
#define  INTEL_TCTL_CT_SHIFT	4		/* collision threshold */
#define  INTEL_TCTL_COLD_SHIFT	12		/* collision distance */
#define INTEL_TIPG		0x0410
#define INTEL_EXTCNF_CTRL	0x0f00		/* 82573/82574/82583 */
#define  INTEL_EXTCNF_CTRL_MDIO_SW_OWNERSHIP (1u << 5)
#define INTEL_RDBAL		0x2800
#define INTEL_RDBAH		0x2804
#define INTEL_RDLEN		0x2808
#define INTEL_RDH		0x2810
#define INTEL_RDT		0x2818
#define INTEL_RDTR		0x2820		/* rx interrupt delay */
#define INTEL_TDBAL		0x3800
#define INTEL_TDBAH		0x3804
#define INTEL_TDLEN		0x3808
#define INTEL_TDH		0x3810
#define INTEL_TDT		0x3818
/* Statistics: 32 bits, cleared when read. */
#define INTEL_MPC		0x4010		/* missed: no room in the rx FIFO */
#define INTEL_GPRC		0x4074		/* good packets received */
#define INTEL_GPTC		0x4080		/* good packets transmitted */
#define INTEL_RNBC		0x40a0		/* rx: no descriptor available */
#define INTEL_TPR		0x40d0		/* total packets received */
#define INTEL_TPT		0x40d4		/* total packets transmitted */
#define INTEL_RXCSUM		0x5000
#define INTEL_MTA		0x5200		/* multicast table, 128 words */
#define  INTEL_MTA_WORDS	128
#define INTEL_RAL0		0x5400
#define INTEL_RAH0		0x5404
#define  INTEL_RAH_AV		(1u << 31)	/* address valid */

/* intel_dev_start() and the send/receive paths touch registers below
 * this offset only (TDT is the highest); the suite's RAM register model
 * is this big. */
#define INTEL_REGS_MODEL_BYTES	0x4000u

/* ---- legacy descriptors (16 bytes, little-endian, written by DMA) ---- */
struct intel_rx_desc {
	uint64_t addr;
	uint16_t length;	/* bytes written to this buffer */
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

struct intel_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

_Static_assert(sizeof(struct intel_rx_desc) == 16, "legacy rx descriptor is 16 bytes");
_Static_assert(sizeof(struct intel_tx_desc) == 16, "legacy tx descriptor is 16 bytes");

#define INTEL_RXD_STAT_DD	(1u << 0)	/* descriptor done */
#define INTEL_RXD_STAT_EOP	(1u << 1)	/* last buffer of the frame */
/* Frame errors: CRC/alignment (CE), symbol (SE), sequence (SEQ), carrier
 * extension (CXE), rx data error (RXE). IPE/TCPE (bits 6, 5) are checksum
 * offload verdicts, not frame errors, and the driver turns that offload
 * off (RXCSUM = 0). */
#define INTEL_RXD_ERR_FRAME	((1u << 0) | (1u << 1) | (1u << 2) | (1u << 4) | (1u << 7))

#define INTEL_TXD_CMD_EOP	(1u << 0)	/* last descriptor of the frame */
#define INTEL_TXD_CMD_IFCS	(1u << 1)	/* append the FCS */
#define INTEL_TXD_CMD_RS	(1u << 3)	/* report status: write DD back */
#define INTEL_TXD_STAT_DD	(1u << 0)

/* Ring sizes: a legacy ring's byte length must be a multiple of 128 (8
 * descriptors). One descriptor of each ring stays unused so that head ==
 * tail always means "empty". */
#define INTEL_RX_DESCS		32
#define INTEL_TX_DESCS		32
#define INTEL_BUF_BYTES		2048		/* one rx or tx buffer */
#define INTEL_FRAME_MIN		14		/* an Ethernet header */
#define INTEL_FRAME_MAX		1514		/* 1500 + header, no FCS, no VLAN tag */

/* ---- models ---- */
/* Quirks: what differs between parts that share this register map. */
#define INTEL_Q_EERD_LARGE	(1u << 0)	/* EERD done bit 1, address << 2 */
#define INTEL_Q_PCIE		(1u << 1)	/* stop DMA (GIO master disable) before reset */
#define INTEL_Q_MDIO_SW_OWN	(1u << 2)	/* 82574: own EXTCNF_CTRL.MDIO around reset */
#define INTEL_Q_AUTO_RD		(1u << 3)	/* wait EECD.AUTO_RD after reset */

struct intel_model {
	uint16_t device;	/* vendor is always 0x8086 */
	const char *name;	/* "82540EM" */
	const char *family;	/* "e1000", "e1000e": the nic's driver name */
	unsigned quirks;
	uint32_t tipg;		/* inter-packet gap, from the part's manual */
	uint32_t tctl_cold;	/* collision distance for full duplex */
};

const struct intel_model *intel_find_model(uint16_t vendor, uint16_t device);
const struct intel_model *intel_model_at(unsigned i);	/* NULL past the end */

/* ---- per-device state: the struct nic's priv ---- */
/* Test-only: make the driver unsafe on purpose, so the suite can show
 * that its checks catch a driver without these guards. */
#define INTEL_UNSAFE_NO_TX_FULL_CHECK	(1u << 0)
#define INTEL_UNSAFE_NO_RX_ERR_CHECK	(1u << 1)

struct intel_dev {
	volatile uint8_t *regs;
	const struct intel_model *model;
	struct pci_dev *pci;		/* NULL for the suite's RAM model */
	struct intel_rx_desc *rx;	/* INTEL_RX_DESCS, one page */
	struct intel_tx_desc *tx;
	uint8_t *rx_buf[INTEL_RX_DESCS];
	uint8_t *tx_buf[INTEL_TX_DESCS];
	unsigned rx_next;		/* next descriptor the device fills */
	unsigned tx_tail;		/* next descriptor to fill */
	unsigned tx_clean;		/* oldest descriptor not seen done */
	bool rx_discarding;		/* inside a frame that spans buffers */
	unsigned rx_buf_bytes;		/* RCTL.BSIZE as programmed */
	uint64_t tx_rejected;		/* frames refused for their length */
	unsigned unsafe;		/* INTEL_UNSAFE_*; 0 outside tests */
};

/* The NIC_DRIVER entry point. */
int intel_attach(struct pci_dev *pci, struct nic *out, char *err, size_t errlen);

/* Ring half of the driver, over any register window: attach passes the
 * device's BAR, the suite a RAM model. Allocates the rings and buffers
 * on first use (kept for a re-init), programs the ring registers, hands
 * every rx buffer to the device, enables rx and tx and fills `out`'s
 * operations. */
int intel_dev_start(struct intel_dev *d, struct nic *out, char *err, size_t errlen);
void intel_dev_free(struct intel_dev *d);	/* rings and buffers back */

uint32_t intel_read(const struct intel_dev *d, unsigned off);
void intel_write(struct intel_dev *d, unsigned off, uint32_t val);

/* MAC from RAL0/RAH0: true if the address-valid bit is set and the
 * address is a usable unicast one. */
bool intel_mac_from_ral(const struct intel_dev *d, uint8_t mac[6]);
/* MAC from NVM words 0-2 through EERD in the given layout; 0, or -1 with
 * the reason (a read that never completes). */
int intel_mac_from_eerd(struct intel_dev *d, bool large, uint8_t mac[6],
			char *err, size_t errlen);
/* Test hooks: receive buffer size (2048, 1024, 512 or 256; -1 otherwise)
 * and the transmitter on/off, as RCTL.BSIZE and TCTL.EN. */
int intel_set_rx_buf_bytes(struct intel_dev *d, unsigned bytes);
void intel_set_tx_enabled(struct intel_dev *d, bool on);

#endif
