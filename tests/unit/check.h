/*
 * check.h - the host unit tests' tiny harness. Output matches the image's
 * report format (PASS:/FAIL: lines, a SUMMARY line) so one parser counts both.
 *
 *   CHECK(cond, "what %d", x);       one result line
 *   CHECK_EQ_U64(got, want, "what"); prints both values on failure
 *   return check_summary();          last line of main()
 */
#ifndef IRQLAB_TESTS_CHECK_H
#define IRQLAB_TESTS_CHECK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;
static const char *check_prefix = "";

static inline void check_set_prefix(const char *p) { check_prefix = p; }

__attribute__((format(printf, 2, 3)))
static inline int check_report(int ok, const char *fmt, ...)
{
	va_list ap;
	printf("%s: %s%s", ok ? "PASS" : "FAIL", check_prefix, *check_prefix ? ": " : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		check_passed++;
	else
		check_failed++;
	return ok;
}

#define CHECK(cond, ...) check_report(!!(cond), __VA_ARGS__)

#define CHECK_EQ_U64(got, want, what) do {					\
	uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);			\
	if (!check_report(g_ == w_, "%s", what))				\
		printf("      got 0x%" PRIx64 " (%" PRIu64 "), want 0x%" PRIx64	\
		       " (%" PRIu64 ")\n", g_, g_, w_, w_);			\
} while (0)

#define CHECK_STR(got, want, what) do {						\
	const char *g_ = (got), *w_ = (want);					\
	if (!check_report(g_ && w_ && strcmp(g_, w_) == 0, "%s", what))	\
		printf("      got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_); \
} while (0)

static inline int check_summary(void)
{
	printf("SUMMARY: %d tests, %d failures, 0 skipped\n",
	       check_passed + check_failed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
