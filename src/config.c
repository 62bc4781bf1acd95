#include "config.h"
#include "tests/suites.h"
#include <stdio.h>

static const char *const crash_choices[] = { "none", "de", "ud", "gp", "pf", "bp", NULL };
static const char *const apic_choices[] = { "auto", "xapic", "x2apic", NULL };
static const char *const exit_choices[] = { "auto", "qemu", "halt", NULL };
static const char *const dump_choices[] = { "none", "acpi", NULL };

static const struct cmdline_opt options[CFG_COUNT] = {
	[CFG_TESTS] = { "tests", OPT_LIST, suite_names, 0, 0, "default",
			"test suites to run, comma separated" },
	[CFG_CRASH] = { "crash", OPT_ENUM, crash_choices, 0, 0, "none",
			"raise this exception unhandled after the machine report "
			"(checks the fatal report)" },
	[CFG_APIC] = { "apic", OPT_ENUM, apic_choices, 0, 0, "auto",
		       "local APIC mode; auto = x2APIC when the CPU has it" },
	[CFG_EXIT] = { "exit", OPT_ENUM, exit_choices, 0, 0, "auto",
		       "how a run ends: auto = QEMU's isa-debug-exit under QEMU, else halt" },
	[CFG_DUMP] = { "dump", OPT_ENUM, dump_choices, 0, 0, "none",
		       "print raw tables for test fixtures" },
	[CFG_VERBOSE] = { "verbose", OPT_BOOL, NULL, 0, 0, "0",
			  "more detail in reports" },
};

static struct cmdline_val values[CFG_COUNT];

int config_parse(const char *cmdline, char *err, size_t errlen)
{
	int r = cmdline_parse(cmdline, options, CFG_COUNT, values, err, errlen);

	if (r < 0) {
		/* Defaults for the rest of boot (machine report) only: the
		 * run stops with the error right after. */
		char ignored[8];

		cmdline_parse("", options, CFG_COUNT, values, ignored, sizeof(ignored));
	}
	return r;
}

const struct cmdline_val *config(enum config_key k)
{
	return &values[k];
}

const struct cmdline_opt *config_options(unsigned *n)
{
	*n = CFG_COUNT;
	return options;
}

void config_print_help(void)
{
	printf("kernel command line options (key=value, see docs/cmdline.md):\n");
	for (unsigned i = 0; i < CFG_COUNT; i++) {
		const struct cmdline_opt *o = &options[i];

		printf("  %-8s default %-8s %s", o->key, o->def, o->help);
		if (o->choices) {
			printf(" [");
			for (unsigned j = 0; o->choices[j]; j++)
				printf("%s%s", j ? "|" : "", o->choices[j]);
			printf("]");
		}
		printf("\n");
	}
}
