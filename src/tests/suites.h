/*
 * suites.h - in-image test suites, registered where they are written:
 *
 *	static void run_paging(void) { ... report(...) ... }
 *	SUITE(paging, run_paging, SUITE_DEFAULT);
 *
 * tests=a,b,c on the command line picks them; "default" runs those marked
 * SUITE_DEFAULT, "all" every suite, "none" nothing. Suites run in name
 * order, each under its name as report prefix.
 */
#ifndef IRQLAB_TESTS_SUITES_H
#define IRQLAB_TESTS_SUITES_H

#include <stdbool.h>
#include <stdint.h>

#define SUITE_DEFAULT	1	/* part of the default run */
#define SUITE_OPTIONAL	0	/* only when named (long, or needs a device) */

struct suite {
	const char *name;
	void (*run)(void);
	unsigned flags;
};

#define SUITE(name, fn, flags)							\
	static const struct suite suite_##name					\
	__attribute__((used, section(".suites"), aligned(8))) = { #name, fn, flags }

/* Build the choices of tests= from the registered suites; call before
 * config_parse(). */
void suites_init(void);
/* Run what tests= selected. */
void suites_run(void);

#endif
