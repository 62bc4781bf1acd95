/*
 * stats.h - order statistics of benchmark samples. Pure: no hardware, no
 * allocation (the caller passes scratch space), host-tested against
 * hand-computed values (tests/unit/test_stats.c).
 *
 * Samples are signed 64-bit integers: the raw difference, in timer or
 * counter units, between the long and the short variant of one
 * repetition (harness.c). A difference can be negative when noise wins.
 *
 * Definitions (docs/measurement.md):
 *   median        middle element; mean of the two middle ones for even n
 *   trimmed mean  mean after dropping floor(n * 20 / 100) samples at each end
 *   pXX           nearest rank: the ceil(XX * n / 100)-th smallest (1-based)
 *   histogram     BENCH_HIST_BINS bins of equal integer width from min,
 *                 width = ceil((max - min + 1) / bins), at least 1
 */
#ifndef IRQLAB_BENCH_STATS_H
#define IRQLAB_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_HIST_BINS		16
#define BENCH_TRIM_PCT		20

struct bench_stats {
	size_t n;
	int64_t min, max, p90, p99;
	double median, tmean;
	int64_t hist_lo, hist_width;
	unsigned hist_bins;		/* bins actually spanned, <= BENCH_HIST_BINS */
	uint32_t hist[BENCH_HIST_BINS];
};

void stats_sort(int64_t *a, size_t n);
/* The following take an ascending array of n >= 1 elements. */
double stats_median(const int64_t *sorted, size_t n);
double stats_trimmed_mean(const int64_t *sorted, size_t n, unsigned trim_pct);
int64_t stats_percentile(const int64_t *sorted, size_t n, unsigned pct);
/* counts[0..bins) filled; returns the number of bins spanned. */
unsigned stats_histogram(const int64_t *sorted, size_t n, unsigned bins,
			 int64_t *lo, int64_t *width, uint32_t *counts);

/* All of the above over `samples` (left untouched), using scratch[0..n).
 * Returns 0, or -1 when n is 0. */
int stats_compute(const int64_t *samples, size_t n, int64_t *scratch,
		  struct bench_stats *out);

/* Overhead subtraction. A run's cost is end - start of its timer (modulo
 * 2^64: a counter narrower than 64 bits must be masked by the caller).
 * The sample of one repetition is long run minus short run; the loop,
 * the timer reads and any setup are in both and cancel. */
static inline int64_t stats_run_cost(uint64_t start, uint64_t end)
{
	return (int64_t)(end - start);
}

static inline int64_t stats_difference(uint64_t short_start, uint64_t short_end,
				       uint64_t long_start, uint64_t long_end)
{
	return stats_run_cost(long_start, long_end) -
	       stats_run_cost(short_start, short_end);
}

/* A raw figure divided by the number of added body copies. */
static inline double stats_per_op(double raw, uint64_t ops)
{
	return ops ? raw / (double)ops : 0.0;
}

#endif
