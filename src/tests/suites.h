/*
 * suites.h - the in-image test suites, selected with tests=a,b,c.
 * "default" is the default run; "all" every suite.
 */
#ifndef IRQLAB_TESTS_SUITES_H
#define IRQLAB_TESTS_SUITES_H

#include <stdbool.h>
#include <stdint.h>

struct suite {
	const char *name;
	void (*run)(void);
	bool in_default;
};

/* NULL-terminated: "default", "all", "none", then each suite's name. */
extern const char *const suite_names[];
/* Run the suites selected by a tests= mask (bit i = suite_names[i]). */
void suites_run(uint64_t mask);

void test_exceptions(void);
void test_extable(void);
void test_paging(void);
void test_apic(void);
void test_acpi(void);
void test_time(void);

#endif
