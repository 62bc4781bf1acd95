#include "tests/suites.h"
#include "config.h"
#include "lib/report.h"
#include "net/netstack.h"
#include <string.h>

#define MAX_SUITES	60
#define FIRST_SUITE	3	/* choices 0..2: default, all, none */

extern const struct suite __suites_start[], __suites_end[];

static const struct suite *sorted[MAX_SUITES];
static unsigned n_suites;
static const char *names[FIRST_SUITE + MAX_SUITES + 1] = { "default", "all", "none" };

CONFIG_OPTION(opt_tests, "tests", OPT_LIST, names, 0, 0, "default",
	      "test suites to run, comma separated");

void suites_init(void)
{
	const struct suite *s;

	n_suites = 0;
	for (s = __suites_start; s < __suites_end && n_suites < MAX_SUITES; s++) {
		unsigned i = n_suites++;

		while (i > 0 && strcmp(sorted[i - 1]->name, s->name) > 0) {
			sorted[i] = sorted[i - 1];
			i--;
		}
		sorted[i] = s;
	}
	for (unsigned i = 0; i < n_suites; i++)
		names[FIRST_SUITE + i] = sorted[i]->name;
	names[FIRST_SUITE + n_suites] = NULL;
}

void suites_run(void)
{
	uint64_t mask = opt_tests.u;

	if (mask & 4)	/* none */
		return;
	for (unsigned i = 0; i < n_suites; i++) {
		bool want = (mask & (1ull << (FIRST_SUITE + i))) || (mask & 2) ||
			    ((mask & 1) && (sorted[i]->flags & SUITE_DEFAULT));

		if (!want)
			continue;
		report_prefix_push(sorted[i]->name);
		sorted[i]->run();
		report_prefix_pop();
		/* Between suites, never inside one: no network polling in a
		 * measured region. */
		net_service();
	}
}
