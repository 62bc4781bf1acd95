/*
 * test_report.c - host tests of the result lines (src/lib/report.c): the
 * exact text of PASS/FAIL/SKIP/INFO lines with prefixes, cutting of long
 * lines, the counters, the SUMMARY line and the exit code it implies.
 * report_sink is pointed at a buffer; report_finish() is not called (it
 * exits). The counters are global, so the tests run in a fixed order.
 */
// uses: src/lib/report.c src/lib/exit.c
#include <stdint.h>
#include <stdlib.h>

#include "tests/unit/check.h"
#include "lib/report.h"

/* Everything the sink received, and the last line alone. */
static char out[8192];
static size_t out_len;
static char last[2048];
static unsigned n_lines;

static void sink(const char *line)
{
	size_t n = strlen(line);

	n_lines++;
	if (n >= sizeof(last))
		n = sizeof(last) - 1;
	memcpy(last, line, n);
	last[n] = '\0';
	if (out_len + n < sizeof(out)) {
		memcpy(out + out_len, line, n);
		out_len += n;
		out[out_len] = '\0';
	}
}

static void reset(void)
{
	out_len = 0;
	out[0] = last[0] = '\0';
	n_lines = 0;
}

static void test_lines(void)
{
	bool r;

	check_set_prefix("lines");
	reset();
	r = report(true, "msg %d", 5);
	CHECK_STR(last, "PASS: msg 5\n", "PASS without prefix");
	CHECK(r, "report(true) returns true");
	r = report(false, "bad %s", "thing");
	CHECK_STR(last, "FAIL: bad thing\n", "FAIL without prefix");
	CHECK(!r, "report(false) returns false");
	CHECK_EQ_U64(n_lines, 2, "one sink call per result");

	report_prefix_push("a");
	report_prefix_push("b");
	report(true, "msg");
	CHECK_STR(last, "PASS: a: b: msg\n", "two prefixes, in push order");
	report(false, "x=%u", 7u);
	CHECK_STR(last, "FAIL: a: b: x=7\n", "FAIL with prefixes");
	report_skip("no %s", "hpet");
	CHECK_STR(last, "SKIP: a: b: no hpet\n", "SKIP with prefixes");
	report_info("tsc %u MHz", 3000u);
	CHECK_STR(last, "INFO: a: b: tsc 3000 MHz\n", "INFO with prefixes");
	report_prefix_pop();
	report(true, "after pop");
	CHECK_STR(last, "PASS: a: after pop\n", "pop removes the last prefix");
	report_prefix_pop();
	report(true, "none");
	CHECK_STR(last, "PASS: none\n", "both popped");
	report_prefix_pop();		/* one too many: harmless */
	report_prefix_push("c");
	report(true, "m");
	CHECK_STR(last, "PASS: c: m\n", "pop on empty stack did not underflow");
	report_prefix_pop();

	/* '%' in a prefix is text, not a format. */
	report_prefix_push("100%s%n");
	report(true, "ok");
	CHECK_STR(last, "PASS: 100%s%n: ok\n", "prefix printed literally");
	report_prefix_pop();
	report(true, "%s", "");
	CHECK_STR(last, "PASS: \n", "empty message");

	CHECK_STR(out, "PASS: msg 5\nFAIL: bad thing\nPASS: a: b: msg\n"
		  "FAIL: a: b: x=7\nSKIP: a: b: no hpet\nINFO: a: b: tsc 3000 MHz\n"
		  "PASS: a: after pop\nPASS: none\nPASS: c: m\nPASS: 100%s%n: ok\nPASS: \n",
		  "whole output, one line per call");
}

static void test_deep_prefixes(void)
{
	static const char *const names[] = { "p0", "p1", "p2", "p3", "p4", "p5",
					     "p6", "p7", "p8", "p9" };

	check_set_prefix("deep");
	reset();
	for (unsigned i = 0; i < 10; i++)
		report_prefix_push(names[i]);
	report(true, "m");
	/* At most 8 are kept (MAX_PREFIX); deeper ones are not printed. */
	CHECK(strncmp(last, "PASS: p0: p1: p2: p3: p4: p5: p6: p7: ", 38) == 0,
	      "the first 8 prefixes printed");
	CHECK(!strstr(last, "p9"), "beyond the limit not printed (no overrun)");
	CHECK(strcmp(last + strlen(last) - 2, "m\n") == 0, "message still at the end");
	/* Pops match pushes even past the limit. */
	report_prefix_pop();
	report_prefix_pop();
	report(true, "m");
	CHECK_STR(last, "PASS: p0: p1: p2: p3: p4: p5: p6: p7: m\n", "8 left after 2 pops");
	report_prefix_pop();
	report(true, "m");
	CHECK_STR(last, "PASS: p0: p1: p2: p3: p4: p5: p6: m\n", "7 left");
	for (unsigned i = 0; i < 7; i++)
		report_prefix_pop();
	report(true, "m");
	CHECK_STR(last, "PASS: m\n", "all popped");
}

/* Does `line` equal "<head><the first k bytes of body>\n" for some k? */
static bool is_cut_of(const char *line, const char *head, const char *body, size_t *k)
{
	size_t hl = strlen(head), ll = strlen(line);

	if (ll < hl + 1 || strncmp(line, head, hl) != 0 || line[ll - 1] != '\n')
		return false;
	*k = ll - hl - 1;
	if (*k > strlen(body) || strncmp(line + hl, body, *k) != 0)
		return false;
	return strchr(line, '\n') == line + ll - 1;	/* one newline, at the end */
}

static void test_long_lines(void)
{
	static char body[2001];
	size_t k, cut = 0;
	bool whole_ok = true, cut_ok = true, same_cut = true;

	check_set_prefix("long");
	for (unsigned i = 0; i < 2000; i++)
		body[i] = (char)('a' + i % 26);

	reset();
	report(true, "%s", body);
	CHECK(is_cut_of(last, "PASS: ", body, &k), "2000-byte message: a cut line ending in \\n");
	CHECK(k > 0 && k < 2000, "2000-byte message was cut (kept %zu)", k);
	CHECK_EQ_U64(n_lines, 1, "still one line");

	/* Around the limit: short enough messages come out whole, longer ones
	 * are all cut at the same length, never dropped, always "\n"-ended. */
	for (size_t n = 400; n <= 600; n++) {
		char save = body[n];

		body[n] = '\0';
		reset();
		report(false, "%s", body);
		if (!is_cut_of(last, "FAIL: ", body, &k)) {
			printf("      n=%zu: bad line\n", n);
			whole_ok = cut_ok = false;
		} else if (k < n) {
			if (!cut)
				cut = k;
			else if (k != cut)
				same_cut = false;
		} else if (cut) {
			whole_ok = false;	/* whole after a shorter one was cut */
		}
		body[n] = save;
	}
	CHECK(cut_ok, "400..600-byte messages: prefix of the text plus one \\n");
	CHECK(whole_ok, "shorter messages come out whole");
	CHECK(cut && same_cut, "longer messages cut at one length (%zu)", cut);
	/* The 512-byte buffer keeps 510 characters and the newline. */
	CHECK_EQ_U64(cut + strlen("FAIL: ") + 1, 511, "cut line is 511 bytes with \\n");

	/* Prefixes alone longer than the line. */
	{
		static char p1[400], p2[400];

		memset(p1, 'x', sizeof(p1) - 1);
		memset(p2, 'y', sizeof(p2) - 1);
		report_prefix_push(p1);
		report_prefix_push(p2);
		reset();
		report_skip("tail");
		report_prefix_pop();
		report_prefix_pop();
		CHECK(strncmp(last, "SKIP: xxx", 9) == 0, "long prefixes: line starts right");
		CHECK(strlen(last) == 511 && last[510] == '\n' && !strchr(last, '\n')[1],
		      "long prefixes: cut to 511 bytes, one \\n at the end");
		CHECK(!strstr(last, "tail"), "message past the limit dropped, line kept");
	}
}

static void test_summary(void)
{
	check_set_prefix("summary");
	/* Counts so far: main 1 PASS + 1 SKIP; test_lines 7 PASS + 2 FAIL +
	 * 1 SKIP (INFO not counted); test_deep_prefixes 4 PASS;
	 * test_long_lines 1 PASS + 201 FAIL (n = 400..600) + 1 SKIP.
	 * PASS 13 + FAIL 203 = 216 tests, 3 skipped. */
	reset();
	CHECK_EQ_U64(report_failures(), 203, "failures so far: 2 + 201");
	CHECK_EQ_U64(report_summary(EXIT_OK), EXIT_FAILURES, "EXIT_OK with failures -> 1");
	CHECK_STR(last, "SUMMARY: 216 tests, 203 failures, 3 skipped\n", "summary text");
	CHECK_EQ_U64(report_summary(EXIT_FATAL), EXIT_FATAL, "EXIT_FATAL stays 3");
	CHECK_EQ_U64(report_summary(EXIT_CONFIG), EXIT_CONFIG, "EXIT_CONFIG stays 2");
	CHECK_EQ_U64(report_summary(EXIT_WATCHDOG), EXIT_WATCHDOG, "EXIT_WATCHDOG stays 4");
	CHECK_EQ_U64(report_summary(EXIT_FAILURES), EXIT_FAILURES, "EXIT_FAILURES stays 1");
	CHECK_EQ_U64(n_lines, 5, "one SUMMARY line per call");
	CHECK_EQ_U64(report_failures(), 203, "summary does not count itself");

	report(true, "one more");
	report_skip("s");
	report_info("i");
	reset();
	report_summary(EXIT_OK);
	CHECK_STR(last, "SUMMARY: 217 tests, 203 failures, 4 skipped\n",
		  "PASS and SKIP counted, INFO not");
}

int main(void)
{
	void (*def)(const char *) = report_sink;

	check_set_prefix("sink");
	CHECK(def != NULL, "a default sink is set");
	report_sink = sink;

	/* Fresh state: nothing counted, EXIT_OK maps to 0. */
	check_set_prefix("fresh");
	reset();
	CHECK_EQ_U64(report_failures(), 0, "no failures yet");
	CHECK_EQ_U64(report_summary(EXIT_OK), EXIT_OK, "EXIT_OK without failures -> 0");
	CHECK_STR(last, "SUMMARY: 0 tests, 0 failures, 0 skipped\n", "empty summary");
	CHECK_EQ_U64(report_summary(EXIT_FATAL), EXIT_FATAL, "EXIT_FATAL without failures");
	report(true, "p");
	report_skip("s");
	reset();
	CHECK_EQ_U64(report_summary(EXIT_OK), EXIT_OK, "passes and skips only -> 0");
	CHECK_STR(last, "SUMMARY: 1 tests, 0 failures, 1 skipped\n", "1 pass, 1 skip");

	test_lines();
	test_deep_prefixes();
	test_long_lines();
	test_summary();
	report_sink = def;
	return check_summary();
}
