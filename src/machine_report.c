/*
 * machine_report.c - what machine this is, gathered once, printed as the
 * first output of the run and emitted as the first records (run, machine)
 * so figures from different machines can be told apart and compared.
 */
#include "machine_report.h"
#include "platform.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/hpet.h"
#include "arch/pic.h"
#include "arch/pit.h"
#include "arch/pmtimer.h"
#include "arch/tsc.h"
#include "drivers/console.h"
#include "drivers/screen.h"
#include "mem/palloc.h"
#include "record/record.h"
#include <stdio.h>
#include <string.h>

extern char _image_start[], _image_end[];

struct machine_info {
	char vendor[13], brand[49], hypervisor[13];
	uint32_t family, model, stepping, hv_max_leaf;
	bool microcode_ok;
	uint32_t microcode;
	unsigned pmu_version, pmu_gp, pmu_gp_width, pmu_fixed, pmu_fixed_width;
	uint32_t pmu_events;
	struct {
		bool x2apic, tsc_deadline, invariant_tsc, pcid, smep, smap, la57,
		     nx, rdrand, hypervisor;
	} f;
};

static void regs_to_str(char *dst, uint32_t a, uint32_t b, uint32_t c)
{
	memcpy(dst, &a, 4);
	memcpy(dst + 4, &b, 4);
	memcpy(dst + 8, &c, 4);
	dst[12] = '\0';
	for (unsigned i = 0; i < 12; i++)
		if (dst[i] && (dst[i] < 32 || dst[i] > 126))
			dst[i] = '?';
}

static void probe(struct machine_info *m)
{
	struct cpuid_regs r = cpuid(0), l1 = cpuid(1), l7 = { 0, 0, 0, 0 }, e1 = { 0, 0, 0, 0 };
	uint32_t sig = l1.a;
	uint64_t rev;

	memset(m, 0, sizeof(*m));
	regs_to_str(m->vendor, r.b, r.d, r.c);
	/* SDM vol. 2, CPUID: the extended family adds to family 0xf only;
	 * the extended model extends families 6 and 0xf. */
	m->family = (sig >> 8) & 0xf;
	m->model = (sig >> 4) & 0xf;
	m->stepping = sig & 0xf;
	if (m->family == 0xf)
		m->family += (sig >> 20) & 0xff;
	if (m->family == 6 || m->family >= 0xf)
		m->model |= ((sig >> 16) & 0xf) << 4;
	if (cpuid_max_ext() >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++) {
			struct cpuid_regs b = cpuid(0x80000002 + i);

			memcpy(m->brand + 16 * i, &b, 16);
		}
		m->brand[48] = '\0';
	}

	/* Microcode: Intel wants 0 written to the signature MSR and a
	 * CPUID(1) before the read (SDM 9.11.7.1); AMD reports the patch
	 * level at the same MSR, read-only. */
	bool intel = strcmp(m->vendor, "GenuineIntel") == 0;
	if (intel && wrmsr_safe(MSR_IA32_BIOS_SIGN_ID, 0) == 0)
		(void)cpuid(1);
	if (rdmsr_safe(MSR_IA32_BIOS_SIGN_ID, &rev) == 0) {
		m->microcode_ok = true;
		m->microcode = intel ? (uint32_t)(rev >> 32) : (uint32_t)rev;
	}

	if (l1.c >> 31) {
		struct cpuid_regs h = cpuid(0x40000000);

		regs_to_str(m->hypervisor, h.b, h.c, h.d);
		m->hv_max_leaf = h.a;
	}

	if (cpuid_max_basic() >= 0xa && (cpuid(0xa).a & 0xff)) {
		struct cpuid_regs p = cpuid(0xa);

		m->pmu_version = p.a & 0xff;
		m->pmu_gp = (p.a >> 8) & 0xff;
		m->pmu_gp_width = (p.a >> 16) & 0xff;
		m->pmu_events = p.b;
		if (m->pmu_version > 1) {
			m->pmu_fixed = p.d & 0x1f;
			m->pmu_fixed_width = (p.d >> 5) & 0xff;
		}
	}

	if (cpuid_max_basic() >= 7)
		l7 = cpuid_count(7, 0);
	if (cpuid_max_ext() >= 0x80000001)
		e1 = cpuid(0x80000001);
	m->f.x2apic = (l1.c >> 21) & 1;
	m->f.tsc_deadline = (l1.c >> 24) & 1;
	m->f.invariant_tsc = tsc_invariant();
	m->f.pcid = (l1.c >> 17) & 1;
	m->f.smep = (l7.b >> 7) & 1;
	m->f.smap = (l7.b >> 20) & 1;
	m->f.la57 = (l7.c >> 16) & 1;
	m->f.nx = (e1.d >> 20) & 1;
	m->f.rdrand = (l1.c >> 30) & 1;
	m->f.hypervisor = (l1.c >> 31) & 1;
}

/* What the machine lacks, said outright: a UEFI-only board or QEMU's
 * pic=off/pit=off/hpet=off/-serial none runs on without these. */
static void print_legacy(void)
{
	printf("  legacy: PIC %s, PIT %s, HPET ", pic_present() ? "present" : "absent",
	       pit_present() ? "present" : "absent");
	if (hpet_present())
		printf("at 0x%llx", (unsigned long long)hpet_phys_base());
	else
		printf("absent (%s)", acpi_ok && acpi.have_hpet ? "ACPI table, but no "
		       "counter answers" : "no ACPI HPET table");
	if (pmtimer_present())
		printf(", PM timer at port 0x%x (%u bits)", pmtimer_port(), pmtimer_bits());
	else
		printf(", PM timer absent (%s)", pmtimer_absent_why());
	printf(", serial %s", console_has_serial() ? "COM1" : "absent");
	if (acpi_ok && acpi.have_fadt)
		printf(", reset %s%s\n", acpi.fadt_reset_ok ? "via ACPI register" :
		       "ACPI register unusable: ", acpi.fadt_reset_ok ? "" : acpi.fadt_reset_why);
	else
		printf(", reset: no FADT\n");
	if (acpi_ok && acpi.have_madt && (acpi.madt_flags & ACPI_MADT_PCAT_COMPAT) &&
	    !pic_present())
		printf("  legacy: the MADT claims 8259s (PCAT_COMPAT) but none answers\n");
}

static void print_text(const struct machine_info *m)
{
	uint64_t hz = tsc_freq_hz();
	struct palloc_stats s = palloc_stats();
	unsigned avail = 0;

	printf("irqlab %s machine report (run %016llx)\n", IRQLAB_VERSION,
	       (unsigned long long)record_run_id());
	printf("  cpu: %s family 0x%x model 0x%x stepping 0x%x \"%s\"\n",
	       m->vendor, m->family, m->model, m->stepping, m->brand);
	if (m->microcode_ok)
		printf("  microcode: 0x%x\n", m->microcode);
	else
		printf("  microcode: not readable (MSR 0x8b faults)\n");
	if (m->f.hypervisor)
		printf("  hypervisor: \"%s\" (max leaf 0x%x)\n", m->hypervisor, m->hv_max_leaf);
	else
		printf("  hypervisor: none reported (CPUID.1:ECX[31] clear)\n");
	printf("  tsc: %llu.%03llu MHz from %s", (unsigned long long)(hz / 1000000),
	       (unsigned long long)(hz / 1000 % 1000), tsc_source_name(tsc_freq_source()));
	if (tsc_calibration_windows())
		printf(" (%u windows, %u redone, spread %llu ppm)",
		       tsc_calibration_windows(), tsc_calibration_retries(),
		       (unsigned long long)tsc_calibration_spread_ppm());
	printf(", invariant %s\n", m->f.invariant_tsc ? "yes" : "no");
	if (apic_mode() != APIC_MODE_NONE)
		printf("  apic: %s, id %u, version 0x%x, %u LVT entries, base 0x%llx, "
		       "timer %llu Hz\n", apic_mode_name(apic_mode()), apic_id(),
		       apic_read(APIC_VERSION) & 0xff, apic_max_lvt(),
		       (unsigned long long)apic_base_phys(),
		       (unsigned long long)apic_timer_hz());
	else
		printf("  apic: not initialised\n");
	if (m->pmu_version)
		printf("  pmu: architectural v%u, %u general counters x %u bits, "
		       "%u fixed x %u bits, events mask 0x%x\n", m->pmu_version,
		       m->pmu_gp, m->pmu_gp_width, m->pmu_fixed, m->pmu_fixed_width,
		       m->pmu_events);
	else
		printf("  pmu: none (CPUID leaf 0xA reports no architectural PMU)\n");
	printf("  features: x2apic=%d tsc-deadline=%d invariant-tsc=%d pcid=%d "
	       "smep=%d smap=%d la57=%d nx=%d rdrand=%d hypervisor=%d\n",
	       m->f.x2apic, m->f.tsc_deadline, m->f.invariant_tsc, m->f.pcid,
	       m->f.smep, m->f.smap, m->f.la57, m->f.nx, m->f.rdrand, m->f.hypervisor);
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
	if (acpi_ok) {
		printf("  acpi: RSDP rev %u from %s, OEM \"%s\", %s; tables:",
		       acpi.rsdp_revision, acpi_rsdp_source, acpi.oem_id,
		       acpi.used_xsdt ? "XSDT" : "RSDT");
		for (unsigned i = 0; i < acpi.n_tables; i++)
			printf(" %s%s", acpi.tables[i].sig,
			       acpi.tables[i].checksum_ok ? "" : "(bad)");
		printf("\n  acpi: %u CPU(s), %u I/O APIC(s), %u LAPIC NMI entr%s, HPET %s",
		       acpi.n_cpus, acpi.n_ioapics, acpi.n_lapic_nmis,
		       acpi.n_lapic_nmis == 1 ? "y" : "ies", acpi.have_hpet ? "at" : "none");
		if (acpi.have_hpet)
			printf(" 0x%llx", (unsigned long long)acpi.hpet_addr);
		printf(", MCFG %u segment(s)\n", acpi.n_mcfg);
	} else {
		printf("  acpi: none\n");
	}
	print_legacy();
	printf("  boot: multiboot%d, loader \"%s\"%s\n", boot.protocol,
	       boot.loader[0] ? boot.loader : "unnamed", boot.efi ? ", EFI" : "");
	printf("  cmdline: \"%s\"\n", boot.cmdline);
	{
		char scr[200];

		printf("  screen: %s\n", screen_describe(scr, sizeof(scr)));
	}
	printf("  console: serial %s, debugcon %s\n",
	       console_has_serial() ? "COM1 115200" : "absent",
	       console_has_debugcon() ? "0xe9" : "absent");
}

static void emit_records(const struct machine_info *m)
{
	char cmd[2 * BOOTINFO_CMDLINE_MAX], brand[2 * sizeof(m->brand)];
	char hv[2 * sizeof(m->hypervisor)], loader[2 * sizeof(boot.loader)];
	char scr[200], scrj[400];

	record_emitf(REC_RUN, "{\"run\":\"%016llx\",\"version\":\"%s\",\"cmdline\":\"%s\","
		     "\"boot\":\"multiboot%d\",\"loader\":\"%s\",\"efi\":%s,\"screen\":\"%s\"}",
		     (unsigned long long)record_run_id(), IRQLAB_VERSION,
		     json_escape(cmd, sizeof(cmd), boot.cmdline), boot.protocol,
		     json_escape(loader, sizeof(loader), boot.loader),
		     boot.efi ? "true" : "false",
		     json_escape(scrj, sizeof(scrj), screen_describe(scr, sizeof(scr))));
	record_emitf(REC_MACHINE, "{\"vendor\":\"%s\",\"family\":%u,\"model\":%u,"
		     "\"stepping\":%u,\"brand\":\"%s\",\"microcode\":%s%u%s,"
		     "\"hypervisor\":\"%s\",\"tsc_hz\":%llu,\"tsc_source\":\"%s\","
		     "\"tsc_spread_ppm\":%llu,\"invariant_tsc\":%d,\"apic\":\"%s\","
		     "\"apic_id\":%u,\"apic_timer_hz\":%llu,\"pmu_version\":%u,"
		     "\"pmu_gp\":%u,\"pmu_gp_width\":%u,\"pmu_fixed\":%u,"
		     "\"pmu_fixed_width\":%u,\"x2apic\":%d,\"tsc_deadline\":%d,"
		     "\"pcid\":%d,\"smep\":%d,\"smap\":%d,\"la57\":%d,\"nx\":%d,"
		     "\"memory_mib\":%llu,\"acpi_cpus\":%u,\"hpet\":%d,\"pic\":%d,"
		     "\"pit\":%d,\"pm_timer_port\":%u,\"pm_timer_bits\":%u,"
		     "\"serial\":%d,\"acpi_reset\":%d}",
		     m->vendor, m->family, m->model, m->stepping,
		     json_escape(brand, sizeof(brand), m->brand),
		     m->microcode_ok ? "" : "null,\"microcode_raw\":", m->microcode,
		     "", json_escape(hv, sizeof(hv), m->hypervisor),
		     (unsigned long long)tsc_freq_hz(), tsc_source_name(tsc_freq_source()),
		     (unsigned long long)tsc_calibration_spread_ppm(), m->f.invariant_tsc,
		     apic_mode_name(apic_mode()), apic_mode() ? apic_id() : 0,
		     (unsigned long long)apic_timer_hz(), m->pmu_version, m->pmu_gp,
		     m->pmu_gp_width, m->pmu_fixed, m->pmu_fixed_width, m->f.x2apic,
		     m->f.tsc_deadline, m->f.pcid, m->f.smep, m->f.smap, m->f.la57,
		     m->f.nx, (unsigned long long)(bootinfo_available_bytes(&boot) >> 20),
		     acpi_ok ? acpi.n_cpus : 0, hpet_present(), pic_present(),
		     pit_present(), pmtimer_present() ? pmtimer_port() : 0,
		     pmtimer_present() ? pmtimer_bits() : 0, console_has_serial(),
		     acpi_ok && acpi.fadt_reset_ok);
}

void machine_report(void)
{
	struct machine_info m;

	probe(&m);
	print_text(&m);
	emit_records(&m);
}
