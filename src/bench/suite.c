/*
 * suite.c - the image's side of the benchmarks: the platform (executable
 * pages, the per-CPU bytes behind %gs, APIC quieting), the options, and
 * the `bench` suite (tests=bench), which checks its quieting (t_quiet.c),
 * prints the table, emits one REC_BENCH record per benchmark and, with
 * bench=exact, checks that every straight-line body costs exactly its
 * instruction count (only true under QEMU's -icount shift=0, where rdtsc
 * counts instructions; docs/measurement.md).
 */
#include "bench/harness.h"
#include "bench/output.h"
#include "bench/patched.h"
#include "bench/quiet.h"
#include "bench/t_quiet.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "config.h"
#include "lib/report.h"
#include "record/record.h"
#include "tests/suites.h"

#include <stdio.h>
#include <string.h>

/* The generated code lives in the image's own (identity-mapped) memory,
 * so a patched site's call rel32 (src/irqflags) still reaches its target
 * from the copy. plat_init() makes sure the pages are executable. */
#define BENCH_CODE_PAGES	24
#define BENCH_MAX_REPS		20000
#define BENCH_MAX_TOKENS	64	/* bench_only: 127 bytes hold at most 64 */

static const char *const mode_choices[] = { "quick", "full", "exact", NULL };
enum { MODE_QUICK, MODE_FULL, MODE_EXACT };
static const char *const base_choices[] = { "double", "empty", NULL };
static const char *const negctl_choices[] = { "none", "miscount", "nosubtract", NULL };
enum { NEGCTL_NONE, NEGCTL_MISCOUNT, NEGCTL_NOSUBTRACT };

CONFIG_OPTION(opt_bench, "bench", OPT_ENUM, mode_choices, 0, 0, "quick",
	      "bench suite size: quick (TCG), full (hardware), exact (-icount check)");
CONFIG_OPTION(opt_bench_only, "bench_only", OPT_STRING, NULL, 0, 0, "",
	      "comma list of benchmark name prefixes to run (empty: all)");
CONFIG_OPTION(opt_bench_unroll, "bench_unroll", OPT_UINT, NULL, 0, 64, "0",
	      "body copies U (0: the mode's)");
CONFIG_OPTION(opt_bench_iters, "bench_iters", OPT_UINT, NULL, 0, 1000000, "0",
	      "loop iterations N (0: the mode's)");
CONFIG_OPTION(opt_bench_reps, "bench_reps", OPT_UINT, NULL, 0, BENCH_MAX_REPS, "0",
	      "measured repetitions R (0: the mode's)");
CONFIG_OPTION(opt_bench_base, "bench_base", OPT_ENUM, base_choices, 0, 0, "double",
	      "subtract U copies (double: 2U-U) or an empty loop (empty: U-0)");
CONFIG_OPTION(opt_bench_negctl, "bench_negctl", OPT_ENUM, negctl_choices, 0, 0, "none",
	      "negative control: miscount (a body declared 1 short), "
	      "nosubtract (no overhead subtraction)");

/* The soft flag's per-CPU bytes: one cache line, reached %gs-relative as
 * a kernel's per-CPU variables are. */
static struct {
	volatile uint8_t mask, pending;
} soft_flag __attribute__((aligned(64)));

static uint8_t code_buf[BENCH_CODE_PAGES * PAGE_SIZE] __attribute__((aligned(4096)));
static int64_t store[BENCH_NSRC * BENCH_MAX_REPS];
static int64_t scratch[BENCH_MAX_REPS];
static struct bench_desc list[BENCH_LIST_MAX];
static struct apic_quiet_state quiet_state;
static struct bench_plat plat;
static bool plat_ready;

static int code_end(void)
{
	/* The code was written through the mapping it runs from; a
	 * serialising instruction makes sure no stale prefetch of the
	 * previous benchmark's bytes survives (SDM vol. 3, 8.1.3). */
	(void)cpuid(0);
	return 0;
}

static void quiet_begin(void)
{
	apic_quiet_begin(&quiet_state);
}

static void quiet_end(void)
{
	apic_quiet_end(&quiet_state);
}

static int plat_init(char *err, size_t errlen)
{
	intptr_t gs = (intptr_t)this_cpu();
	intptr_t dm = (intptr_t)&soft_flag.mask - gs;
	intptr_t dp = (intptr_t)&soft_flag.pending - gs;

	if (plat_ready)
		return 0;
	if (dm != (int32_t)dm || dp != (int32_t)dp) {
		snprintf(err, errlen, "per-CPU bytes beyond a 32-bit displacement from GS");
		return -1;
	}
	/* The boot map sets no NX today; should it one day, clear it here
	 * rather than fault on the first benchmark. */
	for (unsigned i = 0; i < BENCH_CODE_PAGES; i++) {
		uint64_t va = (uintptr_t)code_buf + i * PAGE_SIZE, pa, flags;
		unsigned level;
		int r;

		if (!pt_translate(paging_kernel(), va, &pa, &flags, &level)) {
			snprintf(err, errlen, "code page %#llx not mapped", (unsigned long long)va);
			return -1;
		}
		if ((flags & PTE_NX) && (r = page_set_attrs(va, 0, PTE_NX)) != 0) {
			snprintf(err, errlen, "make code page executable: %s", pt_strerror(r));
			return -1;
		}
	}
	plat.name = "ring 0 (irqlab image)";
	plat.code = code_buf;
	plat.code_cap = BENCH_CODE_PAGES * PAGE_SIZE;
	plat.env.seg_prefix = 0x65;	/* %gs */
	plat.env.slot_disp[SLOT_MASK] = (int32_t)dm;
	plat.env.slot_disp[SLOT_PENDING] = (int32_t)dp;
	plat.env.ring3 = false;
	plat.soft_mask = &soft_flag.mask;
	plat.soft_pending = &soft_flag.pending;
	plat.code_end = code_end;
	plat.quiet_begin = quiet_begin;
	plat.quiet_end = quiet_end;
	plat_ready = true;
	return 0;
}

static void pmu_setup(void)
{
	unsigned n = bench_pmu_fixed_start();

	if (n > BENCH_MAX_FIXED)
		n = BENCH_MAX_FIXED;
	plat.env.n_fixed = n;
	plat.pmc_mask = ~0ull;
	if (n && cpuid_max_basic() >= 0xa) {
		/* CPUID.0AH:EDX[12:5]: bit width of the fixed counters */
		unsigned width = (cpuid(0xa).d >> 5) & 0xff;

		if (width > 0 && width < 64)
			plat.pmc_mask = (1ull << width) - 1;
	}
}

/* bench_only: a benchmark runs when some token is a prefix of its name.
 * Negative controls run only when named (or bench_negctl=miscount). */
static bool selected(const struct bench_desc *d, bool *token_used)
{
	const char *s = opt_bench_only.s;
	unsigned t = 0;
	bool any = false;

	if (!*s)
		return !(d->flags & BENCH_F_NEGCTL) ||
		       (opt_bench_negctl.u == NEGCTL_MISCOUNT);
	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (t < BENCH_MAX_TOKENS && len && strncmp(d->name, s, len) == 0) {
			token_used[t] = true;
			any = true;
		}
		t++;
		s += len + (e ? 1 : 0);
	}
	if (opt_bench_negctl.u == NEGCTL_MISCOUNT && (d->flags & BENCH_F_NEGCTL))
		return true;
	return any;
}

static bool check_tokens(const bool *token_used)
{
	const char *s = opt_bench_only.s;
	unsigned t = 0;
	bool ok = true;

	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (t < BENCH_MAX_TOKENS && !token_used[t]) {
			report(false, "bench_only entry '%.*s' names a benchmark", (int)len, s);
			ok = false;
		}
		t++;
		s += len + (e ? 1 : 0);
	}
	return ok;
}

static struct bench_params params_for(unsigned mode)
{
	static const struct bench_params modes[] = {
		[MODE_QUICK] = { .unroll = 4, .iters = 10, .reps = 11, .warmup = 2 },
		[MODE_FULL] = { .unroll = 16, .iters = 100, .reps = 1001, .warmup = 50 },
		[MODE_EXACT] = { .unroll = 5, .iters = 7, .reps = 3, .warmup = 1 },
	};
	struct bench_params p = modes[mode];

	if (opt_bench_unroll.u)
		p.unroll = (unsigned)opt_bench_unroll.u;
	if (opt_bench_iters.u)
		p.iters = (unsigned)opt_bench_iters.u;
	if (opt_bench_reps.u)
		p.reps = (unsigned)opt_bench_reps.u;
	p.base = opt_bench_base.u == 1 ? BASE_EMPTY : BASE_DOUBLE;
	p.no_subtract = opt_bench_negctl.u == NEGCTL_NOSUBTRACT;
	return p;
}

/* bench_run with the kernel's own flag held around runs of its patched
 * sites (patched.h). */
static int run_one(const struct bench_desc *d, const struct bench_params *p,
		   struct bench_result *r)
{
	unsigned long flags = 0;
	int ret;

	if (d->site == SITE_PATCHED)
		flags = bench_patched_guard_begin();
	ret = bench_run(&plat, d, p, r, store, sizeof(store) / sizeof(store[0]), scratch);
	if (d->site == SITE_PATCHED)
		bench_patched_guard_end(flags);
	return ret;
}

/* The table row (unless `quiet`), the record, the hook. */
static void emit(const struct bench_result *r, const char *mode, bool quiet)
{
	char line[RECORD_MAX_PAYLOAD + 1];

	if (!quiet && bench_format_row(line, sizeof(line), r, plat.env.n_fixed >= 2) >= 0)
		printf("bench: %s\n", line);
	if (bench_format_record(line, sizeof(line), r, mode) >= 0)
		record_emitf(REC_BENCH, "%s", line);
	else
		printf("bench: record of %s/%s does not fit in one record\n",
		       r->d->name, r->d->variant);
	if (bench_result_hook)
		bench_result_hook(r);
}

/* Exactness: every sample of every repetition equals insns * ops. */
static bool exact_ok(const struct bench_result *r, int64_t *bad)
{
	size_t n;
	const int64_t *s = bench_samples(r, SRC_TSC, &n);
	int64_t want = (int64_t)r->insns * (int64_t)r->ops;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != want) {
			*bad = s[i];
			return false;
		}
	}
	return n > 0;
}

static void run_exact(const struct bench_desc *d, const struct bench_params *p)
{
	/* Two loop shapes: one copy once, and U copies N times. Both must
	 * give the body's count, so neither the loop nor the timer reads
	 * leak into the figure. */
	struct bench_params shapes[2] = { *p, *p };
	struct bench_result r;
	char why[160] = "";
	bool ok = true;
	int insns = -1;

	shapes[0].unroll = 1;
	shapes[0].iters = 1;
	for (int i = 0; i < 2 && ok; i++) {
		int64_t bad = 0;

		if (run_one(d, &shapes[i], &r) < 0) {
			report(false, "exact: %s/%s runs: %s", d->name, d->variant, r.err);
			return;
		}
		/* Console output is slow under -icount (every byte is port
		 * I/O): one record per benchmark, for the last shape, and the
		 * PASS/FAIL line instead of a table row. */
		if (i == 1 || r.insns < 0)
			emit(&r, "exact", true);
		insns = r.insns;
		if (insns < 0) {
			report_skip("exact: %s/%s: instruction count unknown", d->name,
				    d->variant);
			return;
		}
		if (!exact_ok(&r, &bad)) {
			snprintf(why, sizeof(why), ": U=%u N=%u gave %lld for %llu copies "
				 "(%.3f per copy)", shapes[i].unroll, shapes[i].iters,
				 (long long)bad, (unsigned long long)r.ops,
				 stats_per_op((double)bad, r.ops));
			ok = false;
		}
	}
	report(ok, "exact: %s/%s costs %d instructions per copy in every sample%s",
	       d->name, d->variant, insns, why);
}

static void run_bench(void)
{
	char err[120], line[200];
	unsigned mode = (unsigned)opt_bench.u;
	struct bench_params p = params_for(mode);
	size_t n = bench_list(list, BENCH_LIST_MAX);
	bool token_used[BENCH_MAX_TOKENS] = { false };
	unsigned ran = 0;

	if (plat_init(err, sizeof(err)) < 0) {
		report(false, "bench platform: %s", err);
		return;
	}
	/* The exact mode's instruction counts need no quieting proof, and
	 * under -icount the check's waits are millions of instructions. */
	if (mode != MODE_EXACT)
		bench_quiet_selftest();
	pmu_setup();
	if (!(read_rflags() & X86_EFLAGS_IF))
		printf("bench: note: entered with IF=0; bodies set IF as they need\n");
	printf("bench: %s, mode %s, U=%u N=%u R=%u warm-up %u, base %s\n", plat.name,
	       mode_choices[mode], p.unroll, p.iters, p.reps, p.warmup,
	       bench_base_name(p.no_subtract ? BASE_NONE : p.base));
	if (plat.env.n_fixed)
		printf("bench: timer source: tsc; also rdpmc fixed counters 0..%u "
		       "(instructions, core cycles, reference cycles)\n", plat.env.n_fixed - 1);
	else
		printf("bench: timer source: tsc (no PMU fixed counters: rdpmc path off)\n");
	if (cpu_has_feature_1ecx(31))
		printf("bench: under a hypervisor: TSC figures include its view of time "
		       "(under TCG they mean nothing; -icount shift=0 makes them instructions)\n");
	printf("bench: patched sites: %s\n", bench_patched_mode() ?
	       bench_patched_mode() : "none (src/irqflags not initialised): no patched rows");
	printf("bench: figures are TSC ticks per body copy; interrupts kept away by "
	       "masking the local APIC (LVT, timer, TPR), not cli\n");
	if (bench_format_header(line, sizeof(line), plat.env.n_fixed >= 2) >= 0)
		printf("bench: %s\n", line);

	for (size_t i = 0; i < n; i++) {
		struct bench_result r;

		if (!selected(&list[i], token_used))
			continue;
		ran++;
		if (mode == MODE_EXACT) {
			run_exact(&list[i], &p);
			continue;
		}
		if (run_one(&list[i], &p, &r) < 0)
			report(false, "%s/%s runs: %s", list[i].name, list[i].variant, r.err);
		emit(&r, mode_choices[mode], false);
	}
	bench_pmu_fixed_stop();
	if (!check_tokens(token_used))
		return;
	if (mode != MODE_EXACT)
		report(ran > 0, "%u benchmarks ran (figures above; they are not checked)", ran);
}

SUITE(bench, run_bench, SUITE_OPTIONAL);
