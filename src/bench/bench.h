/*
 * bench.h - the interrupt-flag benchmarks: descriptions, the generator's
 * inputs, the harness and its results (docs/measurement.md says why each
 * choice is made).
 *
 * A benchmark is a description, never hand-written code: a body (a short
 * list of instruction templates, struct bench_ins), the IF state it needs,
 * and how its overhead is cancelled. gen.c emits the measured code from
 * it; harness.c runs it and keeps the samples; output.c prints the table
 * and the records. The same files build into the image (src/bench/suite.c
 * is the image's platform) and into the Linux program host/bench.
 *
 * Register conventions of the generated code (gen.c):
 *   %rbx      the saved flags of the irqsave forms (hard or soft)
 *   %rax      the result of a called save primitive (thunk/C-ABI/patched)
 *   %rdi      the argument of a called restore primitive
 *   %rcx %rdx %rsi %r8-%r11   the values a "live" critical section keeps
 *   %r12 (loop counter), %r15 (result pointer), %rbp, %rsp: the harness's
 */
#ifndef IRQLAB_BENCH_BENCH_H
#define IRQLAB_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/stats.h"

/* The interrupt-flag primitives, each expandable at every call-site kind. */
enum bench_prim {
	PRIM_HARD_DISABLE,	/* cli */
	PRIM_HARD_ENABLE,	/* sti */
	PRIM_HARD_SAVE,		/* pushf; pop */
	PRIM_HARD_RESTORE,	/* push; popf */
	PRIM_SOFT_DISABLE,	/* store 1 to the per-CPU mask byte */
	PRIM_SOFT_ENABLE,	/* store 0; load pending; branch to the replay */
	PRIM_SOFT_ENABLE_XCHG,	/* store 0; xchg pending (implied LOCK) */
	PRIM_SOFT_SAVE,		/* load mask into %ebx; store 1 */
	PRIM_SOFT_RESTORE,	/* store %bl; load pending; branch */
	/* The image's own irq_disable/enable/save/restore as the boot
	 * patcher left them (src/irqflags, hard or soft by irqflags=):
	 * SITE_PATCHED only. */
	PRIM_KERNEL_DISABLE,
	PRIM_KERNEL_ENABLE,
	PRIM_KERNEL_SAVE,
	PRIM_KERNEL_RESTORE,
	PRIM_COUNT
};
#define PRIM_FIRST_KERNEL	PRIM_KERNEL_DISABLE

/* How a primitive is reached from its call site. */
enum bench_site {
	SITE_INLINE,	/* the instructions in place */
	SITE_CALL,	/* call to a C-ABI function: the caller spills live
			 * caller-saved registers around it */
	SITE_THUNK,	/* call to a thunk that clobbers nothing but its
			 * result (%rax) */
	SITE_ICALL,	/* indirect call through an ops table to the thunk */
	SITE_PATCHED,	/* PRIM_KERNEL_* only: a copy of the site the
			 * boot-time patcher wrote (bench_patched_site()) */
	SITE_COUNT
};

enum bench_ins_kind {
	INS_END,
	INS_RAW,	/* b[0..len): `count` instructions as given */
	INS_PERCPU,	/* segment prefix, b[0..len) (opcode, ModRM with
			 * rm=100), SIB 0x25, disp32 of per-CPU slot `arg`,
			 * then imm[0..imm_len) */
	INS_JCC8,	/* b[0] (a 0x7x jcc opcode) with rel8 over the next
			 * `arg` templates; `taken` in the measured steady state */
	INS_PRIM,	/* primitive `arg` at the benchmark's call site */
	INS_WORK,	/* the live section's work: inc each live register */
	INS_CALL,	/* call rel32 to the generator's callee `arg` */
};

/* Callees the generator emits once per buffer (INS_CALL's arg). */
#define CALLEE_SLOW		0			/* soft flag replay stub */
#define CALLEE_THUNK(p)		(1 + (p))
#define CALLEE_CABI(p)		(1 + PRIM_COUNT + (p))
#define CALLEE_COUNT		(1 + 2 * PRIM_COUNT)

enum bench_slot { SLOT_MASK, SLOT_PENDING };	/* per-CPU bytes (INS_PERCPU) */

struct bench_ins {
	uint8_t kind;
	uint8_t arg;
	uint8_t len;
	uint8_t count;		/* INS_RAW: instructions in b[] */
	uint8_t imm_len;
	bool taken;		/* INS_JCC8 */
	uint8_t b[10];
	uint8_t imm[4];
};

#define BENCH_MAX_INS	12

/* Template constructors (gen.c, bodies.c). */
#define INS_NB(...)	sizeof((uint8_t[]){ __VA_ARGS__ })
#define RAW(...)	{ .kind = INS_RAW, .len = INS_NB(__VA_ARGS__), .count = 1, \
			  .b = { __VA_ARGS__ } }
#define RAWN(n, ...)	{ .kind = INS_RAW, .len = INS_NB(__VA_ARGS__), .count = (n), \
			  .b = { __VA_ARGS__ } }
#define PCPU(slot, ...)	{ .kind = INS_PERCPU, .arg = (slot), .count = 1, \
			  .len = INS_NB(__VA_ARGS__), .b = { __VA_ARGS__ } }
#define PCPU_I8(slot, imm8, ...) { .kind = INS_PERCPU, .arg = (slot), .count = 1, \
			  .len = INS_NB(__VA_ARGS__), .b = { __VA_ARGS__ }, \
			  .imm_len = 1, .imm = { (imm8) } }
#define JCC8(op, skip, tk) { .kind = INS_JCC8, .arg = (skip), .len = 1, .count = 1, \
			  .taken = (tk), .b = { (op) } }
#define CALLEE(id)	{ .kind = INS_CALL, .arg = (id), .count = 1 }
#define PRIM(p)		{ .kind = INS_PRIM, .arg = (p) }
#define WORK		{ .kind = INS_WORK }

enum bench_if {
	IF_KEEP,	/* leave IF as the caller has it */
	IF_CLEAR,	/* cli before the timed region (ring 0 only) */
	IF_SET,		/* sti before the timed region (ring 0 only) */
};

enum bench_rbx {
	RBX_NONE,
	RBX_FLAGS_IF1,	/* %rbx = current RFLAGS with IF set */
	RBX_FLAGS_IF0,	/* %rbx = current RFLAGS with IF clear */
	RBX_ZERO,	/* %rbx = 0 (soft restore to "enabled") */
};

/* What the body's cost is measured against. */
enum bench_base {
	BASE_DOUBLE,	/* 2U copies minus U copies (default) */
	BASE_EMPTY,	/* U copies minus an empty loop */
	BASE_REF,	/* U copies minus U copies of the reference body */
	BASE_NONE,	/* no subtraction: negative control only */
};

#define BENCH_F_RING0	(1u << 0)	/* needs ring 0: not in host mode */
#define BENCH_F_NEGCTL	(1u << 1)	/* negative control: only when named */

struct bench_desc {
	char name[28];		/* "cli", "op-hard-save", "cs-soft-pair" */
	char variant[20];	/* "inline", "call", "thunk/live", ... */
	const char *if_case;	/* "0->0", "1->0->1", "unchanged", ... */
	const char *what;	/* one line for the table's legend */
	uint8_t site;		/* enum bench_site, for INS_PRIM */
	bool live;		/* INS_WORK present: spill around C-ABI calls */
	uint8_t setup_if, setup_rbx;
	uint8_t ref_setup_if;
	uint8_t base;		/* enum bench_base */
	unsigned flags;
	struct bench_ins body[BENCH_MAX_INS];
	struct bench_ins ref[BENCH_MAX_INS];
};

/* The whole list (static bodies, then every primitive and critical section
 * at every site). Returns the number written (at most max). */
size_t bench_list(struct bench_desc *out, size_t max);
#define BENCH_LIST_MAX	160

/* Raw timestamps of one run of a generated function (gen.c writes them). */
#define BENCH_MAX_FIXED	3
struct bench_raw {
	uint64_t tsc[2];			/* start, end */
	uint64_t pmc[2][BENCH_MAX_FIXED];	/* fixed counters, start/end */
};

/* Sources a figure can come from. */
enum bench_src {
	SRC_TSC,	/* lfence; rdtsc; lfence */
	SRC_INSTR,	/* fixed counter 0: instructions retired */
	SRC_CORE,	/* fixed counter 1: core cycles (unhalted) */
	SRC_REF,	/* fixed counter 2: reference cycles */
	BENCH_NSRC
};
const char *bench_src_name(enum bench_src s);	/* "tsc", "pmc_core_cycles", ... */

struct bench_params {
	unsigned unroll;	/* U: body copies in the small variant */
	unsigned iters;		/* N: loop iterations */
	unsigned reps;		/* R: measured repetitions */
	unsigned warmup;	/* unmeasured repetitions first */
	uint8_t base;		/* BASE_DOUBLE or BASE_EMPTY (BASE_REF bodies
				 * keep their reference) */
	bool no_subtract;	/* negative control: report big / ops */
};

struct bench_result {
	const struct bench_desc *d;
	struct bench_params p;
	uint8_t base;		/* what was actually subtracted */
	uint64_t ops;		/* body copies the subtraction leaves: N * U */
	int insns;		/* instructions per copy, -1 if unknown */
	size_t code_bytes;	/* bytes of one copy of the body */
	bool have[BENCH_NSRC];
	struct bench_stats st[BENCH_NSRC];	/* over raw differences */
	int64_t *samples[BENCH_NSRC];	/* per repetition: big - small */
	size_t n;
	char err[120];		/* non-empty: the benchmark did not run */
};

/* The patched-site hook (the image's is src/bench/patched.c, over
 * src/irqflags' irqflags_bench_site): write at dst (room bytes; the code
 * runs where it is written) the site the boot-time patcher left for
 * PRIM_KERNEL_* `prim`. Contract (src/irqflags/irqflags.h): save leaves
 * the flags in %rax, restore takes them in %rax, nothing else but the
 * condition codes changes; the site may push and call. Returns the bytes
 * written and sets *insns to the instructions it executes when nothing
 * is pending (-1 unknown), or -1 when there is no patched site. dst NULL
 * only asks whether there is one. The weak default (gen.c) has none. */
int bench_patched_site(enum bench_prim prim, uint8_t *dst, size_t room,
		       int *insns);
/* "hard" or "soft": the mode the patched sites are in; NULL when none. */
const char *bench_patched_mode(void);

/* Program the architectural fixed counters to count in ring 0 and return
 * how many rdpmc may read (0..3: instructions retired, core cycles,
 * reference cycles), or 0: no PMU, timer source tsc only. Image:
 * src/bench/pmc.c; host mode: host/bench/plat_host.c (0). */
unsigned bench_pmu_fixed_start(void);
void bench_pmu_fixed_stop(void);

#endif
