/*
 * acpi.c - ACPI table parser.  Pure: memory comes through struct acpi_mem,
 * results go to struct acpi_info.  Layouts are from the ACPI specification
 * (6.x); all fields are little-endian and unaligned, so they are read bytewise.
 */
#include "acpi/acpi.h"

#include <stdarg.h>
#include <string.h>

#define HDR_LEN		36		/* common System Description Table header */
#define RSDP_V1_LEN	20		/* ACPI 1.0 RSDP; the 1.0 checksum covers it */
#define RSDP_V2_LEN	36
#define RSDP_MAX_LEN	4096		/* 36 in every revision so far */
#define TABLE_MAX_LEN	(16u << 20)	/* no real table is this big: corrupt */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* ACPI checksums: all bytes of the structure sum to 0 mod 256. */
static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static const uint8_t *map(const struct acpi_mem *mem, uint64_t phys, size_t len)
{
	if (!mem || !mem->map)
		return NULL;
	return mem->map(mem->ctx, phys, len);
}

/* ---- a tiny formatter: %s %u %x %lu %lx, enough for messages */

struct sbuf { char *p; size_t n, len; };

static void put_c(struct sbuf *b, char c)
{
	if (b->len + 1 < b->n)
		b->p[b->len++] = c;
}

static void put_num(struct sbuf *b, unsigned long v, unsigned base)
{
	char t[24];
	int i = 0;

	do {
		t[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		put_c(b, t[--i]);
}

__attribute__((format(printf, 3, 0)))
static void vfmt(char *buf, size_t n, const char *f, va_list ap)
{
	struct sbuf b = { buf, n, 0 };
	const char *s;
	unsigned long v;
	bool l;

	if (!buf || !n)
		return;
	for (; *f; f++) {
		if (*f != '%') {
			put_c(&b, *f);
			continue;
		}
		l = f[1] == 'l';
		f += l ? 2 : 1;
		if (*f == 's') {
			for (s = va_arg(ap, const char *); *s; s++)
				put_c(&b, *s);
			continue;
		}
		if (*f != 'u' && *f != 'x')
			break;
		v = l ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
		put_num(&b, v, *f == 'x' ? 16 : 10);
	}
	buf[b.len] = 0;
}

__attribute__((format(printf, 3, 4)))
static void fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vfmt(buf, n, f, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void warn(struct acpi_info *out, const char *f, ...)
{
	va_list ap;

	if (out->n_warnings++)
		return;
	va_start(ap, f);
	vfmt(out->warning, sizeof(out->warning), f, ap);
	va_end(ap);
}

/* ---- RSDP */

static bool rsdp_bad(const uint8_t *p, size_t len, char *err, size_t errlen)
{
	uint32_t xlen;

	if (!p || len < RSDP_V1_LEN) {
		fmt(err, errlen, "RSDP: %lu bytes, need at least %u",
		    p ? (unsigned long)len : 0ul, RSDP_V1_LEN);
		return true;
	}
	if (memcmp(p, "RSD PTR ", 8)) {
		fmt(err, errlen, "RSDP: signature is not \"RSD PTR \"");
		return true;
	}
	if (sum8(p, RSDP_V1_LEN)) {
		fmt(err, errlen, "RSDP: checksum of the first 20 bytes is not 0");
		return true;
	}
	/* Revision 2 (ACPI 2.0+) adds length, XSDT address, extended checksum. */
	if (p[15] < 2 || len < RSDP_V2_LEN)
		return false;
	xlen = rd32(p + 20);
	if (xlen < RSDP_V2_LEN || xlen > len || xlen > RSDP_MAX_LEN) {
		fmt(err, errlen, "RSDP: length field %u outside 36..%lu",
		    xlen, (unsigned long)(len < RSDP_MAX_LEN ? len : RSDP_MAX_LEN));
		return true;
	}
	if (sum8(p, xlen)) {
		fmt(err, errlen, "RSDP: extended checksum over %u bytes is not 0", xlen);
		return true;
	}
	return false;
}

bool acpi_rsdp_valid(const void *rsdp, size_t len, char *err, size_t errlen)
{
	return !rsdp_bad(rsdp, len, err, errlen);
}

static bool rsdp_at(const struct acpi_mem *mem, const uint8_t *p, uint64_t phys)
{
	uint32_t xlen;

	if (memcmp(p, "RSD PTR ", 8) || sum8(p, RSDP_V1_LEN))
		return false;
	if (p[15] < 2)
		return true;
	xlen = rd32(p + 20);
	if (xlen < RSDP_V2_LEN || xlen > RSDP_MAX_LEN)
		return false;
	p = map(mem, phys, xlen);
	return p && !sum8(p, xlen);
}

/* The RSDP sits on a 16-byte boundary. */
static uint64_t scan(const struct acpi_mem *mem, uint64_t base, size_t size)
{
	const uint8_t *p = map(mem, base, size);
	size_t off;

	for (off = 0; p && off + RSDP_V1_LEN <= size; off += 16)
		if (rsdp_at(mem, p + off, base + off))
			return base + off;
	return 0;
}

uint64_t acpi_find_rsdp_bios(const struct acpi_mem *mem)
{
	/* BDA word 0x40E holds the EBDA real-mode segment. */
	const uint8_t *bda = map(mem, 0x40E, 2);
	uint64_t ebda, r;

	if (bda) {
		ebda = (uint64_t)rd16(bda) << 4;
		/* The EBDA lives in conventional memory, below the 0xA0000 hole. */
		if (ebda > 0x400 && ebda < 0xA0000 && (r = scan(mem, ebda, 1024)))
			return r;
	}
	return scan(mem, 0xE0000, 0x20000);
}

/* ---- tables */

struct ctx {
	const struct acpi_mem *mem;
	struct acpi_info *out;
	unsigned full;		/* arrays already warned about */
	bool seen_mcfg;
};

enum { FULL_TABLES = 1, FULL_CPUS = 2, FULL_IOAPICS = 4, FULL_ISOS = 8,
       FULL_LNMIS = 16, FULL_NMIS = 32, FULL_MCFG = 64 };

/* Room for one more element?  Warns once per array when it is full. */
static bool room(struct ctx *c, unsigned n, unsigned max, unsigned bit,
		 const char *what)
{
	if (n < max)
		return true;
	if (!(c->full & bit)) {
		c->full |= bit;
		warn(c->out, "more than %u %s: kept the first %u", max, what, max);
	}
	return false;
}

/*
 * Map a whole table, record it in out->tables, verify length and checksum.
 * Returns its bytes (length in *lenp) only if all of that went well.
 */
static const uint8_t *load_table(struct ctx *c, uint64_t phys,
				 const char *want, uint32_t *lenp)
{
	struct acpi_table_ref *ref = NULL;
	const uint8_t *t = map(c->mem, phys, HDR_LEN);
	char sig[5];
	uint32_t len;
	int i;

	if (!t) {
		warn(c->out, "table at 0x%lx: header not readable", phys);
		return NULL;
	}
	for (i = 0; i < 4; i++)
		sig[i] = t[i] >= 0x20 && t[i] < 0x7f ? (char)t[i] : '?';
	sig[4] = 0;
	if (want && memcmp(t, want, 4)) {
		warn(c->out, "table at 0x%lx: signature \"%s\", expected %s",
		     phys, sig, want);
		return NULL;
	}
	len = rd32(t + 4);
	if (room(c, c->out->n_tables, ACPI_MAX_TABLES, FULL_TABLES, "tables")) {
		ref = &c->out->tables[c->out->n_tables++];
		memcpy(ref->sig, sig, 5);
		ref->phys = phys;
		ref->length = len;
		ref->revision = t[8];
	}
	if (len < HDR_LEN || len > TABLE_MAX_LEN) {
		warn(c->out, "%s at 0x%lx: implausible length %u", sig, phys, len);
		return NULL;
	}
	t = map(c->mem, phys, len);
	if (!t) {
		warn(c->out, "%s at 0x%lx: %u bytes not readable", sig, phys, len);
		return NULL;
	}
	if (sum8(t, len)) {
		warn(c->out, "%s at 0x%lx: bad checksum, not parsed", sig, phys);
		return NULL;
	}
	if (ref)
		ref->checksum_ok = true;
	*lenp = len;
	return t;
}

static void add_cpu(struct ctx *c, uint32_t apic_id, uint32_t uid,
		    uint32_t flags, bool online_ok, bool x2)
{
	struct acpi_info *o = c->out;
	struct acpi_cpu *cpu;
	unsigned i;

	for (i = 0; i < o->n_cpus; i++) {
		if (o->cpus[i].apic_id == apic_id) {
			warn(o, "MADT: APIC ID 0x%x listed twice", apic_id);
			return;
		}
	}
	if (!room(c, o->n_cpus, ACPI_MAX_CPUS, FULL_CPUS, "CPUs"))
		return;
	cpu = &o->cpus[o->n_cpus++];
	cpu->apic_id = apic_id;
	cpu->acpi_uid = uid;
	cpu->enabled = flags & 1;
	cpu->online_capable = online_ok && (flags & 2);
	cpu->x2apic_entry = x2;
}

/* Smallest valid length of each MADT entry type we read (0 = not read). */
static const uint8_t madt_min_len[11] = {
	[0] = 8, [1] = 12, [2] = 10, [3] = 8, [4] = 6, [5] = 12,
	[9] = 16, [10] = 12,
};

static void parse_madt(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *o = c->out;
	const uint8_t *e;
	uint32_t off;
	/* "Online Capable" (flags bit 1) exists from ACPI 6.3, MADT revision 5;
	 * before that the bit is reserved. */
	bool online_ok = t[8] >= 5;

	/* Fixed part: header, local APIC address (36), flags (40). */
	if (len < 44) {
		warn(o, "MADT: length %u is shorter than its fixed part", len);
		return;
	}
	o->have_madt = true;
	o->lapic_addr = rd32(t + 36);
	o->madt_flags = rd32(t + 40);

	for (off = 44; off < len; off += e[1]) {
		e = t + off;
		if (len - off < 2 || e[1] < 2 || e[1] > len - off) {
			warn(o, "MADT: bad entry length at offset %u, walk stopped", off);
			return;
		}
		if (e[0] < sizeof(madt_min_len) && e[1] < madt_min_len[e[0]]) {
			warn(o, "MADT: type %u entry at offset %u too short (%u), skipped",
			     e[0], off, e[1]);
			continue;
		}
		switch (e[0]) {
		case 0:	/* processor local APIC: uid u8, APIC ID u8, flags u32 */
			add_cpu(c, e[3], e[2], rd32(e + 4), online_ok, false);
			break;
		case 9:	/* local x2APIC: rsvd u16, x2APIC ID, flags, uid (u32s) */
			add_cpu(c, rd32(e + 4), rd32(e + 12), rd32(e + 8), online_ok, true);
			break;
		case 1:	/* I/O APIC: id u8, rsvd u8, address u32, GSI base u32 */
			if (!room(c, o->n_ioapics, ACPI_MAX_IOAPICS, FULL_IOAPICS, "I/O APICs"))
				break;
			o->ioapics[o->n_ioapics++] = (struct acpi_ioapic){
				.id = e[2], .addr = rd32(e + 4), .gsi_base = rd32(e + 8) };
			break;
		case 2:	/* interrupt source override: bus, source, GSI u32, flags u16 */
			if (!room(c, o->n_isos, ACPI_MAX_ISOS, FULL_ISOS, "overrides"))
				break;
			o->isos[o->n_isos++] = (struct acpi_iso){
				.bus = e[2], .source = e[3], .gsi = rd32(e + 4),
				.flags = rd16(e + 8) };
			break;
		case 3:	/* NMI source: flags u16, GSI u32 */
			if (!room(c, o->n_nmi_sources, ACPI_MAX_NMI_SOURCES, FULL_NMIS,
				  "NMI sources"))
				break;
			o->nmi_sources[o->n_nmi_sources++] = (struct acpi_nmi_source){
				.flags = rd16(e + 2), .gsi = rd32(e + 4) };
			break;
		case 4:	/* local APIC NMI: uid u8, flags u16, LINT# u8 */
			if (!room(c, o->n_lapic_nmis, ACPI_MAX_LNMIS, FULL_LNMIS, "LAPIC NMIs"))
				break;
			o->lapic_nmis[o->n_lapic_nmis++] = (struct acpi_lapic_nmi){
				.acpi_uid = e[2], .flags = rd16(e + 3), .lint = e[5] };
			break;
		case 10: /* local x2APIC NMI: flags u16, uid u32, LINT# u8 */
			if (!room(c, o->n_lapic_nmis, ACPI_MAX_LNMIS, FULL_LNMIS, "LAPIC NMIs"))
				break;
			o->lapic_nmis[o->n_lapic_nmis++] = (struct acpi_lapic_nmi){
				.acpi_uid = rd32(e + 4), .flags = rd16(e + 2), .lint = e[8] };
			break;
		case 5:	/* local APIC address override: rsvd u16, address u64 */
			o->lapic_addr_override = rd64(e + 4);
			break;
		}
	}
}

static void parse_hpet(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *o = c->out;

	/* block id (36), base GAS (40, address at 44), number (52),
	 * min tick u16 (53), page protection (55). */
	if (len < 56) {
		warn(o, "HPET: length %u, need 56", len);
		return;
	}
	/* GAS address space 0 = system memory; an HPET is always MMIO. */
	if (t[40] != 0)
		warn(o, "HPET: base address space %u is not memory", t[40]);
	o->have_hpet = true;
	o->hpet_block_id = rd32(t + 36);
	o->hpet_addr = rd64(t + 44);
	o->hpet_number = t[52];
	o->hpet_min_tick = rd16(t + 53);
}

static void parse_mcfg(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *o = c->out;
	const uint8_t *e;
	uint32_t off;

	/* 8 reserved bytes after the header, then 16-byte entries: base u64,
	 * segment u16, start bus u8, end bus u8, reserved u32. */
	if (len < 44 || (len - 44) % 16)
		warn(o, "MCFG: length %u is not 44 + 16*n", len);
	for (off = 44; off + 16 <= len; off += 16) {
		e = t + off;
		if (e[11] < e[10]) {
			warn(o, "MCFG: entry at offset %u has end bus < start bus", off);
			continue;
		}
		if (!room(c, o->n_mcfg, ACPI_MAX_MCFG, FULL_MCFG, "MCFG entries"))
			break;
		o->mcfg[o->n_mcfg++] = (struct acpi_mcfg){
			.base = rd64(e), .segment = rd16(e + 8),
			.bus_start = e[10], .bus_end = e[11] };
	}
}

/* RESET_REG is a GAS at 116 (space id, bit width, bit offset, access
 * size, address u64 at 120) and RESET_VALUE a byte at 128; both arrived
 * with FADT revision 2 (ACPI 1.0b's extension; a revision 1 FADT is 116
 * bytes long). */
/* A PCI config RESET_REG is written through ports 0xcf8/0xcfc, which
 * reach device 0-31, function 0-7, offsets 0-0xff on bus 0. */
static bool pci_reset_reg_ok(struct acpi_info *o)
{
	uint64_t a = o->fadt_reset_addr;

	if (ACPI_GAS_PCI_RSVD(a))
		o->fadt_reset_why = "PCI config reset register: reserved address "
				    "bits 63:48 set";
	else if (ACPI_GAS_PCI_DEV(a) > 31)
		o->fadt_reset_why = "PCI config reset register: device above 31";
	else if (ACPI_GAS_PCI_FN(a) > 7)
		o->fadt_reset_why = "PCI config reset register: function above 7";
	else if (ACPI_GAS_PCI_REG(a) > 0xff)
		o->fadt_reset_why = "PCI config reset register: offset above 0xff "
				    "(extended config space, not reachable "
				    "through port 0xcf8)";
	else
		return true;
	return false;
}

static void parse_fadt_reset(struct acpi_info *o, const uint8_t *t, uint32_t len)
{
	o->fadt_reset_ok = false;
	if (o->fadt_revision < 2 || len < 129) {
		o->fadt_reset_why = "FADT revision 1 (or too short) has no reset register";
		return;
	}
	if (!(o->fadt_flags & ACPI_FADT_RESET_REG_SUP)) {
		o->fadt_reset_why = "FADT flags: RESET_REG_SUP clear";
		return;
	}
	o->fadt_reset_space = t[116];
	o->fadt_reset_addr = rd64(t + 120);
	o->fadt_reset_value = t[128];
	if (t[116] != ACPI_GAS_MEMORY && t[116] != ACPI_GAS_IO &&
	    t[116] != ACPI_GAS_PCI_CONFIG) {
		o->fadt_reset_why = "reset register in an address space other "
				    "than memory, I/O or PCI config";
		return;
	}
	/* The FADT allows RESET_REG only as an 8-bit register at bit
	 * offset 0: the value is written as one byte. */
	if (t[117] != 8) {
		o->fadt_reset_why = "reset register bit width is not 8";
		return;
	}
	if (t[118] != 0) {
		o->fadt_reset_why = "reset register bit offset is not 0";
		return;
	}
	if (!o->fadt_reset_addr) {
		o->fadt_reset_why = "reset register address is 0";
		return;
	}
	if (t[116] == ACPI_GAS_IO && o->fadt_reset_addr > 0xffff) {
		o->fadt_reset_why = "reset register I/O address above 0xffff";
		return;
	}
	if (t[116] == ACPI_GAS_PCI_CONFIG && !pci_reset_reg_ok(o))
		return;
	o->fadt_reset_ok = true;
	o->fadt_reset_why = "";
}

static void parse_fadt(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *o = c->out;

	/* Field offsets are fixed across revisions; later revisions only
	 * append, so each field is read only if the table covers it. */
	o->have_fadt = true;
	o->fadt_revision = t[8];
	if (len >= 44)
		o->fadt_dsdt = rd32(t + 40);
	if (len >= 48)
		o->fadt_sci_int = rd16(t + 46);
	if (len >= 80)
		o->fadt_pm_tmr_port = rd32(t + 76);
	if (len >= 109)
		o->fadt_century = t[108];
	/* IAPC_BOOT_ARCH arrived with ACPI 2.0 (FADT revision 3); reserved before. */
	if (len >= 111 && t[8] >= 3)
		o->fadt_iapc_boot_arch = rd16(t + 109);
	if (len >= 116)
		o->fadt_flags = rd32(t + 112);
	/* X_DSDT (140) supersedes DSDT when non-zero. */
	if (len >= 148 && rd64(t + 140))
		o->fadt_dsdt = rd64(t + 140);
	/* X_PM_TMR_BLK GAS (208): space id 1 = system I/O, address at 212. */
	if (!o->fadt_pm_tmr_port && len >= 220 && t[208] == ACPI_GAS_IO)
		o->fadt_pm_tmr_port = (uint32_t)rd64(t + 212);
	/* A hardware-reduced platform has no PM timer whatever the fields
	 * say (ACPI 6.x, 4.1). */
	if (o->fadt_flags & ACPI_FADT_HW_REDUCED)
		o->fadt_pm_tmr_port = 0;
	if (o->fadt_pm_tmr_port)
		o->fadt_pm_tmr_bits = o->fadt_flags & ACPI_FADT_TMR_VAL_EXT ? 32 : 24;
	parse_fadt_reset(o, t, len);
}

static void do_table(struct ctx *c, uint64_t phys)
{
	struct acpi_info *o = c->out;
	const uint8_t *t;
	uint32_t len;

	t = load_table(c, phys, NULL, &len);
	if (!t)
		return;
	if (!memcmp(t, "APIC", 4)) {
		if (o->have_madt)
			warn(o, "second MADT at 0x%lx ignored", phys);
		else
			parse_madt(c, t, len);
	} else if (!memcmp(t, "FACP", 4)) {
		if (o->have_fadt)
			warn(o, "second FADT at 0x%lx ignored", phys);
		else
			parse_fadt(c, t, len);
	} else if (!memcmp(t, "MCFG", 4)) {
		if (c->seen_mcfg)
			warn(o, "second MCFG at 0x%lx ignored", phys);
		else
			parse_mcfg(c, t, len);
		c->seen_mcfg = true;
	} else if (!memcmp(t, "HPET", 4)) {
		/* One HPET table per timer block; the first is block 0. */
		if (!o->have_hpet)
			parse_hpet(c, t, len);
	}
}

int acpi_parse(const struct acpi_mem *mem, const void *rsdp, size_t rsdp_len,
	       struct acpi_info *out, char *err, size_t errlen)
{
	struct ctx c = { .mem = mem, .out = out };
	const uint8_t *p = rsdp, *t = NULL;
	uint64_t rsdt, xsdt = 0, phys;
	uint32_t len = 0, esz = 4, i, n;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = 0;
	if (rsdp_bad(p, rsdp_len, err, errlen))
		return -1;
	out->rsdp_revision = p[15];
	memcpy(out->oem_id, p + 9, 6);
	rsdt = rd32(p + 16);
	if (p[15] >= 2 && rsdp_len >= RSDP_V2_LEN)
		xsdt = rd64(p + 24);
	else if (p[15] >= 2)
		warn(out, "RSDP copy has only the ACPI 1.0 part: using the RSDT");

	if (xsdt) {
		t = load_table(&c, xsdt, "XSDT", &len);
		esz = 8;
		out->used_xsdt = t != NULL;
	}
	if (!t && rsdt) {
		t = load_table(&c, rsdt, "RSDT", &len);
		esz = 4;
	}
	if (!t) {
		fmt(err, errlen, "no usable RSDT/XSDT: %s",
		    out->n_warnings ? out->warning : "RSDP gives no address");
		return -1;
	}
	if ((len - HDR_LEN) % esz)
		warn(out, "%s length %u leaves a partial entry",
		     out->used_xsdt ? "XSDT" : "RSDT", len);
	n = (len - HDR_LEN) / esz;
	for (i = 0; i < n; i++) {
		phys = esz == 8 ? rd64(t + HDR_LEN + 8 * i) : rd32(t + HDR_LEN + 4 * i);
		if (!phys) {
			warn(out, "root table entry %u is 0", i);
			continue;
		}
		do_table(&c, phys);
	}
	/* The DSDT hangs off the FADT, not the root table. */
	if (out->fadt_dsdt)
		load_table(&c, out->fadt_dsdt, "DSDT", &len);
	return 0;
}

const struct acpi_table_ref *acpi_find_table(const struct acpi_info *info,
					     const char sig[4])
{
	unsigned i;

	for (i = 0; i < info->n_tables; i++)
		if (!memcmp(info->tables[i].sig, sig, 4))
			return &info->tables[i];
	return NULL;
}
