/*
 * ioapic.c - I/O APIC access; see ioapic.h.
 */
#include "arch/ioapic.h"
#include "arch/paging.h"
#include <stdio.h>

#define IOREGSEL	0x00	/* byte offsets in the MMIO block */
#define IOWIN		0x10

struct ioapic {
	volatile uint32_t *mmio;
	uint64_t phys;
	uint32_t gsi_base;
	unsigned entries;
	uint8_t id, version;
};

static struct ioapic ioapics[IOAPIC_MAX];
static unsigned n_ioapics;

uint32_t ioapic_read_reg(unsigned idx, uint32_t reg)
{
	if (idx >= n_ioapics)
		return 0;
	ioapics[idx].mmio[IOREGSEL / 4] = reg;
	return ioapics[idx].mmio[IOWIN / 4];
}

void ioapic_write_reg(unsigned idx, uint32_t reg, uint32_t val)
{
	if (idx >= n_ioapics)
		return;
	ioapics[idx].mmio[IOREGSEL / 4] = reg;
	ioapics[idx].mmio[IOWIN / 4] = val;
}

int ioapic_add(uint8_t id, uint64_t phys, uint32_t gsi_base, char *err, size_t errlen)
{
	struct ioapic *a;
	uint32_t ver;
	int r;

	for (unsigned i = 0; i < n_ioapics; i++)
		if (ioapics[i].phys == phys)
			return 0;
	if (n_ioapics == IOAPIC_MAX) {
		snprintf(err, errlen, "more than %u I/O APICs", IOAPIC_MAX);
		return -1;
	}
	if (phys == 0 || phys & 0xf || phys + IOAPIC_MMIO_SIZE > 0x100000000ull) {
		snprintf(err, errlen, "I/O APIC %u at 0x%llx: address not usable",
			 id, (unsigned long long)phys);
		return -1;
	}
	r = map_mmio(phys, IOAPIC_MMIO_SIZE);
	if (r) {
		snprintf(err, errlen, "cannot map the I/O APIC at 0x%llx: %s",
			 (unsigned long long)phys, pt_strerror(r));
		return -1;
	}
	a = &ioapics[n_ioapics];
	a->mmio = (volatile uint32_t *)(uintptr_t)phys;
	a->mmio[IOREGSEL / 4] = IOAPIC_REG_VER;
	ver = a->mmio[IOWIN / 4];
	if (ver == 0xffffffffu) {
		snprintf(err, errlen, "I/O APIC %u at 0x%llx reads all ones: nothing there",
			 id, (unsigned long long)phys);
		return -1;
	}
	a->phys = phys;
	a->gsi_base = gsi_base;
	a->id = id;
	a->version = (uint8_t)ver;
	a->entries = ((ver >> 16) & 0xff) + 1;
	n_ioapics++;
	return 0;
}

unsigned ioapic_count(void) { return n_ioapics; }

uint8_t ioapic_version(unsigned idx)
{
	return idx < n_ioapics ? ioapics[idx].version : 0;
}

unsigned ioapic_entries(unsigned idx)
{
	return idx < n_ioapics ? ioapics[idx].entries : 0;
}

uint32_t ioapic_gsi_base(unsigned idx)
{
	return idx < n_ioapics ? ioapics[idx].gsi_base : 0;
}

bool ioapic_find_gsi(uint32_t gsi, unsigned *idx, unsigned *pin)
{
	for (unsigned i = 0; i < n_ioapics; i++) {
		if (gsi >= ioapics[i].gsi_base &&
		    gsi - ioapics[i].gsi_base < ioapics[i].entries) {
			*idx = i;
			*pin = gsi - ioapics[i].gsi_base;
			return true;
		}
	}
	return false;
}

int ioapic_get_entry(uint32_t gsi, uint64_t *entry)
{
	unsigned idx, pin;

	if (!ioapic_find_gsi(gsi, &idx, &pin))
		return -1;
	*entry = ioapic_read_reg(idx, IOAPIC_REG_REDTBL(pin)) |
		 (uint64_t)ioapic_read_reg(idx, IOAPIC_REG_REDTBL(pin) + 1) << 32;
	return 0;
}

int ioapic_set_entry(uint32_t gsi, uint64_t entry)
{
	unsigned idx, pin;
	uint32_t lo = (uint32_t)entry;

	if (!ioapic_find_gsi(gsi, &idx, &pin))
		return -1;
	ioapic_write_reg(idx, IOAPIC_REG_REDTBL(pin), lo | (uint32_t)IOAPIC_MASKED);
	ioapic_write_reg(idx, IOAPIC_REG_REDTBL(pin) + 1, (uint32_t)(entry >> 32));
	ioapic_write_reg(idx, IOAPIC_REG_REDTBL(pin), lo);
	return 0;
}

int ioapic_mask(uint32_t gsi, bool masked)
{
	unsigned idx, pin;
	uint32_t lo;

	if (!ioapic_find_gsi(gsi, &idx, &pin))
		return -1;
	lo = ioapic_read_reg(idx, IOAPIC_REG_REDTBL(pin));
	lo = masked ? lo | (uint32_t)IOAPIC_MASKED : lo & ~(uint32_t)IOAPIC_MASKED;
	ioapic_write_reg(idx, IOAPIC_REG_REDTBL(pin), lo);
	return 0;
}

void ioapic_mask_all_final(void)
{
	for (unsigned i = 0; i < n_ioapics; i++) {
		for (unsigned pin = 0; pin < ioapics[i].entries; pin++) {
			uint32_t reg = IOAPIC_REG_REDTBL(pin);

			ioapic_write_reg(i, reg, ioapic_read_reg(i, reg) |
					 (uint32_t)IOAPIC_MASKED);
		}
	}
}

int ioapic_route_check(const struct ioapic_route *r, char *err, size_t errlen)
{
	switch (r->delivery) {
	case IOAPIC_DM_FIXED:
	case IOAPIC_DM_LOWEST:
		if (r->vector < 0x10) {
			snprintf(err, errlen, "vector 0x%x is reserved (fixed and "
				 "lowest-priority delivery need 0x10..0xfe)", r->vector);
			return -1;
		}
		return 0;
	case IOAPIC_DM_SMI:
	case IOAPIC_DM_NMI:
	case IOAPIC_DM_INIT:
	case IOAPIC_DM_EXTINT:
		if (r->level) {
			snprintf(err, errlen, "delivery mode %u is edge-triggered by "
				 "definition; a level entry would never be re-armed",
				 r->delivery);
			return -1;
		}
		return 0;
	default:
		snprintf(err, errlen, "delivery mode %u is reserved", r->delivery);
		return -1;
	}
}

int ioapic_set_route(uint32_t gsi, const struct ioapic_route *r, char *err, size_t errlen)
{
	if (ioapic_route_check(r, err, errlen) < 0)
		return -1;
	if (ioapic_set_entry(gsi, ioapic_route_encode(r)) < 0) {
		snprintf(err, errlen, "no I/O APIC serves GSI %u", gsi);
		return -1;
	}
	return 0;
}
