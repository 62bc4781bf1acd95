#include "platform.h"
#include "lib/report.h"
#include <stdio.h>
#include <string.h>

struct boot_info boot;
struct acpi_info acpi;
bool acpi_ok;
const char *acpi_rsdp_source = "none";
static uint8_t rsdp_used[64];	/* the RSDP acpi_parse() was given */
static size_t rsdp_used_len;

/* Everything below 4 GiB is identity mapped (boot/entry.S). */
static const void *identity_read(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys + len < phys || phys + len > 0x100000000ull)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

static const struct acpi_mem identity_mem = { identity_read, NULL };

void platform_read_bootinfo(uint32_t magic, uint32_t info_phys)
{
	char err[160];

	if (bootinfo_parse(magic, info_phys, identity_read, NULL, &boot, err,
			   sizeof(err)) < 0) {
		printf("irqlab: cannot read the boot information: %s\n", err);
		report(false, "boot information readable");
		report_finish(EXIT_CONFIG);
	}
}

void platform_read_acpi(void)
{
	char err[160];
	uint8_t rsdp_copy[36];
	const void *rsdp = NULL;
	size_t rsdp_len = 0;

	if (boot.rsdp_tag && acpi_rsdp_valid(boot.rsdp, boot.rsdp_len, err, sizeof(err))) {
		rsdp = boot.rsdp;
		rsdp_len = boot.rsdp_len;
		acpi_rsdp_source = boot.rsdp_tag == 15 ? "multiboot2 ACPI 2.0 tag"
						       : "multiboot2 ACPI 1.0 tag";
	} else {
		if (boot.rsdp_tag)
			printf("irqlab: the loader's RSDP copy is invalid (%s); "
			       "scanning the BIOS area\n", err);
		uint64_t phys = acpi_find_rsdp_bios(&identity_mem);

		if (phys) {
			memcpy(rsdp_copy, (const void *)(uintptr_t)phys, sizeof(rsdp_copy));
			rsdp = rsdp_copy;
			/* An ACPI 1.0 RSDP is 20 bytes; 2.0+ is 36. */
			rsdp_len = rsdp_copy[15] >= 2 ? 36 : 20;
			acpi_rsdp_source = "BIOS area scan";
		}
	}
	if (!rsdp) {
		printf("irqlab: no ACPI RSDP (no multiboot2 ACPI tag, none in the "
		       "EBDA or 0xE0000-0xFFFFF): no MADT, HPET or MCFG; "
		       "APIC defaults only\n");
		return;
	}
	memcpy(rsdp_used, rsdp, rsdp_len);
	rsdp_used_len = rsdp_len;
	if (acpi_parse(&identity_mem, rsdp, rsdp_len, &acpi, err, sizeof(err)) < 0) {
		printf("irqlab: ACPI tables unusable: %s\n", err);
		return;
	}
	acpi_ok = true;
	if (!acpi.have_madt)
		printf("irqlab: ACPI has no MADT (APIC table): CPU and I/O APIC "
		       "list unknown\n");
	if (!acpi.have_hpet)
		printf("irqlab: ACPI has no HPET table: HPET not used\n");
	if (acpi.n_warnings)
		printf("irqlab: ACPI: %u warning(s), first: %s\n", acpi.n_warnings,
		       acpi.warning);
}

static void dump_blob(const char *what, uint64_t phys, const void *p, size_t len)
{
	const uint8_t *b = p;

	printf("ACPIDUMP %s 0x%llx %zu ", what, (unsigned long long)phys, len);
	for (size_t i = 0; i < len; i++)
		printf("%02x", b[i]);
	printf("\n");
}

void platform_dump_acpi(void)
{
	if (!acpi_ok) {
		printf("ACPIDUMP none\n");
		return;
	}
	dump_blob("RSDP", 0, rsdp_used, rsdp_used_len);
	for (unsigned i = 0; i < acpi.n_tables; i++)
		dump_blob(acpi.tables[i].sig, acpi.tables[i].phys,
			  (const void *)(uintptr_t)acpi.tables[i].phys,
			  acpi.tables[i].length);
}
