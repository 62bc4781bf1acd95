#include "lib/report.h"
#include "lib/exit.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_PREFIX	8
#define LINE_MAX	512

static void default_sink(const char *line)
{
	fputs(line, stdout);
}

void (*report_sink)(const char *line) = default_sink;
void (*report_result_hook)(const char *tag, const char *prefix, const char *msg);
void (*report_summary_hook)(unsigned tests, unsigned failures, unsigned skipped, int code);
void (*report_finish_hook)(int code);

static const char *prefixes[MAX_PREFIX];
static unsigned n_prefixes;
static unsigned n_pass, n_fail, n_skip;

void report_prefix_push(const char *prefix)
{
	if (n_prefixes < MAX_PREFIX)
		prefixes[n_prefixes] = prefix;
	n_prefixes++;
}

void report_prefix_pop(void)
{
	if (n_prefixes)
		n_prefixes--;
}

static void emit(const char *tag, const char *fmt, va_list ap)
{
	char line[LINE_MAX], prefix[LINE_MAX], msg[LINE_MAX];
	size_t plen = 0, len;
	unsigned i;

	prefix[0] = '\0';
	for (i = 0; i < n_prefixes && i < MAX_PREFIX && plen < sizeof(prefix); i++)
		plen += snprintf(prefix + plen, sizeof(prefix) - plen, "%s%s",
				 i ? ": " : "", prefixes[i]);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = snprintf(line, sizeof(line), "%s: %s%s%s", tag, prefix,
		       prefix[0] ? ": " : "", msg);
	/* A long line is cut, never dropped: keep room for the newline. */
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	line[len] = '\0';
	report_sink(line);
	if (report_result_hook)
		report_result_hook(tag, prefix, msg);
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	if (pass)
		n_pass++;
	else
		n_fail++;
	return pass;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("SKIP", fmt, ap);
	va_end(ap);
	n_skip++;
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("INFO", fmt, ap);
	va_end(ap);
}

unsigned report_failures(void)
{
	return n_fail;
}

int report_summary(enum exit_code reason)
{
	char line[128];

	snprintf(line, sizeof(line), "SUMMARY: %u tests, %u failures, %u skipped\n",
		 n_pass + n_fail, n_fail, n_skip);
	report_sink(line);
	if (reason == EXIT_OK && n_fail)
		reason = EXIT_FAILURES;
	if (report_summary_hook)
		report_summary_hook(n_pass + n_fail, n_fail, n_skip, reason);
	return reason;
}

void report_finish(enum exit_code reason)
{
	int code = report_summary(reason);

	if (report_finish_hook)
		report_finish_hook(code);
	platform_exit(code);
}
