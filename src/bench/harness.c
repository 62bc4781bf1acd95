/*
 * harness.c - one benchmark from description to statistics (harness.h).
 */
#include "bench/harness.h"

#include <stdio.h>
#include <string.h>

void (*bench_result_hook)(const struct bench_result *r);

static const char *const src_names[BENCH_NSRC] = {
	"tsc", "pmc_instructions", "pmc_core_cycles", "pmc_ref_cycles",
};

const char *bench_src_name(enum bench_src s)
{
	return (unsigned)s < BENCH_NSRC ? src_names[s] : "?";
}

typedef void (*bench_fn)(struct bench_raw *out);

static bench_fn fn_at(uintptr_t a)
{
	return (bench_fn)a;
}

static int64_t cost(const struct bench_raw *x, int src, uint64_t mask)
{
	if (src == SRC_TSC)
		return stats_run_cost(x->tsc[0], x->tsc[1]);
	return (int64_t)((x->pmc[1][src - 1] - x->pmc[0][src - 1]) & mask);
}

static void reset_soft(const struct bench_plat *pl)
{
	*pl->soft_mask = 0;
	*pl->soft_pending = 0;
}

int bench_run(const struct bench_plat *pl, const struct bench_desc *d,
	      const struct bench_params *p, struct bench_result *r,
	      int64_t *store, size_t store_cap, int64_t *scratch)
{
	struct gen_code code;
	struct bench_raw a, b;
	bench_fn fs, fl;
	unsigned nsrc = 1 + pl->env.n_fixed;

	memset(r, 0, sizeof(*r));
	r->d = d;
	r->p = *p;
	r->insns = -1;
	if (p->reps == 0 || (size_t)p->reps * BENCH_NSRC > store_cap) {
		snprintf(r->err, sizeof(r->err), "repetitions must be 1..%zu",
			 store_cap / BENCH_NSRC);
		return -1;
	}
	if (pl->code_begin && pl->code_begin() < 0) {
		snprintf(r->err, sizeof(r->err), "cannot make the code buffer writable");
		return -1;
	}
	if (gen_benchmark(&pl->env, d, p, pl->code, pl->code_cap, &code,
			  r->err, sizeof(r->err)) < 0) {
		if (pl->code_end)
			pl->code_end();
		return -1;
	}
	if (pl->code_end && pl->code_end() < 0) {
		snprintf(r->err, sizeof(r->err), "cannot make the code buffer executable");
		return -1;
	}
	r->base = code.base;
	r->ops = code.ops;
	r->insns = code.insns;
	r->code_bytes = code.copy_bytes;
	r->n = p->reps;
	fs = fn_at(code.fn_short);
	fl = fn_at(code.fn_long);
	for (unsigned s = 0; s < BENCH_NSRC; s++) {
		r->have[s] = s < nsrc;
		r->samples[s] = r->have[s] ? store + (size_t)s * p->reps : NULL;
	}

	reset_soft(pl);
	if (pl->quiet_begin)
		pl->quiet_begin();
	for (unsigned w = 0; w < p->warmup; w++) {
		fs(&a);
		fl(&b);
	}
	for (unsigned i = 0; i < p->reps; i++) {
		/* Alternate the order, so a drift (frequency, a cache warming
		 * up) does not favour one variant. */
		if (i & 1) {
			fl(&b);
			fs(&a);
		} else {
			fs(&a);
			fl(&b);
		}
		for (unsigned s = 0; s < nsrc; s++) {
			int64_t v = cost(&b, (int)s, pl->pmc_mask);

			if (code.base != BASE_NONE)
				v -= cost(&a, (int)s, pl->pmc_mask);
			r->samples[s][i] = v;
		}
	}
	if (pl->quiet_end)
		pl->quiet_end();

	/* The fast path never sets pending; if something did, the replay
	 * stub ran and the figures are not the fast path's. */
	if (*pl->soft_pending) {
		snprintf(r->err, sizeof(r->err), "soft flag pending byte was set during the run");
		reset_soft(pl);
		return -1;
	}
	reset_soft(pl);
	for (unsigned s = 0; s < nsrc; s++)
		stats_compute(r->samples[s], r->n, scratch, &r->st[s]);
	return 0;
}

const int64_t *bench_samples(const struct bench_result *r, enum bench_src s,
			     size_t *n)
{
	if ((unsigned)s >= BENCH_NSRC || !r->have[s]) {
		*n = 0;
		return NULL;
	}
	*n = r->n;
	return r->samples[s];
}
