/*
 * ACPI as found on this machine: checksums, MADT contents cross-checked
 * with the hardware they describe.
 */
#include "tests/suites.h"
#include "platform.h"
#include "arch/hpet.h"
#include "arch/apic.h"
#include "lib/report.h"

static void test_acpi(void)
{
	if (!acpi_ok) {
		report(false, "ACPI tables found and parsed");
		return;
	}
	bool all_ok = true;
	for (unsigned i = 0; i < acpi.n_tables; i++)
		all_ok &= acpi.tables[i].checksum_ok;
	report(all_ok, "every table's checksum is valid (%u tables)", acpi.n_tables);
	report(acpi.have_madt && acpi.n_cpus >= 1, "MADT lists %u CPU(s)", acpi.n_cpus);
	report(acpi.n_ioapics >= 1, "MADT lists %u I/O APIC(s)", acpi.n_ioapics);
	report(!acpi.have_madt || (acpi.lapic_addr_override ? acpi.lapic_addr_override :
		acpi.lapic_addr) == apic_base_phys() || apic_mode() == APIC_MODE_X2APIC,
	       "MADT local APIC address matches IA32_APIC_BASE (0x%llx)",
	       (unsigned long long)apic_base_phys());
	if (acpi.have_hpet) {
		report(hpet_present(), "HPET from ACPI answers at 0x%llx",
		       (unsigned long long)acpi.hpet_addr);
		/* HPET spec 1.0a, 2.3.4: period at most 100 ns (1e8 fs). */
		report(hpet_period_fs() > 0 && hpet_period_fs() <= 100000000u,
		       "HPET period %u fs is within the spec's bound", hpet_period_fs());
	} else {
		report_skip("HPET: no ACPI HPET table");
	}
}

SUITE(acpi, test_acpi, SUITE_DEFAULT);
