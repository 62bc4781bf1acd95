/*
 * pci.c - configuration space access (ECAM or ports 0xcf8/0xcfc), bus
 * enumeration behind bridges, BAR sizing and mapping, capabilities.
 */
#include "drivers/pci.h"
#include "arch/cpu.h"
#include "arch/paging.h"
#include <stdio.h>
#include <string.h>

#define PCI_CONF_ADDR	0xcf8
#define PCI_CONF_DATA	0xcfc
#define ECAM_BUS_SIZE	(1ull << 20)	/* 32 devices x 8 functions x 4 KiB */
#define MAX_CAPS	48		/* (256 - 64) / 4: more means a loop */

static uint64_t ecam_base;
static uint8_t ecam_bus_start, ecam_bus_end;
static uint8_t ecam_mapped[256 / 8];	/* buses whose 1 MiB is mapped */
static bool ecam_map_failed;

static struct pci_dev devs[PCI_MAX_DEVICES];
static unsigned n_devs;
static bool enumerated, overflow_reported;
static uint8_t bus_scanned[256 / 8];

/* The port mechanism is an address write then a data access: an
 * interrupt handler doing its own configuration cycle between the two
 * would redirect ours. Nothing in irqlab does, but the pair is kept
 * atomic anyway so that stays true whoever adds one. */
static uint64_t irq_save(void)
{
	uint64_t f = read_rflags();

	irq_hard_disable();
	return f;
}

static void irq_restore(uint64_t f)
{
	if (f & X86_EFLAGS_IF)
		irq_hard_enable();
}

static uint32_t port_addr(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
	       (uint32_t)(fn & 7) << 8 | (off & 0xfc);
}

static bool bit_get(const uint8_t *map, unsigned i) { return map[i / 8] >> (i % 8) & 1; }
static void bit_set(uint8_t *map, unsigned i) { map[i / 8] |= (uint8_t)(1u << (i % 8)); }

/* The ECAM address of a register, or NULL when ECAM does not cover it. */
static volatile uint8_t *ecam_ptr(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	if (!ecam_base || bus < ecam_bus_start || bus > ecam_bus_end || off >= 4096)
		return NULL;
	uint64_t bus_pa = ecam_base + (uint64_t)bus * ECAM_BUS_SIZE;

	if (!bit_get(ecam_mapped, bus)) {
		/* The identity map is write-back: configuration space must
		 * be uncached, or reads could come from the cache. 256 MiB
		 * for a full segment, so only the buses we touch. */
		int r = map_mmio(bus_pa, ECAM_BUS_SIZE);

		if (r) {
			if (!ecam_map_failed)
				printf("irqlab: pci: cannot map ECAM bus %u at 0x%llx: %s; "
				       "using ports 0xcf8/0xcfc\n", bus,
				       (unsigned long long)bus_pa, pt_strerror(r));
			ecam_map_failed = true;
			return NULL;
		}
		bit_set(ecam_mapped, bus);
	}
	return (volatile uint8_t *)(uintptr_t)(bus_pa + ((uint64_t)(dev & 31) << 15 |
					       (uint64_t)(fn & 7) << 12 | off));
}

/* width 1, 2 or 4; off aligned to width. All ones when unreachable, as
 * an absent function reads. */
static uint32_t cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, unsigned width)
{
	volatile uint8_t *p = ecam_ptr(bus, dev, fn, off);

	if (p) {
		switch (width) {
		case 1: return *p;
		case 2: return *(volatile uint16_t *)p;
		default: return *(volatile uint32_t *)p;
		}
	}
	if (off >= 256)
		return width == 4 ? 0xffffffffu : width == 2 ? 0xffff : 0xff;

	uint64_t f = irq_save();
	uint32_t v;

	outl(PCI_CONF_ADDR, port_addr(bus, dev, fn, off));
	switch (width) {
	case 1: v = inb(PCI_CONF_DATA + (off & 3)); break;
	case 2: v = inw(PCI_CONF_DATA + (off & 2)); break;
	default: v = inl(PCI_CONF_DATA); break;
	}
	irq_restore(f);
	return v;
}

static void cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, unsigned width,
		      uint32_t v)
{
	volatile uint8_t *p = ecam_ptr(bus, dev, fn, off);

	if (p) {
		switch (width) {
		case 1: *p = (uint8_t)v; break;
		case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
		default: *(volatile uint32_t *)p = v; break;
		}
		return;
	}
	if (off >= 256)
		return;

	uint64_t f = irq_save();

	outl(PCI_CONF_ADDR, port_addr(bus, dev, fn, off));
	switch (width) {
	case 1: outb(PCI_CONF_DATA + (off & 3), (uint8_t)v); break;
	case 2: outw(PCI_CONF_DATA + (off & 2), (uint16_t)v); break;
	default: outl(PCI_CONF_DATA, v); break;
	}
	irq_restore(f);
}

void pci_init(uint64_t base, uint8_t bus_start, uint8_t bus_end)
{
	ecam_base = 0;
	if (!base)
		return;
	if (bus_end < bus_start || (base & (ECAM_BUS_SIZE - 1))) {
		printf("irqlab: pci: ignoring ECAM at 0x%llx for buses %u-%u "
		       "(%s); using ports 0xcf8/0xcfc\n", (unsigned long long)base,
		       bus_start, bus_end, bus_end < bus_start ? "end bus below start bus" :
		       "base not 1 MiB aligned");
		return;
	}
	ecam_base = base;
	ecam_bus_start = bus_start;
	ecam_bus_end = bus_end;
}

const char *pci_access_method(void)
{
	return ecam_base && !ecam_map_failed ? "ecam" : "port-io";
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return cfg_read(d->bus, d->dev, d->fn, off & ~3u, 4);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)cfg_read(d->bus, d->dev, d->fn, off & ~1u, 2);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)cfg_read(d->bus, d->dev, d->fn, off, 1);
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	cfg_write(d->bus, d->dev, d->fn, off & ~3u, 4, v);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	cfg_write(d->bus, d->dev, d->fn, off & ~1u, 2, v);
}

void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v)
{
	cfg_write(d->bus, d->dev, d->fn, off, 1, v);
}

bool pci_read32_via(enum pci_method m, uint8_t bus, uint8_t dev, uint8_t fn,
		    unsigned off, uint32_t *val)
{
	off &= ~3u;
	if (m == PCI_VIA_ECAM) {
		volatile uint8_t *p = ecam_ptr(bus, dev, fn, off);

		if (!p)
			return false;
		*val = *(volatile uint32_t *)p;
		return true;
	}
	if (off >= 256)
		return false;
	uint64_t f = irq_save();

	outl(PCI_CONF_ADDR, port_addr(bus, dev, fn, off));
	*val = inl(PCI_CONF_DATA);
	irq_restore(f);
	return true;
}

void pci_bar_decode(uint32_t lo, uint32_t lo_mask, uint32_t hi, uint32_t hi_mask,
		    struct pci_bar *out)
{
	uint64_t mask;

	memset(out, 0, sizeof(*out));
	if (lo & 1) {
		/* I/O BAR: bits 1:0 are flags. Devices may leave the upper
		 * 16 bits unimplemented (reading 0): the size is the lowest
		 * writable bit either way. */
		out->io = true;
		out->base = lo & ~3u;
		mask = lo_mask & ~3u;
	} else {
		/* Memory BAR: bits 3:0 are flags; type 2 in bits 2:1 means
		 * the next register holds the upper 32 address bits. */
		out->is64 = ((lo >> 1) & 3) == 2;
		out->prefetchable = lo & 8;
		out->base = lo & ~0xfu;
		mask = lo_mask & ~0xfu;
		if (out->is64) {
			out->base |= (uint64_t)hi << 32;
			mask |= (uint64_t)hi_mask << 32;
		}
	}
	out->size = mask & -mask;	/* lowest set bit */
}

bool pci_bars_overlap(const struct pci_bar *a, const struct pci_bar *b)
{
	if (!a->size || !b->size || !a->base || !b->base || a->io != b->io)
		return false;
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

static bool is_host_bridge(const struct pci_dev *d)
{
	return d->class_code == PCI_CLASS_BRIDGE && d->subclass == 0;
}

/* Write all ones, read back what sticks, restore (PCI 3.0, 6.2.5.1).
 * Decoding is off meanwhile: for a moment the BAR claims the top of the
 * address space, where it could shadow RAM or another device. Host
 * bridges keep decoding (as in Linux): on some chipsets turning their
 * memory decode off cuts the CPU off from RAM. */
static void size_bars(struct pci_dev *d)
{
	unsigned n = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	bool keep_decoding = is_host_bridge(d);
	uint64_t f = irq_save();

	if (!keep_decoding)
		pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < n; i++) {
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t lo = pci_read32(d, off), lo_mask, hi = 0, hi_mask = 0;

		pci_write32(d, off, 0xffffffffu);
		lo_mask = pci_read32(d, off);
		pci_write32(d, off, lo);
		if (!lo_mask)
			continue;	/* unimplemented */
		if (!(lo & 1) && ((lo >> 1) & 3) == 2 && i + 1 < n) {
			hi = pci_read32(d, off + 4);
			pci_write32(d, off + 4, 0xffffffffu);
			hi_mask = pci_read32(d, off + 4);
			pci_write32(d, off + 4, hi);
		}
		pci_bar_decode(lo, lo_mask, hi, hi_mask, &d->bar[i]);
		if (d->bar[i].is64) {
			if (i + 1 == n) {
				/* A 64-bit BAR in the last slot has no upper
				 * half: size it as 32-bit. */
				d->bar[i].is64 = false;
			} else {
				i++;
			}
		}
	}
	if (!keep_decoding)
		pci_write16(d, PCI_COMMAND, cmd);
	irq_restore(f);
}

static void scan_bus(uint8_t bus, unsigned depth);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, bool multi, unsigned depth)
{
	if (n_devs == PCI_MAX_DEVICES) {
		if (!overflow_reported)
			printf("irqlab: pci: more than %u functions; the rest are not listed\n",
			       PCI_MAX_DEVICES);
		overflow_reported = true;
		return;
	}
	struct pci_dev *d = &devs[n_devs++];
	uint32_t id = cfg_read(bus, dev, fn, PCI_VENDOR_ID, 4);
	uint32_t class = cfg_read(bus, dev, fn, PCI_REVISION, 4);
	uint32_t subsys = cfg_read(bus, dev, fn, PCI_SUBSYS_VENDOR, 4);

	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->revision = (uint8_t)class;
	d->prog_if = (uint8_t)(class >> 8);
	d->subclass = (uint8_t)(class >> 16);
	d->class_code = (uint8_t)(class >> 24);
	d->header_type = cfg_read(bus, dev, fn, PCI_HEADER_TYPE, 1) & 0x7f;
	d->multifunction = multi;
	if (d->header_type == 0) {
		d->subsys_vendor = (uint16_t)subsys;
		d->subsys_device = (uint16_t)(subsys >> 16);
	}
	d->irq_line = pci_read8(d, PCI_IRQ_LINE);
	d->irq_pin = pci_read8(d, PCI_IRQ_PIN);
	size_bars(d);
	if (d->header_type != 1)
		return;

	d->sec_bus = pci_read8(d, PCI_SECONDARY_BUS);
	d->sub_bus = pci_read8(d, PCI_SUBORDINATE_BUS);
	if (d->sec_bus <= bus || d->sub_bus < d->sec_bus) {
		printf("irqlab: pci: bridge " PCI_BDF_FMT " has buses %u-%u, not above its "
		       "own bus %u (firmware did not number it); not scanned\n",
		       PCI_BDF(d), d->sec_bus, d->sub_bus, bus);
		return;
	}
	if (bit_get(bus_scanned, d->sec_bus)) {
		printf("irqlab: pci: bridge " PCI_BDF_FMT " leads to bus %u, already "
		       "scanned (bus numbers overlap); not scanned again\n",
		       PCI_BDF(d), d->sec_bus);
		return;
	}
	scan_bus(d->sec_bus, depth + 1);
}

static void scan_bus(uint8_t bus, unsigned depth)
{
	/* Each level needs a higher bus number, so 256 levels at most;
	 * the check only keeps a broken topology off the stack. */
	if (depth > 64)
		return;
	bit_set(bus_scanned, bus);
	for (uint8_t dev = 0; dev < 32; dev++) {
		uint16_t vendor = (uint16_t)cfg_read(bus, dev, 0, PCI_VENDOR_ID, 2);

		/* All ones: nothing answers (master abort). Zero: some
		 * chipsets' answer for an empty slot. */
		if (vendor == 0xffff || vendor == 0)
			continue;
		bool multi = cfg_read(bus, dev, 0, PCI_HEADER_TYPE, 1) & 0x80;

		add_function(bus, dev, 0, multi, depth);
		for (uint8_t fn = 1; multi && fn < 8; fn++) {
			vendor = (uint16_t)cfg_read(bus, dev, fn, PCI_VENDOR_ID, 2);
			if (vendor != 0xffff && vendor != 0)
				add_function(bus, dev, fn, multi, depth);
		}
	}
}

unsigned pci_enumerate(void)
{
	if (enumerated)
		return n_devs;
	enumerated = true;
	/* The root bus is the first one the ECAM window covers (0 on every
	 * PC we know; MCFG says so when it is not). */
	scan_bus(ecam_base ? ecam_bus_start : 0, 0);
	return n_devs;
}

struct pci_dev *pci_device(unsigned i)
{
	return i < n_devs ? &devs[i] : NULL;
}

struct pci_dev *pci_find_id(uint16_t vendor, uint16_t device, unsigned nth)
{
	for (unsigned i = 0; i < n_devs; i++)
		if (devs[i].vendor == vendor && devs[i].device == device && nth-- == 0)
			return &devs[i];
	return NULL;
}

void pci_print_devices(void)
{
	for (unsigned i = 0; i < n_devs; i++) {
		const struct pci_dev *d = &devs[i];

		printf("  pci " PCI_BDF_FMT " %04x:%04x class %02x%02x%02x",
		       PCI_BDF(d), d->vendor, d->device, d->class_code, d->subclass,
		       d->prog_if);
		if (d->header_type == 1)
			printf(" bridge to buses %u-%u", d->sec_bus, d->sub_bus);
		for (unsigned b = 0; b < 6; b++) {
			const struct pci_bar *r = &d->bar[b];

			if (r->size)
				printf(" bar%u %s 0x%llx+0x%llx", b,
				       r->io ? "io" : r->is64 ? "mem64" : "mem",
				       (unsigned long long)r->base,
				       (unsigned long long)r->size);
		}
		printf("\n");
	}
}

void pci_enable(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
		    PCI_COMMAND_MASTER);
}

void pci_interrupts_off(struct pci_dev *d)
{
	unsigned c;

	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_OFF);
	/* MSI: message control bit 0 is MSI enable. */
	for (c = pci_find_cap(d, PCI_CAP_MSI, 0); c; c = pci_find_next_cap(d, PCI_CAP_MSI, c))
		pci_write16(d, c + 2, pci_read16(d, c + 2) & ~1u);
	/* MSI-X: message control bit 15 is MSI-X enable. */
	for (c = pci_find_cap(d, PCI_CAP_MSIX, 0); c; c = pci_find_next_cap(d, PCI_CAP_MSIX, c))
		pci_write16(d, c + 2, pci_read16(d, c + 2) & ~0x8000u);
}

/* Walk from `pos` (a capability's offset) and return the first entry with
 * this id, `skip` entries ignored first. */
static unsigned walk_caps(const struct pci_dev *d, uint8_t id, unsigned pos, unsigned skip)
{
	for (unsigned n = 0; n < MAX_CAPS; n++) {
		/* Pointers are dword aligned and above the 64-byte header;
		 * the low two bits are reserved (PCI 3.0, 6.7). */
		pos &= 0xfc;
		if (pos < 0x40)
			return 0;
		if (!skip && pci_read8(d, pos) == id)
			return pos;
		skip = 0;
		pos = pci_read8(d, pos + 1);
	}
	return 0;
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	if (!start)
		start = pci_read8(d, d->header_type == 2 ? 0x14 : PCI_CAP_PTR);
	return walk_caps(d, id, start, 0);
}

unsigned pci_find_next_cap(const struct pci_dev *d, uint8_t id, unsigned prev)
{
	if (!prev || !(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	return walk_caps(d, id, prev, 1);
}

volatile void *pci_map_bar(struct pci_dev *d, unsigned bar)
{
	if (bar >= 6)
		return NULL;
	const struct pci_bar *b = &d->bar[bar];

	if (b->io || !b->size || !b->base)
		return NULL;
	int r = map_mmio(b->base, b->size);

	if (r) {
		printf("irqlab: pci: " PCI_BDF_FMT " BAR%u at 0x%llx: cannot map: %s\n",
		       PCI_BDF(d), bar, (unsigned long long)b->base, pt_strerror(r));
		return NULL;
	}
	return (volatile void *)(uintptr_t)b->base;
}
