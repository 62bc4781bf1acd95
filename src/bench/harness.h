/*
 * harness.h - running a benchmark: generate, quiet the machine, warm up,
 * measure R repetitions of the short and the long variant alternately,
 * keep every difference, compute the statistics. The platform (image:
 * src/bench/suite.c; Linux: host/bench/plat_host.c) supplies executable
 * memory, the per-CPU bytes and the quieting.
 */
#ifndef IRQLAB_BENCH_HARNESS_H
#define IRQLAB_BENCH_HARNESS_H

#include "bench/bench.h"
#include "bench/gen.h"

struct bench_plat {
	const char *name;		/* "ring 0 (irqlab)", "ring 3 (Linux)" */
	uint8_t *code;			/* page aligned, writable while generating */
	size_t code_cap;
	struct gen_env env;		/* segment, per-CPU slots, fixed counters */
	volatile uint8_t *soft_mask, *soft_pending;
	uint64_t pmc_mask;		/* counter width: 2^width - 1 */
	/* Make code writable / executable again after writing (host:
	 * mprotect; image: a serialising instruction). 0 or -1. */
	int (*code_begin)(void);
	int (*code_end)(void);
	/* Keep unrelated interrupts away while measuring (image: mask the
	 * local APIC's LVT entries, raise TPR), and undo it. */
	void (*quiet_begin)(void);
	void (*quiet_end)(void);
};

/* Samples go to store[0 .. BENCH_NSRC * p->reps), scratch needs p->reps.
 * Returns 0, or -1 with r->err set (the benchmark did not run). */
int bench_run(const struct bench_plat *pl, const struct bench_desc *d,
	      const struct bench_params *p, struct bench_result *r,
	      int64_t *store, size_t store_cap, int64_t *scratch);

/* The raw samples of a result (valid until its store is reused): one per
 * repetition, long minus short run, in the source's own units (divide by
 * r->ops for per-copy figures). NULL when the source was not measured. */
const int64_t *bench_samples(const struct bench_result *r, enum bench_src s,
			     size_t *n);

/* Called after every benchmark with its result when set (the network
 * issue's collector streams the raw samples from here). */
extern void (*bench_result_hook)(const struct bench_result *r);

#endif
