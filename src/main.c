/*
 * main.c - kmain: bring the machine up in dependency order, print the
 * machine report, run the selected suites, end the run.
 */
#include "config.h"
#include "machine_report.h"
#include "platform.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/pic.h"
#include "arch/tsc.h"
#include "drivers/console.h"
#include "drivers/screen.h"
#include "irqflags/irqflags.h"
#include "drivers/nic_probe.h"
#include "drivers/pci.h"
#include "lib/exit.h"
#include "lib/report.h"
#include "mem/palloc.h"
#include "net/net.h"
#include "nmi/strategy.h"
#include "net/netstack.h"
#include "record/record.h"
#include "run.h"
#include "tests/crash.h"
#include "tests/suites.h"
#include <stdio.h>

extern char _image_start[], _image_end[];

void kmain(uint32_t magic, uint32_t info_phys);

/* PCI through ECAM when ACPI's MCFG describes segment 0, else ports. */
static void pci_setup(void)
{
	const struct acpi_mcfg *m = NULL;

	for (unsigned i = 0; acpi_ok && i < acpi.n_mcfg; i++)
		if (acpi.mcfg[i].segment == 0) {
			m = &acpi.mcfg[i];
			break;
		}
	pci_init(m ? m->base : 0, m ? m->bus_start : 0, m ? m->bus_end : 0);
}

void kmain(uint32_t magic, uint32_t info_phys)
{
	char cmdline_err[512], apic_err[160], nmi_err[160];
	int cmdline_bad, apic_bad = 0, nmi_bad;

	/* Order matters: GS (this_cpu) before any trap can be taken; the
	 * IDT before anything can fault; the loader's data copied out before
	 * the page allocator may hand its memory out. */
	percpu_init_boot_cpu();
	console_init();
	record_init();
	run_records_init();
	desc_init();
	platform_read_bootinfo(magic, info_phys);
	suites_init();
	cmdline_bad = config_parse(boot.cmdline, cmdline_err, sizeof(cmdline_err));
	platform_exit_mode((int)opt_on_done.u);
	nmi_bad = nmi_strategy_init(nmi_err, sizeof(nmi_err)) < 0;
	irqflags_init();
	palloc_init(&boot, (uintptr_t)_image_start, (uintptr_t)_image_end);
	paging_init();
	platform_read_acpi();
	/* After config_parse (screen=), paging (map_mmio) and ACPI (the
	 * FADT's "VGA not present" bit); earlier output is replayed. */
	screen_init(&boot);
	pci_setup();
	if (acpi.have_hpet)
		map_mmio(acpi.hpet_addr, 4096);
	tsc_init(acpi.have_hpet ? acpi.hpet_addr : 0);
	pic_disable();
	if (apic_init((enum apic_request)opt_apic.u, apic_err, sizeof(apic_err)) < 0)
		apic_bad = 1;
	else
		apic_timer_calibrate();
	net_stack_init();

	machine_report();

	if (cmdline_bad) {
		printf("irqlab: command line: %s\n", cmdline_err);
		config_print_help();
		report(false, "command line accepted");
		report_finish(EXIT_CONFIG);
	}
	if (nmi_bad) {
		printf("irqlab: NMI entry: %s\n", nmi_err);
		report(false, "NMI entry installed");
		report_finish(EXIT_CONFIG);
	}
	if (apic_bad) {
		printf("irqlab: local APIC: %s\n", apic_err);
		report(false, "local APIC initialised");
		report_finish(EXIT_CONFIG);
	}
	net_start();
	if (opt_dump.u == DUMP_ACPI)
		platform_dump_acpi();
	if (opt_crash.u != CRASH_NONE)
		crash_on_purpose((enum crash_kind)opt_crash.u);

	irq_hard_enable();
	suites_run();
	irq_hard_disable();

	struct palloc_stats ps = palloc_stats();
	printf("irqlab: memory used: %llu pages allocated, highest address 0x%llx\n",
	       (unsigned long long)ps.pages_allocated,
	       (unsigned long long)(ps.highest_end > (uintptr_t)_image_end ?
				    ps.highest_end : (uintptr_t)_image_end));
	report_finish(EXIT_OK);
}
