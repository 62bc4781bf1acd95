/*
 * PCI as found on this machine: enumeration (host bridge, NIC, buses
 * behind bridges), BAR sizing, capability lists, and ECAM against port
 * I/O where ACPI's MCFG gives ECAM. Optional: it is meant for QEMU
 * machines with a NIC (tests/scenarios/nic.txt).
 */
#include "tests/suites.h"
#include "drivers/pci.h"
#include "lib/report.h"
#include "platform.h"
#include <string.h>

#define VIRTIO_VENDOR	0x1af4
#define PCIE_TYPE_ROOT_PORT 4	/* PCIe capabilities register bits 7:4 */

static uint8_t root_bus(void)
{
	return pci_device(0) ? pci_device(0)->bus : 0;
}

static void test_enumeration(unsigned n)
{
	const struct pci_dev *host = NULL, *net = NULL;
	unsigned bridges = 0, behind = 0, orphans = 0;

	report(n > 0 && n <= PCI_MAX_DEVICES, "enumeration through %s finds %u function(s)",
	       pci_access_method(), n);
	for (unsigned i = 0; i < n; i++) {
		const struct pci_dev *d = pci_device(i);

		if (!host && d->bus == root_bus() && d->class_code == PCI_CLASS_BRIDGE &&
		    d->subclass == 0)
			host = d;
		if (!net && d->class_code == PCI_CLASS_NETWORK)
			net = d;
		if (d->header_type == 1)
			bridges++;
		if (d->bus == root_bus())
			continue;
		/* Off the root bus: some bridge must lead to exactly this bus. */
		bool parent = false;

		for (unsigned j = 0; j < n; j++) {
			const struct pci_dev *b = pci_device(j);

			parent |= b->header_type == 1 && b->sec_bus == d->bus;
		}
		behind++;
		orphans += !parent;
	}
	report(host != NULL, "host bridge (class 0600) on the root bus%s%04x:%04x",
	       host ? ": " : "", host ? host->vendor : 0, host ? host->device : 0);
	if (net)
		report(true, "network controller %04x:%04x found at " PCI_BDF_FMT,
		       net->vendor, net->device, PCI_BDF(net));
	else
		report_skip("network controller: none on this machine");
	report(orphans == 0, "every function off the root bus sits behind a bridge to its "
	       "bus (%u bridges, %u functions behind them)", bridges, behind);

	/* Completeness, independently of the bridges: probe function 0 of
	 * every device number on every bus through the ports. Each one
	 * that answers must be listed. (A machine with a second root bus
	 * that no bridge leads to fails here, rightly.) */
	unsigned answering = 0, missing = 0;

	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			uint32_t id;
			bool listed = false;

			if (!pci_read32_via(PCI_VIA_PORT_IO, (uint8_t)bus, (uint8_t)dev, 0, 0,
					    &id) || (id & 0xffff) == 0xffff || (id & 0xffff) == 0)
				continue;
			answering++;
			for (unsigned i = 0; i < n && !listed; i++)
				listed = pci_device(i)->bus == bus && pci_device(i)->dev == dev;
			if (!listed)
				report_info("%02x:%02x.0 %04x:%04x answers but was not enumerated",
					    bus, dev, id & 0xffff, id >> 16);
			missing += !listed;
		}
	}
	report(answering > 0 && missing == 0, "every device answering on buses 0-255 was "
	       "enumerated (%u answer, %u missing)", answering, missing);

	struct pci_dev *first = pci_device(0);

	report(pci_enumerate() == n && pci_device(0) == first && !pci_device(n),
	       "a second pci_enumerate() returns the same list");
}

/* The BAR register still holds what sizing found (it was restored). */
static bool bar_restored(const struct pci_dev *d, unsigned i)
{
	const struct pci_bar *b = &d->bar[i];
	uint32_t lo = pci_read32(d, PCI_BAR0 + 4 * i);

	if (b->io)
		return (lo & ~3u) == (uint32_t)b->base;
	if ((lo & ~0xfu) != (uint32_t)b->base)
		return false;
	return !b->is64 || pci_read32(d, PCI_BAR0 + 4 * i + 4) == (uint32_t)(b->base >> 32);
}

static void test_bar_logic(void)
{
	struct pci_bar b;
	bool ok = true;

	pci_bar_decode(0xfebd0000u, 0xfffff000u, 0, 0, &b);
	ok &= !b.io && !b.is64 && b.base == 0xfebd0000u && b.size == 0x1000;
	/* 64-bit prefetchable, 16 KiB, at 32 GiB */
	pci_bar_decode(0x0000000cu, 0xffffc00cu, 0x8, 0xffffffffu, &b);
	ok &= b.is64 && b.prefetchable && b.base == 0x800000000ull && b.size == 0x4000;
	/* 8 GiB BAR: no writable bit in the low half at all */
	pci_bar_decode(0x0000000cu, 0x0000000cu, 0x4, 0xfffffffeu, &b);
	ok &= b.is64 && b.size == 0x200000000ull;
	/* I/O, upper 16 bits unimplemented (read as 0): 32 ports */
	pci_bar_decode(0xc001u, 0x0000ffe1u, 0, 0, &b);
	ok &= b.io && b.base == 0xc000 && b.size == 0x20;
	report(ok, "BAR decoding of synthetic read-backs (32/64-bit memory, 8 GiB, 16-bit I/O)");

	/* Negative control for the overlap test below: it must flag this. */
	struct pci_bar a = { .base = 0x1000, .size = 0x1000 };
	struct pci_bar over = { .base = 0x1800, .size = 0x100 };
	struct pci_bar next = { .base = 0x2000, .size = 0x1000 };
	struct pci_bar io = { .base = 0x1000, .size = 0x1000, .io = true };

	report(pci_bars_overlap(&a, &over) && pci_bars_overlap(&over, &a) &&
	       !pci_bars_overlap(&a, &next) && !pci_bars_overlap(&a, &io),
	       "overlap check flags a synthetic overlap, passes adjacent and I/O-vs-memory");
}

static void test_bars(unsigned n)
{
	unsigned bars = 0, bad_shape = 0, not_restored = 0, overlaps = 0, unassigned = 0;
	unsigned high = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct pci_dev *d = pci_device(i);

		for (unsigned k = 0; k < 6; k++) {
			const struct pci_bar *b = &d->bar[k];

			if (!b->size)
				continue;
			bars++;
			if (!b->base)
				unassigned++;
			high += b->base >= 0x100000000ull;
			/* PCI 3.0, 6.2.5.1: sizes are powers of two and
			 * decoders are naturally aligned. */
			if ((b->size & (b->size - 1)) || (b->base & (b->size - 1)) ||
			    (b->is64 && (k == 5 || d->bar[k + 1].size)))
				bad_shape++;
			if (!bar_restored(d, k))
				not_restored++;
			for (unsigned j = i; j < n; j++)
				for (unsigned m = j == i ? k + 1 : 0; m < 6; m++)
					overlaps += pci_bars_overlap(b, &pci_device(j)->bar[m]);
		}
	}
	report(bars > 0 && bad_shape == 0, "%u BARs sized: powers of two, naturally aligned "
	       "(%u not assigned by firmware, %u above 4 GiB)", bars, unassigned, high);
	report(not_restored == 0, "every BAR register holds its address again after sizing");
	report(overlaps == 0, "no two assigned BARs overlap (%u pairs overlap)", overlaps);
}

/* The PCIe capability's device/port type (bits 7:4 of its register 2). */
static int pcie_type(const struct pci_dev *d)
{
	unsigned c = pci_find_cap(d, PCI_CAP_PCIE, 0);

	return c ? (pci_read16(d, c + 2) >> 4) & 0xf : -1;
}

static void test_caps(unsigned n)
{
	unsigned walked = 0, bad = 0, mismatched = 0, virtio = 0, virtio_bad = 0;
	unsigned pcie = 0, root_ports = 0, pcie_behind_ports = 0, conventional_behind = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct pci_dev *d = pci_device(i);

		if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
			continue;
		walked++;
		/* Our own walk, to check pci_find_cap/pci_find_next_cap
		 * against: list order, which need not be offset order
		 * (QEMU links each new capability in at the head). */
		unsigned pos = pci_read8(d, PCI_CAP_PTR), steps = 0;
		uint8_t seen[256] = { 0 }, last[256] = { 0 };

		while (pos && steps < 64) {
			if (pos < 0x40 || (pos & 3) || seen[pos]) {
				bad++;
				break;
			}
			seen[pos] = 1;
			uint8_t id = pci_read8(d, pos);
			unsigned want = last[id] ? pci_find_next_cap(d, id, last[id]) :
					pci_find_cap(d, id, 0);

			mismatched += want != pos;
			last[id] = (uint8_t)pos;
			pos = pci_read8(d, pos + 1);
			steps++;
		}
		for (unsigned id = 0; id < 256; id++)
			mismatched += last[id] && pci_find_next_cap(d, (uint8_t)id, last[id]) != 0;
		if (d->vendor == VIRTIO_VENDOR) {
			/* QEMU's virtio-pci: MSI-X (vectors > 0 by default)
			 * and, unless legacy-only, the virtio 1.0 vendor
			 * capabilities common(1), notify(2), ISR(3), device(4). */
			unsigned types = 0, n_vendor = 0;

			for (unsigned c = pci_find_cap(d, PCI_CAP_VENDOR, 0); c;
			     c = pci_find_next_cap(d, PCI_CAP_VENDOR, c), n_vendor++)
				types |= 1u << (pci_read8(d, c + 3) & 15);
			virtio++;
			if (!pci_find_cap(d, PCI_CAP_MSIX, 0) ||
			    (d->device == 0x1041 && (types & 0x1e) != 0x1e) ||
			    (n_vendor && (types & 0x1e) != 0x1e))
				virtio_bad++;
			report_info("virtio " PCI_BDF_FMT " %04x: %u vendor capabilities (types "
				    "mask 0x%x), MSI-X %s", PCI_BDF(d), d->device, n_vendor, types,
				    pci_find_cap(d, PCI_CAP_MSIX, 0) ? "yes" : "no");
		}
		pcie += pcie_type(d) >= 0;
		if (pcie_type(d) == PCIE_TYPE_ROOT_PORT) {
			root_ports++;
			/* A PCIe link carries PCIe functions only. */
			for (unsigned j = 0; j < n; j++) {
				const struct pci_dev *e = pci_device(j);

				if (e->bus == d->sec_bus && d->sec_bus) {
					pcie_behind_ports += pcie_type(e) >= 0;
					conventional_behind += pcie_type(e) < 0;
				}
			}
		}
	}
	if (!walked) {
		report_skip("capability lists: no function here has one");
	} else {
		report(bad == 0, "capability lists of %u functions: pointers aligned, above "
		       "the header, no loops", walked);
		report(mismatched == 0, "pci_find_cap and pci_find_next_cap visit every "
		       "capability in list order");
	}
	if (virtio)
		report(virtio_bad == 0, "virtio functions (%u) carry MSI-X and, when modern, "
		       "all four virtio 1.0 structures", virtio);
	if (!acpi_ok || acpi.n_mcfg == 0)
		report(pcie == 0, "no PCIe capability on a conventional PCI machine (no MCFG)");
	else if (root_ports)
		report(conventional_behind == 0, "every function behind a PCIe root port has a "
		       "PCIe capability (%u root ports, %u functions behind)", root_ports,
		       pcie_behind_ports);
	else
		report_info("%u functions with a PCIe capability, no root ports", pcie);
}

static const struct acpi_mcfg *mcfg_segment0(void)
{
	for (unsigned i = 0; acpi_ok && i < acpi.n_mcfg; i++)
		if (acpi.mcfg[i].segment == 0)
			return &acpi.mcfg[i];
	return NULL;
}

static void test_ecam(unsigned n)
{
	static const unsigned offs[] = { 0x00, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c, 0x20,
					 0x24, 0x2c, 0x34, 0x3c };
	const struct acpi_mcfg *m = mcfg_segment0();
	unsigned compared = 0, differ = 0, unreadable = 0;

	if (!m) {
		report_skip("ECAM against port I/O: no ACPI MCFG for segment 0");
		return;
	}
	report(!strcmp(pci_access_method(), "ecam"), "pci_init() was given MCFG's ECAM "
	       "(0x%llx, buses %u-%u): access method %s", (unsigned long long)m->base,
	       m->bus_start, m->bus_end, pci_access_method());
	for (unsigned i = 0; i < n; i++) {
		const struct pci_dev *d = pci_device(i);

		for (unsigned k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			uint32_t e, p;

			if (!pci_read32_via(PCI_VIA_ECAM, d->bus, d->dev, d->fn, offs[k], &e) ||
			    !pci_read32_via(PCI_VIA_PORT_IO, d->bus, d->dev, d->fn, offs[k], &p)) {
				unreadable++;
				continue;
			}
			compared++;
			differ += e != p;
		}
	}
	report(compared > 0 && differ == 0 && unreadable == 0, "ECAM and port I/O agree on "
	       "%u registers of %u functions (%u differ, %u unreadable)", compared, n, differ,
	       unreadable);

	/* Negative control: the same comparison across two different
	 * functions must see a difference. */
	const struct pci_dev *a = pci_device(0), *b = NULL;

	for (unsigned i = 1; i < n && !b; i++)
		if (pci_device(i)->vendor != a->vendor || pci_device(i)->device != a->device)
			b = pci_device(i);
	if (b) {
		uint32_t e = 0, p = 0;

		pci_read32_via(PCI_VIA_ECAM, a->bus, a->dev, a->fn, 0, &e);
		pci_read32_via(PCI_VIA_PORT_IO, b->bus, b->dev, b->fn, 0, &p);
		report(e != p, "negative control: ECAM of " PCI_BDF_FMT " vs port I/O of "
		       PCI_BDF_FMT " differ (0x%08x, 0x%08x)", PCI_BDF(a), PCI_BDF(b), e, p);
	}
	uint32_t ext = 0;

	report(!pci_read32_via(PCI_VIA_PORT_IO, a->bus, a->dev, a->fn, 0x100, &ext) &&
	       pci_read32_via(PCI_VIA_ECAM, a->bus, a->dev, a->fn, 0x100, &ext),
	       "offset 0x100 (extended space) is reachable through ECAM only");
}

static void test_pci(void)
{
	unsigned n = pci_enumerate();

	pci_print_devices();
	test_enumeration(n);
	if (!n)
		return;
	test_bar_logic();
	test_bars(n);
	test_caps(n);
	test_ecam(n);
}

SUITE(pci, test_pci, SUITE_OPTIONAL);
