/*
 * platform.h - what boot learned about the machine, for everything after:
 * the loader's information and the ACPI tables.
 */
#ifndef IRQLAB_PLATFORM_H
#define IRQLAB_PLATFORM_H

#include "acpi/acpi.h"
#include "boot/bootinfo.h"

extern struct boot_info boot;
extern struct acpi_info acpi;
extern bool acpi_ok;
extern const char *acpi_rsdp_source;	/* "multiboot2 tag 15", "BIOS scan" */

/* Copies the loader's data; stops the run with a message on bad input. */
void platform_read_bootinfo(uint32_t magic, uint32_t info_phys);
/* Find and parse ACPI; prints a clear line for anything missing. */
void platform_read_acpi(void);
/* Print the tables raw, as test fixtures (dump=acpi; format in
 * tests/data/acpi/README.md). */
void platform_dump_acpi(void);

#endif
