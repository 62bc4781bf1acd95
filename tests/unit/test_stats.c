/*
 * test_stats.c - the benchmark statistics (src/bench/stats.c) against
 * values worked out by hand in the comments, and the overhead subtraction
 * on synthetic timings whose loop, timer and interrupt costs are known.
 */
// uses: src/bench/stats.c
#include <stdint.h>
#include <stdlib.h>

#include "tests/unit/check.h"
#include "bench/stats.h"

#define N_OF(a)	(sizeof(a) / sizeof((a)[0]))

static int sorted_ok(const int64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (a[i - 1] > a[i])
			return 0;
	return 1;
}

static void test_sort(void)
{
	int64_t a[] = { 5, -3, 9, 9, 0, -3, INT64_MAX, INT64_MIN, 7 };
	int64_t big[1000];
	uint64_t x = 12345;
	int64_t sum_before = 0, sum_after = 0;

	check_set_prefix("sort");
	stats_sort(a, N_OF(a));
	CHECK(sorted_ok(a, N_OF(a)), "9 values with duplicates and extremes");
	CHECK(a[0] == INT64_MIN && a[8] == INT64_MAX && a[1] == -3 && a[2] == -3,
	      "extremes at the ends, duplicates kept");
	for (size_t i = 0; i < N_OF(big); i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		big[i] = (int64_t)(x >> 40) - (1 << 23);
		sum_before += big[i];
	}
	stats_sort(big, N_OF(big));
	for (size_t i = 0; i < N_OF(big); i++)
		sum_after += big[i];
	CHECK(sorted_ok(big, N_OF(big)) && sum_before == sum_after,
	      "1000 pseudo-random values: ordered, same multiset sum");
	stats_sort(a, 0);
	stats_sort(a, 1);
	CHECK(1, "n = 0 and n = 1 do nothing");
}

static void test_small(void)
{
	/* {5,1,4,2,3} sorted 1 2 3 4 5: median 3; 20% of 5 = 1 dropped at
	 * each end -> mean(2,3,4) = 3; p90 = ceil(4.5) = 5th = 5;
	 * p99 = ceil(4.95) = 5th = 5. */
	int64_t s[] = { 5, 1, 4, 2, 3 }, scratch[5];
	struct bench_stats st;

	check_set_prefix("stats n=5");
	CHECK(stats_compute(s, 5, scratch, &st) == 0, "computes");
	CHECK(st.min == 1 && st.max == 5, "min 1, max 5");
	CHECK(st.median == 3.0, "median 3 (got %g)", st.median);
	CHECK(st.tmean == 3.0, "trimmed mean 3 (got %g)", st.tmean);
	CHECK(st.p90 == 5 && st.p99 == 5, "p90 5, p99 5 (got %lld %lld)",
	      (long long)st.p90, (long long)st.p99);
	CHECK(s[0] == 5 && s[4] == 3, "samples left in their order");
}

static void test_outlier(void)
{
	/* 10,20,...,90 and 1000 (an interrupt in one repetition):
	 * median = (50 + 60) / 2 = 55; 20% of 10 = 2 dropped at each end ->
	 * mean(30..80) = 330 / 6 = 55 (the outlier is gone); the plain mean
	 * would be 1450 / 10 = 145. p90 = ceil(9) = 9th = 90;
	 * p99 = ceil(9.9) = 10th = 1000. Histogram, 4 bins over 10..1000:
	 * width ceil(991 / 4) = 248: [10,258) 9, [258,506) 0, [506,754) 0,
	 * [754,1002) 1. */
	int64_t s[] = { 1000, 90, 10, 80, 20, 70, 30, 60, 40, 50 }, scratch[10];
	int64_t lo, width;
	uint32_t counts[4];
	struct bench_stats st;
	unsigned used;

	check_set_prefix("stats outlier");
	stats_compute(s, 10, scratch, &st);
	CHECK(st.median == 55.0, "median of even n is the mean of the middle two (got %g)",
	      st.median);
	CHECK(st.tmean == 55.0, "trimmed mean drops 2 at each end (got %g)", st.tmean);
	CHECK(st.p90 == 90, "p90 nearest rank 9 (got %lld)", (long long)st.p90);
	CHECK(st.p99 == 1000, "p99 nearest rank 10 (got %lld)", (long long)st.p99);
	used = stats_histogram(scratch, 10, 4, &lo, &width, counts);
	CHECK(lo == 10 && width == 248 && used == 4, "4 bins from 10, width 248 (got %lld %lld %u)",
	      (long long)lo, (long long)width, used);
	CHECK(counts[0] == 9 && counts[1] == 0 && counts[2] == 0 && counts[3] == 1,
	      "counts 9 0 0 1 (got %u %u %u %u)", counts[0], counts[1], counts[2], counts[3]);
	CHECK(st.hist_bins <= BENCH_HIST_BINS, "default histogram within %d bins",
	      BENCH_HIST_BINS);
}

static void test_edges(void)
{
	int64_t one[] = { -7 }, same[] = { 4, 4, 4, 4 }, scratch[4];
	int64_t neg[] = { -1, -2, -3, -4 }, big[] = { INT64_MAX, INT64_MAX - 2 };
	int64_t lo, width;
	uint32_t counts[16];
	struct bench_stats st;
	unsigned used;

	check_set_prefix("stats edges");
	CHECK(stats_compute(one, 0, scratch, &st) == -1, "no samples is an error");
	stats_compute(one, 1, scratch, &st);
	CHECK(st.min == -7 && st.max == -7 && st.median == -7.0 && st.tmean == -7.0 &&
	      st.p90 == -7 && st.p99 == -7 && st.hist_bins == 1 && st.hist[0] == 1,
	      "one sample is every statistic, one bin");
	stats_compute(same, 4, scratch, &st);
	CHECK(st.hist_bins == 1 && st.hist[0] == 4 && st.hist_width == 1,
	      "equal samples: one bin of width 1 holding all 4");
	/* -4 -3 -2 -1: median (-3 + -2) / 2 = -2.5; 20% of 4 = 0 dropped:
	 * mean -2.5. p90 = ceil(3.6) = 4th = -1. */
	stats_compute(neg, 4, scratch, &st);
	CHECK(st.median == -2.5 && st.tmean == -2.5 && st.p90 == -1,
	      "negative differences (noise won): median -2.5, p90 -1");
	/* (MAX-2 + MAX) / 2 must not overflow on the way. */
	stats_compute(big, 2, scratch, &st);
	CHECK(st.median > 9.2e18, "median of two samples near INT64_MAX (got %g)", st.median);
	/* 0..15 over 16 bins: width 1, one per bin; 0..16: width 2, 9 bins. */
	int64_t r[17];
	for (int i = 0; i < 17; i++)
		r[i] = i;
	used = stats_histogram(r, 16, 16, &lo, &width, counts);
	CHECK(width == 1 && used == 16 && counts[15] == 1, "16 values in 16 bins of width 1");
	used = stats_histogram(r, 17, 16, &lo, &width, counts);
	CHECK(width == 2 && used == 9 && counts[8] == 1 && counts[0] == 2,
	      "17 values: width 2, 9 bins spanned (got %lld, %u)", (long long)width, used);
	/* trimmed mean with trim >= 50% keeps the middle element */
	int64_t t[] = { 1, 2, 100 };
	CHECK(stats_trimmed_mean(t, 3, 50) == 2.0, "trim 50%% of 3 keeps the median");
	CHECK(stats_percentile(t, 3, 0) == 1 && stats_percentile(t, 3, 100) == 100,
	      "p0 is the min, p100 the max");
}

/* A synthetic run: the timer reads cost `timer`, each loop iteration
 * `loop` on top of its copies, each copy `per_copy`; `noise` is added to
 * the whole run (an interrupt, a cache miss). */
static void run(uint64_t start, unsigned iters, unsigned copies, int64_t per_copy,
		int64_t loop, int64_t timer, int64_t noise, uint64_t *s, uint64_t *e)
{
	*s = start;
	*e = start + (uint64_t)(timer + (int64_t)iters * (loop + copies * per_copy) + noise);
}

static void test_subtraction(void)
{
	const unsigned N = 100, U = 16;
	int64_t samples[41], scratch[41];
	uint64_t s1, e1, s2, e2;
	struct bench_stats st;

	check_set_prefix("overhead subtraction");
	/* 2U - U: loop (3 per iteration) and timer (41) cancel; 7 per copy
	 * remains: 100 * 16 * 7 = 11200, per copy 7. */
	run(1000, N, U, 7, 3, 41, 0, &s1, &e1);
	run(900000, N, 2 * U, 7, 3, 41, 0, &s2, &e2);
	CHECK_EQ_U64(stats_difference(s1, e1, s2, e2), 11200, "2U-U leaves N*U*7");
	CHECK(stats_per_op((double)stats_difference(s1, e1, s2, e2), (uint64_t)N * U) == 7.0,
	      "7 per copy");
	/* The timer wraps between start and end of a run. */
	run(UINT64_MAX - 100, N, U, 7, 3, 41, 0, &s1, &e1);
	run(UINT64_MAX - 5000, N, 2 * U, 7, 3, 41, 0, &s2, &e2);
	CHECK_EQ_U64(stats_difference(s1, e1, s2, e2), 11200, "across a timer wrap");
	/* Reference body (5 per copy) against the body (7 per copy), same
	 * copies: 2 per copy. */
	run(0, N, U, 5, 3, 41, 0, &s1, &e1);
	run(0, N, U, 7, 3, 41, 0, &s2, &e2);
	CHECK(stats_per_op((double)stats_difference(s1, e1, s2, e2), (uint64_t)N * U) == 2.0,
	      "U copies minus U copies of a reference: 2 per copy");
	/* Empty body: 2U - U of nothing is 0 whatever the overhead. */
	run(0, N, U, 0, 3, 41, 0, &s1, &e1);
	run(0, N, 2 * U, 0, 3, 41, 0, &s2, &e2);
	CHECK_EQ_U64(stats_difference(s1, e1, s2, e2), 0, "empty body: residual 0");
	/* Without subtraction the overhead stays: (41 + 100 * 3) / 1600. */
	CHECK(stats_per_op((double)stats_run_cost(s1, e1), (uint64_t)N * U) > 0.2,
	      "negative control: the long run alone keeps the overhead");
	/* 41 repetitions with noise: 4 have an interrupt (+5000) in one of
	 * the two runs, the rest jitter by -2..+2 per run. Median and
	 * trimmed mean stay at 11200 +- 4; min/max show the noise. */
	for (int i = 0; i < 41; i++) {
		int64_t j1 = (i * 7) % 5 - 2, j2 = (i * 3) % 5 - 2;

		if (i % 10 == 3)
			j2 += 5000;	/* interrupt in the long run */
		if (i == 20)
			j1 += 5000;	/* in the short run: a negative sample */
		run(0, N, U, 7, 3, 41, j1, &s1, &e1);
		run(0, N, 2 * U, 7, 3, 41, j2, &s2, &e2);
		samples[i] = stats_difference(s1, e1, s2, e2);
	}
	stats_compute(samples, 41, scratch, &st);
	CHECK(st.median >= 11196 && st.median <= 11204, "noisy median within 4 of 11200 (got %g)",
	      st.median);
	CHECK(st.tmean >= 11196 && st.tmean <= 11204,
	      "noisy trimmed mean within 4 of 11200 (got %g)", st.tmean);
	CHECK(st.max > 16000 && st.min < 7000, "min and max keep the interrupts (%lld, %lld)",
	      (long long)st.min, (long long)st.max);
}

int main(void)
{
	test_sort();
	test_small();
	test_outlier();
	test_edges();
	test_subtraction();
	return check_summary();
}
