/*
 * config.h - kernel command-line options, declared next to the code that
 * uses them:
 *
 *	static const char *const nmi_choices[] = { "naive", "nested", NULL };
 *	CONFIG_OPTION(opt_nmi, "nmi", OPT_ENUM, nmi_choices, 0, 0, "nested",
 *		      "NMI-entry strategy");
 *	...  if (opt_nmi.u == 1) ...
 *
 * Every option lands in one linker section; config_parse() checks the
 * command line against all of them (src/lib/cmdline.c does the parsing).
 * docs/cmdline.md documents each option; keep it in step.
 */
#ifndef IRQLAB_CONFIG_H
#define IRQLAB_CONFIG_H

#include "lib/cmdline.h"

struct config_option {
	struct cmdline_opt opt;
	struct cmdline_val *val;
};

#define CONFIG_OPTION(var, key, type, choices, min, max, def, help)	\
	struct cmdline_val var;							\
	static const struct config_option config_option_##var		\
	__attribute__((used, section(".config_options"), aligned(8))) =	\
		{ { key, type, choices, min, max, def, help }, &var }

#define CONFIG_MAX_OPTIONS 64

/* Parse; on error returns -1 and the message names the key and what it
 * accepts. Defaults are in place either way. */
int config_parse(const char *cmdline, char *err, size_t errlen);
/* Print the table of options (after an error message). */
void config_print_help(void);

/* The foundation's own options (src/config.c). */
enum crash_kind { CRASH_NONE, CRASH_DE, CRASH_UD, CRASH_GP, CRASH_PF, CRASH_BP };
enum dump_kind { DUMP_NONE, DUMP_ACPI };
extern struct cmdline_val opt_crash, opt_apic, opt_on_done, opt_dump, opt_verbose;

#endif
