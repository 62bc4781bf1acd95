/*
 * report.h - test results, kvm-unit-tests style:
 *
 *	report_prefix_push("exceptions");
 *	report(vec == 14, "#PF reports vector %d", vec);  -> "PASS: exceptions: ..."
 *	report_prefix_pop();
 *	...
 *	report_finish(EXIT_OK);   -> "SUMMARY: N tests, N failures, N skipped", exit
 *
 * Exit codes (reported through isa-debug-exit under QEMU, printed as
 * "--- DONE: <code> ---" everywhere) are documented in docs/cmdline.md.
 */
#ifndef IRQLAB_LIB_REPORT_H
#define IRQLAB_LIB_REPORT_H

#include <stdbool.h>

enum exit_code {
	EXIT_OK = 0,		/* every test passed */
	EXIT_FAILURES = 1,	/* at least one FAIL */
	EXIT_CONFIG = 2,	/* bad command line or missing boot data */
	EXIT_FATAL = 3,		/* unexpected exception or panic */
	EXIT_WATCHDOG = 4,	/* a run stopped making progress */
};

void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
bool report(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned report_failures(void);

/* Summary line, then platform_exit() with `reason`, or EXIT_FAILURES if
 * `reason` is EXIT_OK but a test failed. Does not return in the image. */
void report_finish(enum exit_code reason) __attribute__((noreturn));
/* The summary line alone; returns the exit code report_finish would use. */
int report_summary(enum exit_code reason);

/* Where finished lines go; the image sets the console, host tests a buffer. */
extern void (*report_sink)(const char *line);
/* Optional observers (the image turns results into records): each result
 * as tag ("PASS", "FAIL", "SKIP", "INFO"), joined prefixes and message;
 * the summary; and the end of the run just before platform_exit(). */
extern void (*report_result_hook)(const char *tag, const char *prefix, const char *msg);
extern void (*report_summary_hook)(unsigned tests, unsigned failures, unsigned skipped, int code);
extern void (*report_finish_hook)(int code);

#endif
