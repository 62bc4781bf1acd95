/*
 * config.h - irqlab's kernel command-line options (docs/cmdline.md).
 */
#ifndef IRQLAB_CONFIG_H
#define IRQLAB_CONFIG_H

#include "lib/cmdline.h"

enum config_key {
	CFG_TESTS,	/* suites to run */
	CFG_CRASH,	/* raise an unhandled exception on purpose */
	CFG_APIC,	/* auto, xapic, x2apic */
	CFG_EXIT,	/* auto, qemu, halt */
	CFG_DUMP,	/* none, acpi */
	CFG_VERBOSE,
	CFG_COUNT
};

enum crash_kind { CRASH_NONE, CRASH_DE, CRASH_UD, CRASH_GP, CRASH_PF, CRASH_BP };
enum exit_kind { EXITK_AUTO, EXITK_QEMU, EXITK_HALT };
enum dump_kind { DUMP_NONE, DUMP_ACPI };

/* Parse; on error returns -1 and the message names the key and what it
 * accepts. Defaults are in place either way. */
int config_parse(const char *cmdline, char *err, size_t errlen);
const struct cmdline_val *config(enum config_key k);
const struct cmdline_opt *config_options(unsigned *n);
/* Print the table of options (for an error message). */
void config_print_help(void);

#endif
