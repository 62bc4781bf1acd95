#include "tests/suites.h"
#include "lib/report.h"

#define FIRST_SUITE 3	/* suite_names[0..2] are default, all, none */

static const struct suite suites[] = {
	{ "exceptions", test_exceptions, true },
	{ "extable", test_extable, true },
	{ "paging", test_paging, true },
	{ "apic", test_apic, true },
	{ "acpi", test_acpi, true },
	{ "time", test_time, true },
};

const char *const suite_names[] = {
	"default", "all", "none",
	"exceptions", "extable", "paging", "apic", "acpi", "time",
	0,
};

_Static_assert(sizeof(suite_names) / sizeof(suite_names[0]) ==
	       FIRST_SUITE + sizeof(suites) / sizeof(suites[0]) + 1,
	       "suite_names and suites disagree");

void suites_run(uint64_t mask)
{
	for (unsigned i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		bool want = (mask & (1ull << (FIRST_SUITE + i))) ||
			    (mask & 2) || ((mask & 1) && suites[i].in_default);

		if (!want || (mask & 4))
			continue;
		report_prefix_push(suites[i].name);
		suites[i].run();
		report_prefix_pop();
	}
}
