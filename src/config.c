#include "config.h"
#include <stdio.h>
#include <string.h>

extern const struct config_option __config_options_start[], __config_options_end[];

static const char *const crash_choices[] = { "none", "de", "ud", "gp", "pf", "bp", NULL };
static const char *const apic_choices[] = { "auto", "xapic", "x2apic", NULL };
/* Order: enum on_done (src/lib/exit.h). */
static const char *const on_done_choices[] = { "auto", "halt", "reboot", "exit", NULL };
static const char *const dump_choices[] = { "none", "acpi", NULL };

CONFIG_OPTION(opt_crash, "crash", OPT_ENUM, crash_choices, 0, 0, "none",
	      "raise this exception unhandled after the machine report "
	      "(checks the fatal report)");
CONFIG_OPTION(opt_apic, "apic", OPT_ENUM, apic_choices, 0, 0, "auto",
	      "local APIC mode; auto = x2APIC when the CPU has it");
/* The variable keeps its old name (config.h, main.c); the key is new. */
CONFIG_OPTION(opt_on_done, "on_done", OPT_ENUM, on_done_choices, 0, 0, "auto",
	      "how a run ends: halt, reboot (ACPI reset register, port 0xcf9, "
	      "keyboard controller) or exit (QEMU isa-debug-exit); auto = exit "
	      "under QEMU, else halt");
CONFIG_OPTION(opt_dump, "dump", OPT_ENUM, dump_choices, 0, 0, "none",
	      "print raw tables for test fixtures");
CONFIG_OPTION(opt_verbose, "verbose", OPT_BOOL, NULL, 0, 0, "0",
	      "more detail in reports");

/* The registered options sorted by key, so messages list them in a
 * stable order whatever the link order. */
static struct cmdline_opt opts[CONFIG_MAX_OPTIONS];
static struct cmdline_val vals[CONFIG_MAX_OPTIONS];
static const struct config_option *owners[CONFIG_MAX_OPTIONS];
static unsigned n_opts;

static void collect(void)
{
	const struct config_option *c;

	n_opts = 0;
	for (c = __config_options_start; c < __config_options_end && n_opts < CONFIG_MAX_OPTIONS; c++) {
		unsigned i = n_opts++;

		/* insertion sort by key */
		while (i > 0 && strcmp(owners[i - 1]->opt.key, c->opt.key) > 0) {
			owners[i] = owners[i - 1];
			i--;
		}
		owners[i] = c;
	}
	for (unsigned i = 0; i < n_opts; i++)
		opts[i] = owners[i]->opt;
}

int config_parse(const char *cmdline, char *err, size_t errlen)
{
	int r;

	collect();
	r = cmdline_parse(cmdline, opts, n_opts, vals, err, errlen);
	if (r < 0) {
		/* Defaults for the rest of boot (machine report) only: the
		 * run stops with the error right after. */
		char ignored[8];

		cmdline_parse("", opts, n_opts, vals, ignored, sizeof(ignored));
	}
	for (unsigned i = 0; i < n_opts; i++)
		*owners[i]->val = vals[i];
	return r;
}

void config_print_help(void)
{
	printf("kernel command line options (key=value, see docs/cmdline.md):\n");
	for (unsigned i = 0; i < n_opts; i++) {
		const struct cmdline_opt *o = &opts[i];

		printf("  %-10s default %-8s %s", o->key, o->def, o->help);
		if (o->choices) {
			printf(" [");
			for (unsigned j = 0; o->choices[j]; j++)
				printf("%s%s", j ? "|" : "", o->choices[j]);
			printf("]");
		}
		printf("\n");
	}
}
