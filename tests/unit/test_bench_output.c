/*
 * test_bench_output.c - the benchmark records and table rows
 * (src/bench/output.c): a record always fits one record payload (one UDP
 * datagram), even with every counter source, a full histogram and the
 * widest numbers; it names the source of each figure; per-copy values are
 * the raw statistics divided by the copies.
 */
// uses: src/bench/output.c src/bench/harness.c src/bench/gen.c src/bench/stats.c
#include <stdint.h>
#include <string.h>

#include "tests/unit/check.h"
#include "bench/output.h"
#include "record/record.h"

static struct bench_desc d = {
	.name = "cs-soft-pair-xchg-xxxxxxxxx",	/* 27 characters: the longest */
	.variant = "patched-soft/live7",
	.if_case = "soft 0->1->0",
	.what = "test",
};

static void fill_worst(struct bench_result *r)
{
	memset(r, 0, sizeof(*r));
	r->d = &d;
	r->p = (struct bench_params){ .unroll = 64, .iters = 1000000, .reps = 20000,
				      .warmup = 4000000000u };
	r->ops = 1;		/* no division: the raw extremes are printed */
	r->insns = 2147483647;
	r->code_bytes = 1u << 20;
	r->n = 20000;
	for (int s = 0; s < BENCH_NSRC; s++) {
		struct bench_stats *t = &r->st[s];

		r->have[s] = true;
		t->min = INT64_MIN;
		t->max = INT64_MAX;
		t->p90 = INT64_MIN + 1;
		t->p99 = INT64_MAX - 1;
		t->median = -9.2e18;
		t->tmean = -9.2e18;
		t->hist_lo = INT64_MIN;
		t->hist_width = INT64_MAX;
		t->hist_bins = BENCH_HIST_BINS;
		for (int b = 0; b < BENCH_HIST_BINS; b++)
			t->hist[b] = 4000000000u;
	}
}

static void test_record(void)
{
	char buf[4096];
	struct bench_result r;
	int n, open = 0, quotes = 0;

	check_set_prefix("record");
	fill_worst(&r);
	n = bench_format_record(buf, sizeof(buf), &r, "exact");
	CHECK(n > 0 && n <= RECORD_MAX_PAYLOAD,
	      "worst case with 4 sources and 16 bins: %d bytes <= %d", n, RECORD_MAX_PAYLOAD);
	for (int i = 0; i < n; i++) {
		open += buf[i] == '{' ? 1 : buf[i] == '}' ? -1 : 0;
		quotes += buf[i] == '"';
	}
	CHECK(open == 0 && quotes % 2 == 0 && buf[0] == '{' && buf[n - 1] == '}',
	      "braces balance, quotes pair up");
	CHECK(strstr(buf, "\"timer\":\"tsc\"") && strstr(buf, "\"pmc_instructions\":{") &&
	      strstr(buf, "\"pmc_core_cycles\":{") && strstr(buf, "\"pmc_ref_cycles\":{") &&
	      strstr(buf, "\"insns_retired\":"), "every figure names its source");
	CHECK(bench_format_record(buf, 100, &r, "exact") == -1, "a short buffer is an error");

	/* per copy: raw / ops */
	memset(&r, 0, sizeof(r));
	r.d = &d;
	r.ops = 400;
	r.insns = 3;
	r.have[SRC_TSC] = true;
	r.st[SRC_TSC] = (struct bench_stats){ .n = 5, .min = 1000, .max = 4000, .p90 = 3000,
					      .p99 = 4000, .median = 1200, .tmean = 1300,
					      .hist_lo = 1000, .hist_width = 200, .hist_bins = 2,
					      .hist = { 4, 1 } };
	n = bench_format_record(buf, sizeof(buf), &r, "quick");
	CHECK(n > 0 && strstr(buf, "\"tsc\":{\"min\":2.500,\"median\":3.000,\"tmean\":3.250,"
			      "\"p90\":7.500,\"p99\":10.000,\"max\":10.000,\"hist_lo\":2.500,"
			      "\"hist_width\":0.500,\"hist\":[4,1]}"),
	      "figures per copy (raw / 400): %s", buf);
	CHECK(!strstr(buf, "pmc_"), "no PMU figures claimed without a PMU");

	snprintf(r.err, sizeof(r.err), "bad \"thing\"");
	n = bench_format_record(buf, sizeof(buf), &r, "quick");
	CHECK(n > 0 && strstr(buf, "\"error\":\"bad 'thing'\"}"), "an error stays valid JSON: %s", buf);
}

static void test_row(void)
{
	char buf[512];
	struct bench_result r;

	check_set_prefix("row");
	memset(&r, 0, sizeof(r));
	r.d = &d;
	r.ops = 10;
	r.insns = -1;
	r.st[SRC_TSC].median = 25;
	CHECK(bench_format_row(buf, sizeof(buf), &r, false) > 0 && strstr(buf, "    ?     2.50"),
	      "unknown instruction count shown as ?, median per copy: %s", buf);
	snprintf(r.err, sizeof(r.err), "no patched site");
	bench_format_row(buf, sizeof(buf), &r, false);
	CHECK(strstr(buf, "not run: no patched site") != NULL, "a benchmark that did not run says why");
}

int main(void)
{
	test_record();
	test_row();
	return check_summary();
}
