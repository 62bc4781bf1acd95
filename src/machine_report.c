#include "machine_report.h"
#include "platform.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/tsc.h"
#include "drivers/console.h"
#include "mem/palloc.h"
#include <stdio.h>
#include <string.h>

extern char _image_start[], _image_end[];

static void cpu_line(void)
{
	struct cpuid_regs r = cpuid(0);
	char vendor[13], brand[49] = "";
	uint32_t sig, family, model, stepping;

	memcpy(vendor, &r.b, 4);
	memcpy(vendor + 4, &r.d, 4);
	memcpy(vendor + 8, &r.c, 4);
	vendor[12] = '\0';
	sig = cpuid(1).a;
	/* SDM vol. 2, CPUID: the extended family adds to family 0xf only;
	 * the extended model extends families 6 and 0xf. */
	family = (sig >> 8) & 0xf;
	model = (sig >> 4) & 0xf;
	stepping = sig & 0xf;
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family == 6 || family >= 0xf)
		model |= ((sig >> 16) & 0xf) << 4;
	if (cpuid_max_ext() >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++) {
			struct cpuid_regs b = cpuid(0x80000002 + i);

			memcpy(brand + 16 * i, &b, 16);
		}
		brand[48] = '\0';
	}
	printf("  cpu: %s family 0x%x model 0x%x stepping 0x%x \"%s\"\n",
	       vendor, family, model, stepping, brand);

	/* Microcode: write 0 to the signature MSR, CPUID(1), read it back
	 * (Intel SDM 9.11.7.1); AMD reports the patch level at the same MSR. */
	uint64_t rev;
	bool intel = strcmp(vendor, "GenuineIntel") == 0;

	if (intel && wrmsr_safe(MSR_IA32_BIOS_SIGN_ID, 0) == 0)
		(void)cpuid(1);
	if (rdmsr_safe(MSR_IA32_BIOS_SIGN_ID, &rev) == 0) {
		printf("  microcode: 0x%x\n", intel ? (uint32_t)(rev >> 32) : (uint32_t)rev);
		return;
	}
	printf("  microcode: not readable (MSR 0x8b faults)\n");
}

static void hypervisor_line(void)
{
	if (!cpu_has_feature_1ecx(31)) {
		printf("  hypervisor: none reported (CPUID.1:ECX[31] clear)\n");
		return;
	}
	struct cpuid_regs h = cpuid(0x40000000);
	char sig[13];

	memcpy(sig, &h.b, 4);
	memcpy(sig + 4, &h.c, 4);
	memcpy(sig + 8, &h.d, 4);
	sig[12] = '\0';
	for (unsigned i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < 32 || sig[i] > 126))
			sig[i] = '?';
	printf("  hypervisor: \"%s\" (max leaf 0x%x)\n", sig, h.a);
}

static void pmu_line(void)
{
	if (cpuid_max_basic() < 0xa || (cpuid(0xa).a & 0xff) == 0) {
		printf("  pmu: none (CPUID leaf 0xA reports no architectural PMU)\n");
		return;
	}
	struct cpuid_regs p = cpuid(0xa);
	unsigned version = p.a & 0xff, n_gp = (p.a >> 8) & 0xff;
	unsigned gp_width = (p.a >> 16) & 0xff;
	unsigned n_fixed = version > 1 ? (p.d & 0x1f) : 0;
	unsigned fixed_width = version > 1 ? ((p.d >> 5) & 0xff) : 0;

	printf("  pmu: architectural v%u, %u general counters x %u bits, "
	       "%u fixed x %u bits, events mask 0x%x\n",
	       version, n_gp, gp_width, n_fixed, fixed_width, p.b);
}

static void features_line(void)
{
	struct cpuid_regs l1 = cpuid(1), l7 = { 0, 0, 0, 0 }, e1 = { 0, 0, 0, 0 };

	if (cpuid_max_basic() >= 7)
		l7 = cpuid_count(7, 0);
	if (cpuid_max_ext() >= 0x80000001)
		e1 = cpuid(0x80000001);
	printf("  features: x2apic=%d tsc-deadline=%d invariant-tsc=%d pcid=%d "
	       "smep=%d smap=%d la57=%d nx=%d rdrand=%d hypervisor=%d\n",
	       (l1.c >> 21) & 1, (l1.c >> 24) & 1, tsc_invariant(),
	       (l1.c >> 17) & 1, (l7.b >> 7) & 1, (l7.b >> 20) & 1,
	       (l7.c >> 16) & 1, (e1.d >> 20) & 1, (l1.c >> 30) & 1,
	       (l1.c >> 31) & 1);
}

static void memory_line(void)
{
	struct palloc_stats s = palloc_stats();
	unsigned avail = 0;

	for (unsigned i = 0; i < boot.n_mmap; i++)
		avail += boot.mmap[i].type == MMAP_AVAILABLE;
	printf("  memory: %llu MiB available in %u of %u map entries%s; "
	       "allocator %llu MiB; image 0x%llx-0x%llx (%llu KiB)\n",
	       (unsigned long long)(bootinfo_available_bytes(&boot) >> 20),
	       avail, boot.n_mmap, boot.mmap_truncated ? " (map truncated)" : "",
	       (unsigned long long)(s.bytes_usable >> 20),
	       (unsigned long long)(uintptr_t)_image_start,
	       (unsigned long long)(uintptr_t)_image_end,
	       (unsigned long long)((_image_end - _image_start) >> 10));
}

static void acpi_line(void)
{
	if (!acpi_ok) {
		printf("  acpi: none\n");
		return;
	}
	printf("  acpi: RSDP rev %u from %s, OEM \"%s\", %s; tables:",
	       acpi.rsdp_revision, acpi_rsdp_source, acpi.oem_id,
	       acpi.used_xsdt ? "XSDT" : "RSDT");
	for (unsigned i = 0; i < acpi.n_tables; i++)
		printf(" %s%s", acpi.tables[i].sig, acpi.tables[i].checksum_ok ? "" : "(bad)");
	printf("\n  acpi: %u CPU(s), %u I/O APIC(s), %u LAPIC NMI entr%s, HPET %s",
	       acpi.n_cpus, acpi.n_ioapics, acpi.n_lapic_nmis,
	       acpi.n_lapic_nmis == 1 ? "y" : "ies", acpi.have_hpet ? "at" : "none");
	if (acpi.have_hpet)
		printf(" 0x%llx", (unsigned long long)acpi.hpet_addr);
	printf(", MCFG %u segment(s)\n", acpi.n_mcfg);
}

void machine_report(void)
{
	uint64_t hz = tsc_freq_hz();

	printf("irqlab %s machine report\n", IRQLAB_VERSION);
	cpu_line();
	hypervisor_line();
	printf("  tsc: %llu.%03llu MHz from %s", (unsigned long long)(hz / 1000000),
	       (unsigned long long)(hz / 1000 % 1000),
	       tsc_source_name(tsc_freq_source()));
	if (tsc_calibration_windows())
		printf(" (%u windows, spread %llu ppm)", tsc_calibration_windows(),
		       (unsigned long long)tsc_calibration_spread_ppm());
	printf(", invariant %s\n", tsc_invariant() ? "yes" : "no");
	if (apic_mode() != APIC_MODE_NONE)
		printf("  apic: %s, id %u, version 0x%x, %u LVT entries, base 0x%llx, "
		       "timer %llu Hz\n", apic_mode_name(apic_mode()), apic_id(),
		       apic_read(APIC_VERSION) & 0xff, apic_max_lvt(),
		       (unsigned long long)apic_base_phys(),
		       (unsigned long long)apic_timer_hz());
	else
		printf("  apic: not initialised\n");
	pmu_line();
	features_line();
	memory_line();
	acpi_line();
	printf("  boot: multiboot%d, loader \"%s\"%s\n", boot.protocol,
	       boot.loader[0] ? boot.loader : "unnamed", boot.efi ? ", EFI" : "");
	printf("  cmdline: \"%s\"\n", boot.cmdline);
	printf("  console: serial %s, debugcon %s\n",
	       console_has_serial() ? "COM1 115200" : "absent",
	       console_has_debugcon() ? "0xe9" : "absent");
}
