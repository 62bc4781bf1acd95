/*
 * patch.c - the boot-time patcher: what each site holds in each mode,
 * writing it in place, and the stubs the call variant calls.
 *
 * Bytes per site (M, P: %gs displacements of the mask and pending bytes;
 * padding: recommended multi-byte nops, SDM vol. 2B, NOP):
 *
 *  op       hard              soft
 *  disable  fa (cli)          65 c6 04 25 M 01       movb $1,%gs:M
 *  enable   fb (sti)          65 c6 04 25 M 00       movb $0,%gs:M
 *                             65 80 3c 25 P 00       cmpb $0,%gs:P
 *                             74 05                  je end
 *                             e8 rel32               call replay_thunk
 *  save     9c 58 fa          65 0f b6 04 25 M       movzbl %gs:M,%eax
 *           (pushfq; pop      65 c6 04 25 M 01       movb $1,%gs:M
 *           %rax; cli)        83 f0 01               xorl $1,%eax
 *                             c1 e0 09               shll $9,%eax
 *  restore  50 9d             f6 c4 02               testb $2,%ah (IF)
 *           (push %rax;       65 0f 94 04 25 M       setz %gs:M
 *           popfq)            74 10                  jz end
 *                             65 80 3c 25 P 00       cmpb $0,%gs:P
 *                             74 05                  je end
 *                             e8 rel32               call replay_thunk
 *
 * The call variant writes e8 rel32 to the stub of the same mode and op
 * (an inline site pinned to that mode, then ret), padded with nops.
 * save's soft form turns the mask byte into X86_EFLAGS_IF so callers see
 * one flags format in both modes; restore stores the mask with setz, a
 * plain byte store that leaves the flags of the test for the jz.
 */
#include "irqflags/irqflags.h"
#include "irqflags/internal.h"
#include "arch/cpu.h"
#include "lib/panic.h"
#include <string.h>

extern char _text_start[], _text_end[];

static const uint8_t nops[9][9] = {
	{ 0x90 },
	{ 0x66, 0x90 },
	{ 0x0f, 0x1f, 0x00 },
	{ 0x0f, 0x1f, 0x40, 0x00 },
	{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

static const unsigned site_lens[IRQF_NR_OPS] = {
	[IRQF_OP_DISABLE] = IRQF_LEN_DISABLE,
	[IRQF_OP_ENABLE] = IRQF_LEN_ENABLE,
	[IRQF_OP_SAVE] = IRQF_LEN_SAVE,
	[IRQF_OP_RESTORE] = IRQF_LEN_RESTORE,
};

unsigned irqflags_site_len(unsigned op)
{
	return op < IRQF_NR_OPS ? site_lens[op] : 0;
}

struct emit {
	uint8_t *buf;
	unsigned n;
	uint64_t at;		/* address the bytes will run at */
	int call_off;
};

static void put(struct emit *e, const uint8_t *bytes, unsigned n)
{
	memcpy(e->buf + e->n, bytes, n);
	e->n += n;
}

static void put_d32(struct emit *e, int32_t v)
{
	uint32_t u = (uint32_t)v;
	uint8_t b[4] = { u, u >> 8, u >> 16, u >> 24 };

	put(e, b, 4);
}

/* op %gs:disp32 with ModRM 04 + SIB 25: no base, no index, disp32. */
static void put_gs(struct emit *e, const uint8_t *opcode, unsigned n, uint8_t modrm,
		   int32_t disp)
{
	uint8_t gs = 0x65, sib = 0x25;

	put(e, &gs, 1);
	put(e, opcode, n);
	put(e, &modrm, 1);
	put(e, &sib, 1);
	put_d32(e, disp);
}

static void movb_mask(struct emit *e, uint8_t v)
{
	static const uint8_t op[] = { 0xc6 };	/* mov r/m8, imm8 (/0) */

	put_gs(e, op, 1, 0x04, irqflags_mask_disp);
	put(e, &v, 1);
}

static void cmpb_pending(struct emit *e)
{
	static const uint8_t op[] = { 0x80 };	/* cmp r/m8, imm8 (/7) */
	uint8_t zero = 0;

	put_gs(e, op, 1, 0x3c, irqflags_pending_disp);
	put(e, &zero, 1);
}

static void call(struct emit *e, const void *target)
{
	uint8_t op = 0xe8;
	int64_t rel = (int64_t)(uintptr_t)target - (int64_t)(e->at + e->n + 5);

	if (rel != (int32_t)rel)
		panic("irqflags: call from 0x%llx to %p out of rel32 range",
		      (unsigned long long)e->at, target);
	e->call_off = (int)e->n;
	put(e, &op, 1);
	put_d32(e, (int32_t)rel);
}

static void soft_enable(struct emit *e, enum irqflags_broken broken)
{
	static const uint8_t je5[] = { 0x74, 0x05 };

	if (broken == IRQFLAGS_BROKEN_CHECK_BEFORE_STORE) {
		/* mov leaves the flags of the cmp: the je acts on a pending
		 * byte read before the mask was cleared. */
		cmpb_pending(e);
		movb_mask(e, 0);
	} else {
		movb_mask(e, 0);
		cmpb_pending(e);
	}
	put(e, je5, 2);
	call(e, irqflags_replay_thunk);
}

static void soft_save(struct emit *e)
{
	static const uint8_t movzbl[] = { 0x0f, 0xb6 };
	static const uint8_t tail[] = { 0x83, 0xf0, 0x01, 0xc1, 0xe0, 0x09 };

	put_gs(e, movzbl, 2, 0x04, irqflags_mask_disp);
	movb_mask(e, 1);
	put(e, tail, sizeof(tail));
}

static void soft_restore(struct emit *e)
{
	static const uint8_t test_ah[] = { 0xf6, 0xc4, 0x02 };
	static const uint8_t setz[] = { 0x0f, 0x94 };
	static const uint8_t jz16[] = { 0x74, 0x10 };
	static const uint8_t je5[] = { 0x74, 0x05 };

	put(e, test_ah, 3);
	put_gs(e, setz, 2, 0x04, irqflags_mask_disp);
	put(e, jz16, 2);
	cmpb_pending(e);
	put(e, je5, 2);
	call(e, irqflags_replay_thunk);
}

unsigned irqflags_encode(uint8_t *buf, unsigned op, enum irqflags_mode mode,
			 enum irqflags_variant variant, enum irqflags_broken broken,
			 uint64_t at, int *call_off)
{
	static const uint8_t hard[IRQF_NR_OPS][3] = {
		{ 0xfa }, { 0xfb }, { 0x9c, 0x58, 0xfa }, { 0x50, 0x9d },
	};
	static const unsigned hard_len[IRQF_NR_OPS] = { 1, 1, 3, 2 };
	struct emit e = { buf, 0, at, -1 };
	unsigned len = irqflags_site_len(op);

	if (!len)
		return 0;
	if (variant == IRQFLAGS_CALL)
		call(&e, irqflags_stubs[mode][op]);
	else if (mode == IRQFLAGS_HARD)
		put(&e, hard[op], hard_len[op]);
	else if (op == IRQF_OP_DISABLE)
		movb_mask(&e, 1);
	else if (op == IRQF_OP_ENABLE)
		soft_enable(&e, broken);
	else if (op == IRQF_OP_SAVE)
		soft_save(&e);
	else
		soft_restore(&e);
	if (e.n > len)
		panic("irqflags: op %u needs %u bytes, site has %u", op, e.n, len);
	while (e.n < len) {
		unsigned k = len - e.n > 9 ? 9 : len - e.n;

		put(&e, nops[k - 1], k);
	}
	*call_off = e.call_off;
	return len;
}

/* ---- the stubs -------------------------------------------------------- */

#define STUB(name, site)						\
	".globl " name "\n"						\
	".type " name ", @function\n"					\
	name ":\n\t" site "ret\n\t"					\
	".size " name ", . - " name "\n"

#define HARD_PIN	IRQF_FORCE_HARD | IRQF_FORCE_INLINE
#define SOFT_PIN	IRQF_FORCE_SOFT | IRQF_FORCE_INLINE

asm(".text\n"
	STUB("irqflags_stub_hard_disable", IRQF_SITE_DISABLE(HARD_PIN, IRQF_GROUP_STUB))
	STUB("irqflags_stub_hard_enable", IRQF_SITE_ENABLE(HARD_PIN, IRQF_GROUP_STUB))
	STUB("irqflags_stub_hard_save", IRQF_SITE_SAVE(HARD_PIN, IRQF_GROUP_STUB))
	STUB("irqflags_stub_hard_restore", IRQF_SITE_RESTORE(HARD_PIN, IRQF_GROUP_STUB))
	STUB("irqflags_stub_soft_disable", IRQF_SITE_DISABLE(SOFT_PIN, IRQF_GROUP_STUB))
	STUB("irqflags_stub_soft_enable", IRQF_SITE_ENABLE(SOFT_PIN, IRQF_GROUP_STUB))
	STUB("irqflags_stub_soft_save", IRQF_SITE_SAVE(SOFT_PIN, IRQF_GROUP_STUB))
	STUB("irqflags_stub_soft_restore", IRQF_SITE_RESTORE(SOFT_PIN, IRQF_GROUP_STUB))
	/* One site per primitive for the benchmark table (irqflags.h). */
	STUB("irqflags_bench_fn_disable", IRQF_SITE_DISABLE(0, IRQF_GROUP_BENCH))
	STUB("irqflags_bench_fn_enable", IRQF_SITE_ENABLE(0, IRQF_GROUP_BENCH))
	STUB("irqflags_bench_fn_save", IRQF_SITE_SAVE(0, IRQF_GROUP_BENCH))
	STUB("irqflags_bench_fn_restore", "movq %rdi, %rax\n\t"
	     IRQF_SITE_RESTORE(0, IRQF_GROUP_BENCH)));

void irqflags_stub_hard_disable(void), irqflags_stub_hard_enable(void),
     irqflags_stub_hard_save(void), irqflags_stub_hard_restore(void),
     irqflags_stub_soft_disable(void), irqflags_stub_soft_enable(void),
     irqflags_stub_soft_save(void), irqflags_stub_soft_restore(void);
void irqflags_bench_fn_disable(void), irqflags_bench_fn_enable(void);
unsigned long irqflags_bench_fn_save(void);
void irqflags_bench_fn_restore(unsigned long flags);

void *const irqflags_stubs[2][IRQF_NR_OPS] = {
	[IRQFLAGS_HARD] = { irqflags_stub_hard_disable, irqflags_stub_hard_enable,
			    irqflags_stub_hard_save, irqflags_stub_hard_restore },
	[IRQFLAGS_SOFT] = { irqflags_stub_soft_disable, irqflags_stub_soft_enable,
			    irqflags_stub_soft_save, irqflags_stub_soft_restore },
};

/* ---- patching ----------------------------------------------------------- */

static unsigned n_patched;

unsigned irqflags_sites_patched(void)
{
	return n_patched;
}

static void site_mode(const struct irqflags_site *s, enum irqflags_mode *mode,
		      enum irqflags_variant *variant)
{
	*mode = s->flags & IRQF_FORCE_HARD ? IRQFLAGS_HARD :
		s->flags & IRQF_FORCE_SOFT ? IRQFLAGS_SOFT : irqflags_cur_mode;
	*variant = s->flags & IRQF_FORCE_INLINE ? IRQFLAGS_INLINE : irqflags_cur_variant;
}

static void check_site(const struct irqflags_site *s)
{
	uint64_t lo = (uintptr_t)_text_start, hi = (uintptr_t)_text_end;

	if (s->op >= IRQF_NR_OPS || s->len != irqflags_site_len(s->op) ||
	    s->addr < lo || s->addr + s->len > hi ||
	    (s->flags & IRQF_FORCE_HARD && s->flags & IRQF_FORCE_SOFT))
		panic("irqflags: bad site record at %p: addr 0x%llx len %u op %u flags 0x%x",
		      (const void *)s, (unsigned long long)s->addr, s->len, s->op, s->flags);
}

static void patch_all(void)
{
	const struct irqflags_site *s;
	uint8_t buf[IRQF_LEN_MAX];

	n_patched = 0;
	for (s = __start_irqflags_sites; s < __stop_irqflags_sites; s++) {
		enum irqflags_mode mode;
		enum irqflags_variant variant;
		int call_off;
		unsigned n;

		check_site(s);
		site_mode(s, &mode, &variant);
		n = irqflags_encode(buf, s->op, mode, variant, irqflags_cur_broken,
				    s->addr, &call_off);
		/* .text is writable in irqlab (one RWX segment, identity
		 * mapped). Nothing runs these bytes meanwhile: one CPU, IF
		 * clear, no NMI source started yet at boot. */
		memcpy((void *)(uintptr_t)s->addr, buf, n);
		n_patched++;
	}
	/*
	 * Self-modifying code: stores to code, then a serialising
	 * instruction before the new code runs (SDM vol. 3, 8.1.3, "Handling
	 * Self- and Cross-Modifying Code", option 2; the executing CPU of
	 * the cross-modifying algorithm does the same). Without it, code
	 * already fetched or decoded ahead - a site in the function that
	 * called us - could run in its old form. CPUID serialises on every
	 * x86-64 CPU.
	 */
	(void)cpuid(0);
}

static bool initialized;

bool irqflags_initialized(void)
{
	return initialized;
}

void irqflags_init(void)
{
	uint64_t rflags = read_rflags();
	struct irqflags_cpu *c;

	if (initialized)
		panic("irqflags_init called twice");
	irqflags_cur_mode = (enum irqflags_mode)opt_irqflags.u;
	irqflags_cur_variant = (enum irqflags_variant)opt_irqflags_patch.u;
	irqflags_cur_broken = (enum irqflags_broken)opt_irqflags_broken.u;
	irqflags_compute_disp();
	irqflags_cpu_check();
	c = irqflags_this_cpu();
	/* Until now every site ran its hard form, so the soft state must be
	 * untouched: a soft-disabled section cannot be open across the
	 * switch. Interrupts go off for the patching if a late caller had
	 * them on (kmain calls this before its first sti). */
	if (c->mask || c->pending)
		panic("irqflags_init: soft state in use before the sites were patched");
	irq_hard_disable();
	patch_all();
	initialized = true;
	if (rflags & X86_EFLAGS_IF)
		irq_hard_enable();
}

/* ---- the benchmark hook ------------------------------------------------- */

int irqflags_bench_site(unsigned op, struct irqflags_site_ref *out)
{
	static void *const fns[IRQF_NR_OPS] = {
		irqflags_bench_fn_disable, irqflags_bench_fn_enable,
		(void *)irqflags_bench_fn_save, (void *)irqflags_bench_fn_restore,
	};
	const struct irqflags_site *s;

	if (op >= IRQF_NR_OPS)
		return -1;
	for (s = __start_irqflags_sites; s < __stop_irqflags_sites; s++) {
		enum irqflags_mode mode;
		enum irqflags_variant variant;
		uint8_t buf[IRQF_LEN_MAX];

		if (s->group != IRQF_GROUP_BENCH || s->op != op)
			continue;
		site_mode(s, &mode, &variant);
		out->site = (const uint8_t *)(uintptr_t)s->addr;
		out->len = s->len;
		out->op = op;
		irqflags_encode(buf, op, mode, variant, irqflags_cur_broken, s->addr,
				&out->call_offset);
		out->fn = (void (*)(void))fns[op];
		return 0;
	}
	return -1;
}

size_t irqflags_site_copy(const struct irqflags_site_ref *ref, void *dst, size_t cap)
{
	uint8_t *d = dst;
	int32_t rel;
	int64_t target, nrel;

	if (cap < ref->len)
		return 0;
	memcpy(d, ref->site, ref->len);
	if (ref->call_offset < 0)
		return ref->len;
	memcpy(&rel, ref->site + ref->call_offset + 1, 4);
	target = (int64_t)(uintptr_t)(ref->site + ref->call_offset + 5) + rel;
	nrel = target - (int64_t)(uintptr_t)(d + ref->call_offset + 5);
	if (nrel != (int32_t)nrel)
		return 0;
	rel = (int32_t)nrel;
	memcpy(d + ref->call_offset + 1, &rel, 4);
	return ref->len;
}
