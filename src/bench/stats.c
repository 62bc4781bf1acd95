/*
 * stats.c - order statistics for the benchmark harness (see stats.h for
 * the definitions). Integer arithmetic wherever the result is a sample, so
 * the tests can compare exactly.
 */
#include "bench/stats.h"

/* Heapsort: O(n log n), no recursion and no allocation, which matters in
 * the image (small stacks) and for the 10^5 samples of a long run. */
static void sift_down(int64_t *a, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		int64_t t;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

void stats_sort(int64_t *a, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		int64_t t = a[0];

		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

double stats_median(const int64_t *s, size_t n)
{
	if (n % 2)
		return (double)s[n / 2];
	/* Halve each before adding: the sum of two large samples must not
	 * overflow. */
	return (double)s[n / 2 - 1] / 2.0 + (double)s[n / 2] / 2.0;
}

double stats_trimmed_mean(const int64_t *s, size_t n, unsigned trim_pct)
{
	size_t drop = n * trim_pct / 100, keep;
	double sum = 0;

	if (2 * drop >= n)	/* trim_pct >= 50: keep the middle */
		drop = (n - 1) / 2;
	keep = n - 2 * drop;
	/* Sum relative to the first kept sample: exact in a double for
	 * spreads below 2^53 / keep. */
	for (size_t i = drop; i < drop + keep; i++)
		sum += (double)(s[i] - s[drop]);
	return (double)s[drop] + sum / (double)keep;
}

int64_t stats_percentile(const int64_t *s, size_t n, unsigned pct)
{
	size_t rank = ((size_t)pct * n + 99) / 100;	/* ceil(pct * n / 100) */

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return s[rank - 1];
}

unsigned stats_histogram(const int64_t *s, size_t n, unsigned bins,
			 int64_t *lo, int64_t *width, uint32_t *counts)
{
	uint64_t span = (uint64_t)s[n - 1] - (uint64_t)s[0] + 1;
	uint64_t w;
	unsigned used;

	if (bins == 0)
		bins = 1;
	w = (span + bins - 1) / bins;
	if (w == 0)	/* span wrapped: the full 64-bit range */
		w = UINT64_MAX / bins + 1;
	used = (unsigned)((span - 1) / w + 1);
	for (unsigned b = 0; b < bins; b++)
		counts[b] = 0;
	for (size_t i = 0; i < n; i++)
		counts[((uint64_t)s[i] - (uint64_t)s[0]) / w]++;
	*lo = s[0];
	*width = (int64_t)w;
	return used;
}

int stats_compute(const int64_t *samples, size_t n, int64_t *scratch,
		  struct bench_stats *out)
{
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		scratch[i] = samples[i];
	stats_sort(scratch, n);
	out->n = n;
	out->min = scratch[0];
	out->max = scratch[n - 1];
	out->median = stats_median(scratch, n);
	out->tmean = stats_trimmed_mean(scratch, n, BENCH_TRIM_PCT);
	out->p90 = stats_percentile(scratch, n, 90);
	out->p99 = stats_percentile(scratch, n, 99);
	out->hist_bins = stats_histogram(scratch, n, BENCH_HIST_BINS,
					 &out->hist_lo, &out->hist_width,
					 out->hist);
	return 0;
}
