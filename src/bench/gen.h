/*
 * gen.h - the one generator: a benchmark description in, executable code
 * out. Pure (it writes bytes into a buffer the platform made executable),
 * so the host tests check its layout.
 *
 * Buffer layout (buf must be 4 KiB aligned, at least GEN_MIN_BYTES):
 *
 *   +0       data page: the ops table (one 8-byte slot per primitive,
 *            pointing at its thunk) - kept off the code's cache lines
 *   +4096    callees, 16-byte aligned: the soft flag's replay stub, then a
 *            thunk and a C-ABI function for every primitive
 *   ...      short variant, 64-byte aligned function
 *   ...      long variant, 64-byte aligned function
 *
 * Each variant is   void fn(struct bench_raw *out)   (System V ABI):
 *
 *   push rbp..r15; pushf               save the caller's registers and IF
 *   <setup>                            IF and %rbx as the benchmark needs
 *   mov $N, %r12d
 *   [lfence; rdpmc; lfence] x fixed    start values -> out->pmc[0][]
 *   lfence; rdtsc; lfence              start value  -> out->tsc[0]
 *   jmp 1f; int3 padding
 * 1: (64-byte aligned) body x copies
 *   dec %r12; jnz 1b
 *   lfence; rdtsc; lfence              end values, in reverse order
 *   [lfence; rdpmc; lfence] x fixed
 *   popf; pop r15..rbp; ret            caller's IF back (ring 0)
 *
 * The two variants differ only in the number of copies (or, BASE_REF, in
 * which body is copied), so everything else cancels in the difference.
 */
#ifndef IRQLAB_BENCH_GEN_H
#define IRQLAB_BENCH_GEN_H

#include "bench/bench.h"

#define GEN_PAGE	4096u
#define GEN_MIN_BYTES	(3 * GEN_PAGE)
#define GEN_LOOP_ALIGN	64u

struct gen_env {
	uint8_t seg_prefix;		/* 0x65 (%gs, image) or 0x64 (%fs, host) */
	int32_t slot_disp[2];		/* segment-relative: mask, pending */
	unsigned n_fixed;		/* fixed counters to read, 0..3 */
	bool ring3;			/* refuse ring-0-only descriptions */
};

struct gen_code {
	uintptr_t fn_short, fn_long;	/* void fn(struct bench_raw *) */
	size_t off_short, off_long;	/* their offsets in buf */
	size_t loop_short, loop_long;	/* offsets of the loop heads */
	uint64_t ops;			/* body copies the difference leaves */
	int insns;			/* instructions per copy, -1 unknown */
	size_t copy_bytes;		/* bytes of one body copy */
	size_t used;			/* bytes of buf written */
	uint8_t base;			/* what the difference subtracts */
};

int gen_benchmark(const struct gen_env *env, const struct bench_desc *d,
		  const struct bench_params *p, uint8_t *buf, size_t cap,
		  struct gen_code *out, char *err, size_t errlen);

#endif
