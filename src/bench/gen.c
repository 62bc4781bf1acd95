/*
 * gen.c - the benchmark code generator (layout and conventions in gen.h
 * and bench.h). Every instruction it writes is counted as it is written,
 * so each body's instruction count is known; the exactness test
 * (docs/measurement.md) holds the generator to it under QEMU's -icount.
 */
#include "bench/gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Primitives: inline form (flags in %rbx) and callee form (result in
 * %rax, argument in %rdi). The soft flag's enable tests the pending byte
 * after the store; the jcc skips the replay call in the common case. */
enum prim_kind { PK_PLAIN, PK_SAVE, PK_RESTORE };

struct prim_def {
	const char *name;
	uint8_t kind;
	bool fn_clobbers_rax;	/* the thunk must save %rax around the body */
	struct bench_ins inl[7];
	struct bench_ins fn[7];
	bool patched_only;	/* PRIM_KERNEL_*: no inline form or callees */
};

#define SOFT_ENABLE_TAIL						\
	PCPU_I8(SLOT_PENDING, 0, 0x80, 0x3c),	/* cmpb $0,seg:pending */	\
	JCC8(0x74, 1, true),			/* je: nothing pending */	\
	CALLEE(CALLEE_SLOW)			/* replay, then sti */

static const struct prim_def prims[PRIM_COUNT] = {
	[PRIM_HARD_DISABLE] = { "hard-disable", PK_PLAIN, false,
		{ RAW(0xfa) }, { RAW(0xfa) } },
	[PRIM_HARD_ENABLE] = { "hard-enable", PK_PLAIN, false,
		{ RAW(0xfb) }, { RAW(0xfb) } },
	[PRIM_HARD_SAVE] = { "hard-save", PK_SAVE, false,
		{ RAW(0x9c), RAW(0x5b) },		/* pushfq; pop %rbx */
		{ RAW(0x9c), RAW(0x58) } },		/* pushfq; pop %rax */
	[PRIM_HARD_RESTORE] = { "hard-restore", PK_RESTORE, false,
		{ RAW(0x53), RAW(0x9d) },		/* push %rbx; popfq */
		{ RAW(0x57), RAW(0x9d) } },		/* push %rdi; popfq */
	[PRIM_SOFT_DISABLE] = { "soft-disable", PK_PLAIN, false,
		{ PCPU_I8(SLOT_MASK, 1, 0xc6, 0x04) },	/* movb $1,seg:mask */
		{ PCPU_I8(SLOT_MASK, 1, 0xc6, 0x04) } },
	[PRIM_SOFT_ENABLE] = { "soft-enable", PK_PLAIN, false,
		{ PCPU_I8(SLOT_MASK, 0, 0xc6, 0x04), SOFT_ENABLE_TAIL },
		{ PCPU_I8(SLOT_MASK, 0, 0xc6, 0x04), SOFT_ENABLE_TAIL } },
	[PRIM_SOFT_ENABLE_XCHG] = { "soft-enable-xchg", PK_PLAIN, true,
		{ PCPU_I8(SLOT_MASK, 0, 0xc6, 0x04),
		  RAW(0x31, 0xc0),			/* xor %eax,%eax */
		  PCPU(SLOT_PENDING, 0x86, 0x04),	/* xchg %al,seg:pending */
		  RAW(0x84, 0xc0),			/* test %al,%al */
		  JCC8(0x74, 1, true), CALLEE(CALLEE_SLOW) },
		{ PCPU_I8(SLOT_MASK, 0, 0xc6, 0x04), RAW(0x31, 0xc0),
		  PCPU(SLOT_PENDING, 0x86, 0x04), RAW(0x84, 0xc0),
		  JCC8(0x74, 1, true), CALLEE(CALLEE_SLOW) } },
	[PRIM_SOFT_SAVE] = { "soft-save", PK_SAVE, false,
		{ PCPU(SLOT_MASK, 0x0f, 0xb6, 0x1c),	/* movzbl seg:mask,%ebx */
		  PCPU_I8(SLOT_MASK, 1, 0xc6, 0x04) },
		{ PCPU(SLOT_MASK, 0x0f, 0xb6, 0x04),	/* movzbl seg:mask,%eax */
		  PCPU_I8(SLOT_MASK, 1, 0xc6, 0x04) } },
	[PRIM_SOFT_RESTORE] = { "soft-restore", PK_RESTORE, false,
		{ PCPU(SLOT_MASK, 0x88, 0x1c),		/* mov %bl,seg:mask */
		  SOFT_ENABLE_TAIL },
		{ PCPU(SLOT_MASK, 0x40, 0x88, 0x3c),	/* mov %dil,seg:mask */
		  SOFT_ENABLE_TAIL } },
	[PRIM_KERNEL_DISABLE] = { "irq_disable", PK_PLAIN, .patched_only = true },
	[PRIM_KERNEL_ENABLE] = { "irq_enable", PK_PLAIN, .patched_only = true },
	[PRIM_KERNEL_SAVE] = { "irq_save", PK_SAVE, .patched_only = true },
	[PRIM_KERNEL_RESTORE] = { "irq_restore", PK_RESTORE, .patched_only = true },
};

/* The replay stub the soft enable branches to. The measured fast path
 * never takes the branch (pending stays 0); src/irqflags owns the real
 * replay. Clobbers nothing. */
static const struct bench_ins slow_stub[] = {
	PCPU_I8(SLOT_PENDING, 0, 0xc6, 0x04), RAW(0xc3),
};

/* Live values of a critical section: caller-saved registers a compiler
 * would use in a leaf-like hot path (%rax, %rdi carry the primitive's
 * result and argument). Push order; pops go in reverse. */
static const uint8_t live_push[][2] = {
	{ 0x51 }, { 0x52 }, { 0x56 }, { 0x41, 0x50 }, { 0x41, 0x51 },
	{ 0x41, 0x52 }, { 0x41, 0x53 },
};
static const uint8_t live_inc[][3] = {
	{ 0x48, 0xff, 0xc1 }, { 0x48, 0xff, 0xc2 }, { 0x48, 0xff, 0xc6 },
	{ 0x49, 0xff, 0xc0 }, { 0x49, 0xff, 0xc1 }, { 0x49, 0xff, 0xc2 },
	{ 0x49, 0xff, 0xc3 },
};
#define N_LIVE	(sizeof(live_push) / sizeof(live_push[0]))

struct gen {
	const struct gen_env *env;
	uint8_t *buf;
	size_t cap, pos;
	size_t callee_off[CALLEE_COUNT];
	int callee_insns[CALLEE_COUNT];
	uint8_t site;
	bool live;
	char *err;
	size_t errlen;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void fail(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	if (!g->failed) {
		va_start(ap, fmt);
		vsnprintf(g->err, g->errlen, fmt, ap);
		va_end(ap);
	}
	g->failed = true;
}

__attribute__((noinline)) static void e8(struct gen *g, uint8_t v)
{
	if (g->pos < g->cap)
		g->buf[g->pos] = v;
	else
		fail(g, "code buffer too small (lower the unroll)");
	g->pos++;
}

static void eb(struct gen *g, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e8(g, b[i]);
}

static void e32(struct gen *g, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		e8(g, (uint8_t)(v >> (8 * i)));
}

static void put32(struct gen *g, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		if (at + i < g->cap)
			g->buf[at + i] = (uint8_t)(v >> (8 * i));
}

static void align(struct gen *g, size_t a, uint8_t fill)
{
	while (g->pos % a)
		e8(g, fill);
}

static uintptr_t addr(const struct gen *g, size_t off)
{
	return (uintptr_t)g->buf + off;
}

/* rel32 from the end of a field at `field_end` to `target` (offsets). */
static uint32_t rel32(struct gen *g, size_t field_end, size_t target)
{
	int64_t d = (int64_t)target - (int64_t)field_end;

	if (d < INT32_MIN || d > INT32_MAX)
		fail(g, "branch out of rel32 range");
	return (uint32_t)(int32_t)d;
}

static int add_count(int a, int b)
{
	return a < 0 || b < 0 ? -1 : a + b;
}

static int emit_prim(struct gen *g, unsigned prim);

/* One template; returns the instructions it executes when it runs. */
static int emit_ins(struct gen *g, const struct bench_ins *in)
{
	switch (in->kind) {
	case INS_RAW:
		eb(g, in->b, in->len);
		return in->count;
	case INS_PERCPU:
		if (in->arg > SLOT_PENDING) {
			fail(g, "bad per-CPU slot");
			return 0;
		}
		e8(g, g->env->seg_prefix);
		eb(g, in->b, in->len);
		e8(g, 0x25);	/* SIB: no base, no index: disp32 alone */
		e32(g, (uint32_t)g->env->slot_disp[in->arg]);
		eb(g, in->imm, in->imm_len);
		return 1;
	case INS_CALL:
		if (in->arg >= CALLEE_COUNT) {
			fail(g, "bad callee");
			return 0;
		}
		e8(g, 0xe8);
		e32(g, rel32(g, g->pos + 4, g->callee_off[in->arg]));
		return add_count(1, g->callee_insns[in->arg]);
	case INS_PRIM:
		if (in->arg >= PRIM_COUNT) {
			fail(g, "bad primitive");
			return 0;
		}
		return emit_prim(g, in->arg);
	case INS_WORK:
		for (size_t i = 0; i < N_LIVE; i++)
			eb(g, live_inc[i], 3);
		return (int)N_LIVE;
	default:
		fail(g, "bad template kind");
		return 0;
	}
}

/* A template list up to INS_END or max entries. A JCC8 covers the next
 * `arg` templates; when it is taken in the steady state they are emitted
 * but not counted. */
static int emit_list(struct gen *g, const struct bench_ins *list, size_t max)
{
	struct { size_t at; size_t last; bool taken; } jcc[4];
	unsigned n_jcc = 0;
	int total = 0;

	for (size_t i = 0; i < max && list[i].kind != INS_END; i++) {
		const struct bench_ins *in = &list[i];
		bool skipped = false;
		int c;

		for (unsigned j = 0; j < n_jcc; j++)
			if (jcc[j].taken && i <= jcc[j].last)
				skipped = true;
		if (in->kind == INS_JCC8) {
			if (n_jcc == 4 || in->arg == 0) {
				fail(g, "bad jcc template");
				return 0;
			}
			e8(g, in->b[0]);
			jcc[n_jcc].at = g->pos;
			jcc[n_jcc].last = i + in->arg;
			jcc[n_jcc].taken = in->taken;
			n_jcc++;
			e8(g, 0);
			c = 1;
		} else {
			c = emit_ins(g, in);
		}
		if (!skipped)
			total = add_count(total, c);
		for (unsigned j = 0; j < n_jcc;) {
			if (jcc[j].last != i) {
				j++;
				continue;
			}
			size_t d = g->pos - (jcc[j].at + 1);

			if (d > 127)
				fail(g, "jcc over more than 127 bytes");
			else if (jcc[j].at < g->cap)
				g->buf[jcc[j].at] = (uint8_t)d;
			jcc[j] = jcc[--n_jcc];
		}
	}
	if (n_jcc)
		fail(g, "jcc runs past the end of its list");
	return total;
}

static void spill(struct gen *g, bool save)
{
	for (size_t i = 0; i < N_LIVE; i++) {
		const uint8_t *p = live_push[save ? i : N_LIVE - 1 - i];
		size_t n = p[0] == 0x41 ? 2 : 1;
		uint8_t b[2] = { p[0], p[1] };

		b[n - 1] += save ? 0 : 8;	/* push r -> pop r: +8 */
		eb(g, b, n);
	}
}

/* A primitive at the benchmark's call site. */
static int emit_prim(struct gen *g, unsigned prim)
{
	const struct prim_def *pd = &prims[prim];
	static const uint8_t mov_rbx_rdi[] = { 0x48, 0x89, 0xdf };
	static const uint8_t mov_rbx_rax[] = { 0x48, 0x89, 0xd8 };
	static const uint8_t mov_rax_rbx[] = { 0x48, 0x89, 0xc3 };
	int n = 0;

	if (pd->patched_only != (g->site == SITE_PATCHED)) {
		fail(g, "%s has no such call site", pd->name);
		return 0;
	}
	if (g->site == SITE_INLINE)
		return emit_list(g, pd->inl, sizeof(pd->inl) / sizeof(pd->inl[0]));
	if (pd->kind == PK_RESTORE) {
		/* patched sites take the flags in %rax (irqflags.h) */
		if (g->site == SITE_PATCHED)
			eb(g, mov_rbx_rax, sizeof(mov_rbx_rax));
		else
			eb(g, mov_rbx_rdi, sizeof(mov_rbx_rdi));
		n++;
	}
	switch (g->site) {
	case SITE_CALL:
		/* The C ABI lets the callee clobber every caller-saved
		 * register: live ones are saved around the call. */
		if (g->live) {
			spill(g, true);
			n += (int)N_LIVE;
		}
		e8(g, 0xe8);
		e32(g, rel32(g, g->pos + 4, g->callee_off[CALLEE_CABI(prim)]));
		n = add_count(n, 1 + g->callee_insns[CALLEE_CABI(prim)]);
		if (g->live) {
			spill(g, false);
			n = add_count(n, (int)N_LIVE);
		}
		break;
	case SITE_THUNK:
		e8(g, 0xe8);
		e32(g, rel32(g, g->pos + 4, g->callee_off[CALLEE_THUNK(prim)]));
		n = add_count(n, 1 + g->callee_insns[CALLEE_THUNK(prim)]);
		break;
	case SITE_ICALL:
		/* call *slot(%rip): the ops table is at the buffer's start */
		e8(g, 0xff);
		e8(g, 0x15);
		e32(g, rel32(g, g->pos + 4, 8 * prim));
		n = add_count(n, 1 + g->callee_insns[CALLEE_THUNK(prim)]);
		break;
	case SITE_PATCHED: {
		int insns = -1;
		int len = g->pos < g->cap ?
			bench_patched_site((enum bench_prim)prim, g->buf + g->pos,
					   g->cap - g->pos, &insns) : -1;

		if (len < 0) {
			fail(g, "no patched site for %s (or no room for it)", pd->name);
			return 0;
		}
		g->pos += (size_t)len;
		n = add_count(n, insns);
		break;
	}
	default:
		fail(g, "bad site");
		return 0;
	}
	if (pd->kind == PK_SAVE) {
		eb(g, mov_rax_rbx, sizeof(mov_rax_rbx));
		n = add_count(n, 1);
	}
	return n;
}

/* Callees: the replay stub, and per primitive a thunk (clobbers nothing
 * but %rax as a result) and a C-ABI function shaped as a compiler with
 * frame pointers emits it (push %rbp; mov %rsp,%rbp; ...; pop %rbp; ret). */
static void emit_callees(struct gen *g)
{
	size_t nfn;

	align(g, 16, 0xcc);
	g->callee_off[CALLEE_SLOW] = g->pos;
	g->callee_insns[CALLEE_SLOW] = emit_list(g, slow_stub, 2);
	for (unsigned p = 0; p < PRIM_COUNT; p++) {
		const struct prim_def *pd = &prims[p];
		bool keep_rax = pd->fn_clobbers_rax && pd->kind != PK_SAVE;
		int n;

		if (pd->patched_only)
			continue;
		nfn = sizeof(pd->fn) / sizeof(pd->fn[0]);
		align(g, 16, 0xcc);
		g->callee_off[CALLEE_THUNK(p)] = g->pos;
		n = 0;
		if (keep_rax) {
			e8(g, 0x50);	/* push %rax */
			n++;
		}
		n = add_count(n, emit_list(g, pd->fn, nfn));
		if (keep_rax) {
			e8(g, 0x58);	/* pop %rax */
			n++;
		}
		e8(g, 0xc3);
		g->callee_insns[CALLEE_THUNK(p)] = add_count(n, 1);

		align(g, 16, 0xcc);
		g->callee_off[CALLEE_CABI(p)] = g->pos;
		eb(g, (const uint8_t[]){ 0x55, 0x48, 0x89, 0xe5 }, 4);
		n = add_count(2, emit_list(g, pd->fn, nfn));
		eb(g, (const uint8_t[]){ 0x5d, 0xc3 }, 2);
		g->callee_insns[CALLEE_CABI(p)] = add_count(n, 2);

		/* ops table slot: the thunk, as paravirt's callee-save ops */
		uint64_t a = addr(g, g->callee_off[CALLEE_THUNK(p)]);

		memcpy(g->buf + 8 * p, &a, sizeof(a));
	}
}

/* lfence; rdtsc or rdpmc; lfence; store the 64-bit value at disp(%r15) */
static void emit_read(struct gen *g, int fixed, uint8_t disp)
{
	static const uint8_t lfence[] = { 0x0f, 0xae, 0xe8 };
	static const uint8_t combine[] = {
		0x48, 0xc1, 0xe2, 0x20,		/* shl $32,%rdx */
		0x48, 0x09, 0xd0,		/* or %rdx,%rax */
		0x49, 0x89, 0x47,		/* mov %rax,disp8(%r15) */
	};

	if (fixed >= 0) {
		e8(g, 0xb9);			/* mov $imm32,%ecx */
		e32(g, (1u << 30) | (unsigned)fixed);	/* bit 30: fixed counter */
	}
	eb(g, lfence, 3);
	eb(g, fixed >= 0 ? (const uint8_t[]){ 0x0f, 0x33 } : (const uint8_t[]){ 0x0f, 0x31 }, 2);
	eb(g, lfence, 3);
	eb(g, combine, sizeof(combine));
	e8(g, disp);
}

static void emit_setup(struct gen *g, uint8_t setup_if, uint8_t setup_rbx)
{
	if (setup_if == IF_CLEAR)
		e8(g, 0xfa);
	else if (setup_if == IF_SET)
		e8(g, 0xfb);
	switch (setup_rbx) {
	case RBX_FLAGS_IF1:	/* pushfq; pop %rbx; or $0x200,%rbx */
		eb(g, (const uint8_t[]){ 0x9c, 0x5b, 0x48, 0x81, 0xcb, 0x00, 0x02, 0x00, 0x00 }, 9);
		break;
	case RBX_FLAGS_IF0:	/* pushfq; pop %rbx; and $~0x200,%rbx */
		eb(g, (const uint8_t[]){ 0x9c, 0x5b, 0x48, 0x81, 0xe3, 0xff, 0xfd, 0xff, 0xff }, 9);
		break;
	case RBX_ZERO:		/* xor %ebx,%ebx */
		eb(g, (const uint8_t[]){ 0x31, 0xdb }, 2);
		break;
	default:
		break;
	}
}

/* One measured function; returns its offset. *loop gets the loop head's
 * offset, *per_copy the instructions of one copy. */
static size_t emit_function(struct gen *g, const struct bench_ins *body,
			    unsigned copies, uint8_t setup_if, uint8_t setup_rbx,
			    unsigned iters, size_t *loop, int *per_copy,
			    size_t *copy_bytes)
{
	static const uint8_t prologue[] = {
		0x55, 0x48, 0x89, 0xe5,		/* push %rbp; mov %rsp,%rbp */
		0x53, 0x41, 0x54, 0x41, 0x55,	/* push %rbx, %r12, %r13 */
		0x41, 0x56, 0x41, 0x57,		/* push %r14, %r15 */
		0x9c,				/* pushfq: the caller's IF */
		0x49, 0x89, 0xff,		/* mov %rdi,%r15 */
	};
	static const uint8_t epilogue[] = {
		0x9d, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c,
		0x5b, 0x5d, 0xc3,
	};
	size_t start, head, jmp_field;
	int n_fixed = (int)g->env->n_fixed;

	align(g, GEN_LOOP_ALIGN, 0xcc);
	start = g->pos;
	eb(g, prologue, sizeof(prologue));
	emit_setup(g, setup_if, setup_rbx);
	e8(g, 0x41);	/* mov $iters,%r12d */
	e8(g, 0xbc);
	e32(g, iters);
	for (int i = 0; i < n_fixed; i++)
		emit_read(g, i, (uint8_t)(offsetof(struct bench_raw, pmc[0][i])));
	emit_read(g, -1, offsetof(struct bench_raw, tsc[0]));
	/* One jmp over the padding, so the loop head is aligned and the
	 * padding costs one instruction whatever its length. */
	e8(g, 0xe9);
	jmp_field = g->pos;
	e32(g, 0);
	align(g, GEN_LOOP_ALIGN, 0xcc);
	head = g->pos;
	put32(g, jmp_field, rel32(g, jmp_field + 4, head));
	*per_copy = 0;
	*copy_bytes = 0;
	for (unsigned c = 0; c < copies; c++) {
		size_t before = g->pos;
		int n = emit_list(g, body, BENCH_MAX_INS);

		*per_copy = n;
		*copy_bytes = g->pos - before;
	}
	eb(g, (const uint8_t[]){ 0x49, 0xff, 0xcc }, 3);	/* dec %r12 */
	if (head + 128 >= g->pos + 2) {
		e8(g, 0x75);					/* jnz rel8 */
		e8(g, (uint8_t)(int8_t)((int64_t)head - (int64_t)(g->pos + 1)));
	} else {
		e8(g, 0x0f);					/* jnz rel32 */
		e8(g, 0x85);
		e32(g, rel32(g, g->pos + 4, head));
	}
	emit_read(g, -1, offsetof(struct bench_raw, tsc[1]));
	for (int i = n_fixed - 1; i >= 0; i--)
		emit_read(g, i, (uint8_t)(offsetof(struct bench_raw, pmc[1][i])));
	eb(g, epilogue, sizeof(epilogue));
	*loop = head;
	return start;
}

int gen_benchmark(const struct gen_env *env, const struct bench_desc *d,
		  const struct bench_params *p, uint8_t *buf, size_t cap,
		  struct gen_code *out, char *err, size_t errlen)
{
	struct gen g = {
		.env = env, .buf = buf, .cap = cap, .site = d->site,
		.live = d->live, .err = err, .errlen = errlen,
	};
	static const struct bench_ins empty[1] = { { .kind = INS_END } };
	const struct bench_ins *short_body = d->body;
	unsigned short_copies, long_copies = p->unroll;
	uint8_t short_if = d->setup_if;
	int n_short = 0, n_long = 0;
	size_t bytes_short = 0;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if ((uintptr_t)buf % GEN_PAGE || cap < GEN_MIN_BYTES) {
		snprintf(err, errlen, "code buffer must be page aligned and >= %u bytes",
			 GEN_MIN_BYTES);
		return -1;
	}
	if (p->unroll == 0 || p->iters == 0) {
		snprintf(err, errlen, "unroll and iterations must be at least 1");
		return -1;
	}
	if (env->n_fixed > BENCH_MAX_FIXED) {
		snprintf(err, errlen, "at most %d fixed counters", BENCH_MAX_FIXED);
		return -1;
	}
	if (env->ring3 && ((d->flags & BENCH_F_RING0) || d->setup_if != IF_KEEP ||
			   d->ref_setup_if != IF_KEEP)) {
		snprintf(err, errlen, "%s needs ring 0", d->name);
		return -1;
	}
	out->base = p->no_subtract ? BASE_NONE : d->base == BASE_REF ? BASE_REF : p->base;
	switch (out->base) {
	case BASE_DOUBLE:
		short_copies = p->unroll;
		long_copies = 2 * p->unroll;
		break;
	case BASE_REF:
		short_body = d->ref;
		short_copies = p->unroll;
		short_if = d->ref_setup_if;
		break;
	case BASE_EMPTY:
	case BASE_NONE:
		short_body = empty;
		short_copies = 0;
		break;
	default:
		snprintf(err, errlen, "bad base %u", out->base);
		return -1;
	}

	memset(buf, 0xcc, GEN_PAGE);	/* data page; ops table at its start */
	g.pos = GEN_PAGE;
	emit_callees(&g);
	out->off_short = emit_function(&g, short_body, short_copies, short_if,
				       d->setup_rbx, p->iters, &out->loop_short,
				       &n_short, &bytes_short);
	out->off_long = emit_function(&g, d->body, long_copies, d->setup_if,
				      d->setup_rbx, p->iters, &out->loop_long,
				      &n_long, &out->copy_bytes);
	if (g.failed)
		return -1;
	out->fn_short = addr(&g, out->off_short);
	out->fn_long = addr(&g, out->off_long);
	out->used = g.pos;
	out->ops = (uint64_t)p->iters * p->unroll;
	if (out->base == BASE_REF)
		out->insns = n_long < 0 || n_short < 0 ? -1 : n_long - n_short;
	else
		out->insns = n_long;
	return 0;
}

/* No patched sites unless the image's src/bench/patched.c is linked. */
__attribute__((weak)) int bench_patched_site(enum bench_prim prim, uint8_t *dst,
					     size_t room, int *insns)
{
	(void)prim;
	(void)dst;
	(void)room;
	*insns = -1;
	return -1;
}

__attribute__((weak)) const char *bench_patched_mode(void)
{
	return NULL;
}
