/*
 * test_bench_gen.c - the benchmark generator and the list of bodies
 * (src/bench/gen.c, bodies.c) as bytes: layout, alignment, instruction
 * counts worked out by hand, the ops table, refusals. Nothing is executed
 * here; host/bench runs the same code and the image's bench=exact
 * scenario checks the counts against QEMU's instruction counter.
 *
 * This file also defines bench_patched_site(), overriding gen.c's weak
 * default the way src/irqflags does, to check the patched-site hook.
 */
// uses: src/bench/gen.c src/bench/bodies.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "bench/gen.h"

static uint8_t buf[16 * GEN_PAGE] __attribute__((aligned(4096)));
static struct bench_desc list[BENCH_LIST_MAX];
static size_t n_list;
static bool patched_enabled = true;

/* Patched sites as a boot patcher in hard mode would leave them for
 * irq_disable and irq_enable: the instruction, padded with a 4-byte nop
 * to the 5 bytes of a call. No save/restore: cs-kernel-irqsave must not
 * be listed. */
int bench_patched_site(enum bench_prim prim, uint8_t *dst, size_t room, int *insns)
{
	uint8_t site[] = { 0xfa, 0x0f, 0x1f, 0x40, 0x00 };

	if (!patched_enabled || (prim != PRIM_KERNEL_DISABLE && prim != PRIM_KERNEL_ENABLE))
		return -1;
	if (prim == PRIM_KERNEL_ENABLE)
		site[0] = 0xfb;
	*insns = 2;
	if (!dst)
		return sizeof(site);
	if (room < sizeof(site))
		return -1;
	memcpy(dst, site, sizeof(site));
	return sizeof(site);
}

const char *bench_patched_mode(void)
{
	return "hard";
}

static const struct gen_env env0 = {
	.seg_prefix = 0x65, .slot_disp = { 0x100, 0x101 }, .n_fixed = 0,
};

static const struct bench_desc *find(const char *name, const char *variant)
{
	for (size_t i = 0; i < n_list; i++)
		if (!strcmp(list[i].name, name) && !strcmp(list[i].variant, variant))
			return &list[i];
	return NULL;
}

static int gen(const struct gen_env *env, const char *name, const char *variant,
	       unsigned unroll, unsigned iters, struct gen_code *c, char *err)
{
	const struct bench_desc *d = find(name, variant);
	struct bench_params p = { .unroll = unroll, .iters = iters, .reps = 1 };

	if (!d) {
		snprintf(err, 120, "no benchmark %s/%s", name, variant);
		return -2;
	}
	return gen_benchmark(env, d, &p, buf, sizeof(buf), c, err, 120);
}

static void test_list(void)
{
	size_t dups = 0;

	check_set_prefix("list");
	n_list = bench_list(list, BENCH_LIST_MAX);
	CHECK(n_list > 80 && n_list < BENCH_LIST_MAX, "%zu benchmarks, below the limit %d",
	      n_list, BENCH_LIST_MAX);
	for (size_t i = 0; i < n_list; i++)
		for (size_t j = i + 1; j < n_list; j++)
			if (!strcmp(list[i].name, list[j].name) &&
			    !strcmp(list[i].variant, list[j].variant))
				dups++;
	CHECK(dups == 0, "every name/variant pair is unique (%zu duplicates)", dups);
	CHECK(find("irq_disable", "patched-hard") &&
	      find("cs-kernel-pair", "patched-hard/live7") &&
	      find("cs-kernel-irqsave", "patched-hard") == NULL &&
	      find("irq_save", "patched-hard") == NULL,
	      "patched rows only where every primitive has a patched site");
	CHECK(find("cli", "patched-hard") == NULL && find("irq_disable", "inline") == NULL,
	      "hard and soft primitives are not patched; the kernel's only are");
	CHECK(bench_list(list, 5) == 5, "a short output array is filled, not overrun");
	n_list = bench_list(list, BENCH_LIST_MAX);
}

/* Instruction counts by hand (per body copy):
 *   cli/inline        cli                                               1
 *   cli/call          call; push rbp; mov; cli; pop rbp; ret            6
 *   cli/thunk         call; cli; ret                                    3
 *   cli/icall         call *; cli; ret                                  3
 *   irq_disable/patched-hard  cli; nopl (the site above)                2
 *   cs-kernel-pair/patched-hard/live7  2 + 7 inc + 2                   11
 *   push-popf/call    mov rbx,rdi; call; push rbp; mov; push rdi; popf;
 *                     pop rbp; ret                                      8
 *   soft-enable/inline  movb; cmpb; je (taken, call skipped)            3
 *   soft-enable-xchg/thunk  call; push rax; movb; xor; xchg; test; je;
 *                     pop rax; ret                                      9
 *   cs-hard-pair/call/live7  2 x (7 push; call; 4 + cli/sti; 7 pop)
 *                     + 7 inc = 2 x 20 + 7                             47
 *   cs-hard-irqsave/inline  pushf; pop; cli; push; popf                 5
 *   sti-0to1 (ref)    cli; sti minus cli                                1
 *   andi-restore-nosti  bt; jnc (taken, sti skipped)                    2
 *   empty                                                               0
 */
static void test_counts(void)
{
	static const struct { const char *name, *variant; int insns; } want[] = {
		{ "cli", "inline", 1 }, { "cli", "call", 6 }, { "cli", "thunk", 3 },
		{ "cli", "icall", 3 }, { "irq_disable", "patched-hard", 2 },
		{ "cs-kernel-pair", "patched-hard/live7", 11 },
		{ "push-popf", "call", 8 }, { "soft-enable", "inline", 3 },
		{ "soft-enable-xchg", "thunk", 9 },
		{ "cs-hard-pair", "call/live7", 47 }, { "cs-hard-irqsave", "inline", 5 },
		{ "sti-0to1", "inline", 1 }, { "andi-restore-nosti", "inline", 2 },
		{ "empty", "inline", 0 }, { "negctl-miscount", "inline", 1 },
	};
	struct gen_code c;
	char err[120];

	check_set_prefix("counts");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int r = gen(&env0, want[i].name, want[i].variant, 4, 3, &c, err);

		CHECK(r == 0 && c.insns == want[i].insns, "%s/%s: %d instructions (got %d%s%s)",
		      want[i].name, want[i].variant, want[i].insns, c.insns,
		      r ? ", " : "", r ? err : "");
	}
}

static void test_layout(void)
{
	static const uint8_t dec_r12[] = { 0x49, 0xff, 0xcc };
	struct gen_code c;
	char err[120];
	int r;

	check_set_prefix("layout");
	r = gen(&env0, "cli-sti", "inline", 8, 10, &c, err);
	CHECK(r == 0, "cli-sti generates (%s)", r ? err : "ok");
	CHECK(c.off_short % 64 == 0 && c.off_long % 64 == 0, "functions 64-byte aligned");
	CHECK(c.loop_short % 64 == 0 && c.loop_long % 64 == 0, "loop heads 64-byte aligned");
	CHECK(c.fn_short == (uintptr_t)buf + c.off_short, "entry is the buffer address");
	CHECK(c.ops == 80 && c.base == BASE_DOUBLE && c.copy_bytes == 2,
	      "ops N*U = 80, base 2U-U, 2 bytes per copy");
	/* long: 16 copies of fa fb, then dec %r12, jnz rel8 back to the head */
	bool copies = true;
	for (unsigned i = 0; i < 16; i++)
		copies &= buf[c.loop_long + 2 * i] == 0xfa && buf[c.loop_long + 2 * i + 1] == 0xfb;
	CHECK(copies, "long variant: 2U = 16 copies of cli; sti at the loop head");
	const uint8_t *tail = buf + c.loop_long + 32;
	CHECK(!memcmp(tail, dec_r12, 3) && tail[3] == 0x75 &&
	      (size_t)(c.loop_long + 32 + 5 + (int8_t)tail[4]) == c.loop_long,
	      "then dec %%r12; jnz back to the head");
	CHECK(!memcmp(buf + c.loop_short + 16, dec_r12, 3),
	      "short variant: U = 8 copies, then the loop end");
	/* Everything from the entry to the loop head is the same bytes in
	 * both variants (that is what cancels). */
	CHECK(c.loop_short - c.off_short == c.loop_long - c.off_long &&
	      !memcmp(buf + c.off_short, buf + c.off_long, c.loop_short - c.off_short - 4),
	      "prologue, setup and timer read identical in both variants");

	/* The ops table's slot for cli points at a thunk "cli; ret". */
	uint64_t slot;
	memcpy(&slot, buf + 8 * PRIM_HARD_DISABLE, 8);
	CHECK(slot > (uintptr_t)buf && slot < (uintptr_t)buf + sizeof(buf) &&
	      ((uint8_t *)(uintptr_t)slot)[0] == 0xfa && ((uint8_t *)(uintptr_t)slot)[1] == 0xc3,
	      "ops table slot -> thunk cli; ret");

	/* A body bigger than a rel8 loop: jnz rel32. */
	r = gen(&env0, "cs-hard-irqsave", "call/live7", 16, 2, &c, err);
	CHECK(r == 0 && buf[c.loop_long + 32 * c.copy_bytes + 3] == 0x0f &&
	      buf[c.loop_long + 32 * c.copy_bytes + 4] == 0x85,
	      "long loops close with jnz rel32");

	/* Per-CPU access: %gs prefix, SIB 0x25, the slot's displacement. */
	r = gen(&env0, "soft-disable", "inline", 1, 1, &c, err);
	static const uint8_t movb[] = { 0x65, 0xc6, 0x04, 0x25, 0x00, 0x01, 0x00, 0x00, 0x01 };
	CHECK(r == 0 && !memcmp(buf + c.loop_long, movb, sizeof(movb)),
	      "soft disable is movb $1,%%gs:0x100");
	r = gen(&env0, "empty", "inline", 4, 4, &c, err);
	CHECK(r == 0 && !memcmp(buf + c.loop_long, dec_r12, 3) && c.copy_bytes == 0,
	      "empty body: the loop holds only dec/jnz");
}

static void test_pmc_and_refusals(void)
{
	struct gen_env e3 = env0, ring3 = env0;
	struct gen_code c;
	char err[120];
	int r;

	check_set_prefix("refusals");
	e3.n_fixed = 3;
	r = gen(&e3, "cli", "inline", 2, 2, &c, err);
	CHECK(r == 0, "with 3 fixed counters it generates");
	bool rdpmc = false;
	for (size_t i = c.off_long; i + 1 < c.loop_long; i++)
		if (buf[i] == 0x0f && buf[i + 1] == 0x33)
			rdpmc = true;
	CHECK(rdpmc, "and the start sequence reads rdpmc");
	e3.n_fixed = 4;
	CHECK(gen(&e3, "cli", "inline", 2, 2, &c, err) == -1, "4 fixed counters refused: %s", err);

	ring3.ring3 = true;
	ring3.seg_prefix = 0x64;
	CHECK(gen(&ring3, "cli", "inline", 2, 2, &c, err) == -1,
	      "ring 3 refuses cli: %s", err);
	CHECK(gen(&ring3, "push-popf", "inline", 2, 2, &c, err) == 0,
	      "ring 3 accepts push; popf with IF unchanged");
	CHECK(gen(&env0, "cli", "inline", 0, 2, &c, err) == -1, "unroll 0 refused: %s", err);

	const struct bench_desc *d = find("cs-hard-irqsave", "call/live7");
	struct bench_params p = { .unroll = 64, .iters = 1, .reps = 1 };
	CHECK(gen_benchmark(&env0, d, &p, buf, GEN_MIN_BYTES, &c, err, sizeof(err)) == -1,
	      "a buffer too small is an error, not an overrun: %s", err);
	CHECK(gen_benchmark(&env0, d, &p, buf + 64, sizeof(buf) - 64, &c, err, sizeof(err)) == -1,
	      "an unaligned buffer is refused: %s", err);

	/* base: empty loop, and the negative control without subtraction */
	p = (struct bench_params){ .unroll = 4, .iters = 3, .reps = 1, .base = BASE_EMPTY };
	d = find("cli", "inline");
	CHECK(gen_benchmark(&env0, d, &p, buf, sizeof(buf), &c, err, sizeof(err)) == 0 &&
	      c.base == BASE_EMPTY && c.insns == 1 && !memcmp(buf + c.loop_short, "\x49\xff\xcc", 3),
	      "base empty: the short loop is empty, one instruction per copy");
	p.no_subtract = true;
	CHECK(gen_benchmark(&env0, d, &p, buf, sizeof(buf), &c, err, sizeof(err)) == 0 &&
	      c.base == BASE_NONE, "no_subtract: base none");

	patched_enabled = false;
	d = find("irq_disable", "patched-hard");
	p = (struct bench_params){ .unroll = 1, .iters = 1, .reps = 1 };
	CHECK(gen_benchmark(&env0, d, &p, buf, sizeof(buf), &c, err, sizeof(err)) == -1,
	      "a patched site that disappears is an error: %s", err);
	patched_enabled = true;
}

int main(void)
{
	test_list();
	test_counts();
	test_layout();
	test_pmc_and_refusals();
	return check_summary();
}
