/*
 * bodies.c - what is measured (issue 3, section 2; BACKGROUND.md 1-2).
 *
 * Three groups:
 *  - sequences that are not one primitive: the pairs, the IF transitions a
 *    steady-state loop can only reach in pairs, Andi Kleen's popf-less
 *    restore (seed 000, 790-870), the residual and a calibration chain;
 *  - every primitive at every call site, alone (the redundant IF states:
 *    a loop of cli keeps IF at 0);
 *  - every critical section at every call site, bare and with seven live
 *    values (Linus, seed 000, 2396-2500: a call costs the registers it
 *    clobbers, not the call).
 *
 * An IF transition 0->1 cannot be repeated without a 1->0 in between, so
 * "sti-0to1" and "popf-0to1" are measured against a reference body "cli"
 * at IF 0: the figure is the sequence minus a redundant cli, i.e. it
 * includes what cli 1->0 costs beyond cli 0->0 (docs/measurement.md).
 */
#include "bench/bench.h"

#include <stdio.h>
#include <string.h>

#define CLI		RAW(0xfa)
#define STI		RAW(0xfb)
#define PUSHF		RAW(0x9c)
#define POPF		RAW(0x9d)
#define POP_RBX		RAW(0x5b)
#define PUSH_RBX	RAW(0x53)
#define BT9_RBX		RAW(0x48, 0x0f, 0xba, 0xe3, 0x09)	/* bt $9,%rbx */
#define JNC_OVER_1(tk)	JCC8(0x73, 1, tk)

struct static_body {
	const char *name, *if_case, *what;
	uint8_t setup_if, setup_rbx, ref_setup_if, base;
	unsigned flags;
	struct bench_ins body[BENCH_MAX_INS];
	struct bench_ins ref[4];
};

static const struct static_body statics[] = {
	{ "empty", "-", "no instruction: what the subtraction leaves",
	  IF_KEEP, RBX_NONE, IF_KEEP, BASE_DOUBLE, 0, { { INS_END } }, { { 0 } } },
	{ "calib-add", "-", "add $1,%rcx chain: one core cycle per copy",
	  IF_KEEP, RBX_NONE, IF_KEEP, BASE_DOUBLE, 0,
	  { RAW(0x48, 0x83, 0xc1, 0x01) }, { { 0 } } },
	{ "cli-sti", "1->0->1", "cli; sti: a real disable and enable",
	  IF_SET, RBX_NONE, IF_KEEP, BASE_DOUBLE, BENCH_F_RING0,
	  { CLI, STI }, { { 0 } } },
	{ "sti-0to1", "0->1", "cli; sti minus cli at IF 0",
	  IF_SET, RBX_NONE, IF_CLEAR, BASE_REF, BENCH_F_RING0,
	  { CLI, STI }, { CLI } },
	{ "push-popf-if0", "0 unchanged", "push %rbx; popf restoring IF 0 at IF 0",
	  IF_CLEAR, RBX_FLAGS_IF0, IF_KEEP, BASE_DOUBLE, BENCH_F_RING0,
	  { PUSH_RBX, POPF }, { { 0 } } },
	{ "popf-0to1", "0->1", "cli; push %rbx; popf (IF 1) minus cli at IF 0",
	  IF_SET, RBX_FLAGS_IF1, IF_CLEAR, BASE_REF, BENCH_F_RING0,
	  { CLI, PUSH_RBX, POPF }, { CLI } },
	{ "irqsave-stack", "1->0->1", "pushf; cli; popf",
	  IF_SET, RBX_NONE, IF_KEEP, BASE_DOUBLE, BENCH_F_RING0,
	  { PUSHF, CLI, POPF }, { { 0 } } },
	{ "irqsave-reg", "1->0->1", "pushf; pop %rbx; cli; push %rbx; popf",
	  IF_SET, RBX_NONE, IF_KEEP, BASE_DOUBLE, BENCH_F_RING0,
	  { PUSHF, POP_RBX, CLI, PUSH_RBX, POPF }, { { 0 } } },
	{ "andi-restore-sti", "0->1", "cli; bt $9,%rbx; jnc 1f; sti minus cli at IF 0",
	  IF_SET, RBX_FLAGS_IF1, IF_CLEAR, BASE_REF, BENCH_F_RING0,
	  { CLI, BT9_RBX, JNC_OVER_1(false), STI }, { CLI } },
	{ "andi-restore-nosti", "0 unchanged", "bt $9,%rbx; jnc 1f (taken); sti",
	  IF_CLEAR, RBX_FLAGS_IF0, IF_KEEP, BASE_DOUBLE, BENCH_F_RING0,
	  { BT9_RBX, JNC_OVER_1(true), STI }, { { 0 } } },
	{ "irqsave-andi", "1->0->1", "pushf; pop %rbx; cli; bt $9,%rbx; jnc 1f; sti",
	  IF_SET, RBX_NONE, IF_KEEP, BASE_DOUBLE, BENCH_F_RING0,
	  { PUSHF, POP_RBX, CLI, BT9_RBX, JNC_OVER_1(false), STI }, { { 0 } } },
	/* Negative control of the exactness test: two nops declared as one
	 * instruction. bench=exact must fail it when it is named. */
	{ "negctl-miscount", "-", "nop; nop declared as 1 instruction",
	  IF_KEEP, RBX_NONE, IF_KEEP, BASE_DOUBLE, BENCH_F_NEGCTL,
	  { RAWN(1, 0x90, 0x90) }, { { 0 } } },
};

/* Primitives alone: IF state as a repeated primitive leaves it. */
static const struct {
	const char *name, *if_case, *what;
	uint8_t prim, setup_if, setup_rbx;
	unsigned flags;
} ops[] = {
	{ "cli", "0->0", "cli with IF already 0", PRIM_HARD_DISABLE, IF_CLEAR,
	  RBX_NONE, BENCH_F_RING0 },
	{ "sti", "1->1", "sti with IF already 1 (Matt Mackall's question)",
	  PRIM_HARD_ENABLE, IF_SET, RBX_NONE, BENCH_F_RING0 },
	{ "pushf-pop", "1", "save flags", PRIM_HARD_SAVE, IF_KEEP, RBX_NONE, 0 },
	{ "push-popf", "1 unchanged", "restore flags with IF 1 at IF 1",
	  PRIM_HARD_RESTORE, IF_KEEP, RBX_FLAGS_IF1, 0 },
	{ "soft-disable", "soft 1->1", "store 1 to the per-CPU mask",
	  PRIM_SOFT_DISABLE, IF_KEEP, RBX_NONE, 0 },
	{ "soft-enable", "soft 0->0", "store 0; barrier; load pending; branch",
	  PRIM_SOFT_ENABLE, IF_KEEP, RBX_NONE, 0 },
	{ "soft-enable-xchg", "soft 0->0", "store 0; xchg pending (LOCK)",
	  PRIM_SOFT_ENABLE_XCHG, IF_KEEP, RBX_NONE, 0 },
	{ "soft-save", "soft 1->1", "load mask; store 1",
	  PRIM_SOFT_SAVE, IF_KEEP, RBX_NONE, 0 },
	{ "soft-restore", "soft 0->0", "store saved 0; load pending; branch",
	  PRIM_SOFT_RESTORE, IF_KEEP, RBX_ZERO, 0 },
	/* The image's own API, as patched at boot (hard or soft mode). */
	{ "irq_disable", "off->off", "the kernel's irq_disable()",
	  PRIM_KERNEL_DISABLE, IF_SET, RBX_NONE, BENCH_F_RING0 },
	{ "irq_enable", "on->on", "the kernel's irq_enable()",
	  PRIM_KERNEL_ENABLE, IF_SET, RBX_NONE, BENCH_F_RING0 },
	{ "irq_save", "on->off", "the kernel's irq_save() (saves, disables)",
	  PRIM_KERNEL_SAVE, IF_SET, RBX_NONE, BENCH_F_RING0 },
	{ "irq_restore", "on unchanged", "the kernel's irq_restore() of 'on'",
	  PRIM_KERNEL_RESTORE, IF_SET, RBX_FLAGS_IF1, BENCH_F_RING0 },
};

/* Critical sections: the primitives in the order a kernel uses them. */
static const struct {
	const char *name, *if_case, *what;
	uint8_t prims[4];	/* before the work, then after; 0xff ends */
	uint8_t n_before;
	uint8_t setup_if;
	unsigned flags;
} sections[] = {
	{ "cs-hard-pair", "1->0->1", "local_irq_disable ... enable",
	  { PRIM_HARD_DISABLE, PRIM_HARD_ENABLE, 0xff }, 1, IF_SET, BENCH_F_RING0 },
	{ "cs-hard-irqsave", "1->0->1", "irqsave (save; disable) ... irqrestore",
	  { PRIM_HARD_SAVE, PRIM_HARD_DISABLE, PRIM_HARD_RESTORE, 0xff }, 2,
	  IF_SET, BENCH_F_RING0 },
	{ "cs-soft-pair", "soft 0->1->0", "soft disable ... enable",
	  { PRIM_SOFT_DISABLE, PRIM_SOFT_ENABLE, 0xff }, 1, IF_KEEP, 0 },
	{ "cs-soft-pair-xchg", "soft 0->1->0", "soft disable ... enable with xchg",
	  { PRIM_SOFT_DISABLE, PRIM_SOFT_ENABLE_XCHG, 0xff }, 1, IF_KEEP, 0 },
	{ "cs-soft-irqsave", "soft 0->1->0", "soft save ... restore",
	  { PRIM_SOFT_SAVE, PRIM_SOFT_RESTORE, 0xff }, 1, IF_KEEP, 0 },
	{ "cs-kernel-pair", "on->off->on", "irq_disable ... irq_enable",
	  { PRIM_KERNEL_DISABLE, PRIM_KERNEL_ENABLE, 0xff }, 1, IF_SET, BENCH_F_RING0 },
	{ "cs-kernel-irqsave", "on->off->on", "irq_save ... irq_restore",
	  { PRIM_KERNEL_SAVE, PRIM_KERNEL_RESTORE, 0xff }, 1, IF_SET, BENCH_F_RING0 },
};

static const char *const site_names[SITE_COUNT] = {
	"inline", "call", "thunk", "icall", "patched",
};

static void variant_name(char *buf, size_t len, unsigned site, bool live)
{
	const char *mode = site == SITE_PATCHED ? bench_patched_mode() : NULL;

	snprintf(buf, len, "%s%s%s%s", site_names[site], mode ? "-" : "",
		 mode ? mode : "", live ? "/live7" : "");
}

static struct bench_desc *next(struct bench_desc *out, size_t max, size_t *n)
{
	struct bench_desc *d;

	if (*n >= max)
		return NULL;
	d = &out[(*n)++];
	memset(d, 0, sizeof(*d));
	return d;
}

/* Hard and soft primitives exist at every site but the patched one; the
 * kernel's only there, and only when the patcher provides the site. */
static bool site_available(unsigned site, const uint8_t *prims, size_t n)
{
	int insns;

	for (size_t i = 0; i < n && prims[i] != 0xff; i++) {
		bool kernel = prims[i] >= PRIM_FIRST_KERNEL;

		if (kernel != (site == SITE_PATCHED))
			return false;
		if (kernel && bench_patched_site((enum bench_prim)prims[i], NULL, 0,
						 &insns) < 0)
			return false;
	}
	return true;
}

size_t bench_list(struct bench_desc *out, size_t max)
{
	struct bench_desc *d;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(statics) / sizeof(statics[0]); i++) {
		const struct static_body *s = &statics[i];

		if (!(d = next(out, max, &n)))
			return n;
		snprintf(d->name, sizeof(d->name), "%s", s->name);
		snprintf(d->variant, sizeof(d->variant), "inline");
		d->if_case = s->if_case;
		d->what = s->what;
		d->site = SITE_INLINE;
		d->setup_if = s->setup_if;
		d->setup_rbx = s->setup_rbx;
		d->ref_setup_if = s->ref_setup_if;
		d->base = s->base;
		d->flags = s->flags;
		memcpy(d->body, s->body, sizeof(s->body));
		memcpy(d->ref, s->ref, sizeof(s->ref));
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (unsigned site = 0; site < SITE_COUNT; site++) {
			if (!site_available(site, &ops[i].prim, 1))
				continue;
			if (!(d = next(out, max, &n)))
				return n;
			snprintf(d->name, sizeof(d->name), "%s", ops[i].name);
			variant_name(d->variant, sizeof(d->variant), site, false);
			d->if_case = ops[i].if_case;
			d->what = ops[i].what;
			d->site = (uint8_t)site;
			d->setup_if = ops[i].setup_if;
			d->setup_rbx = ops[i].setup_rbx;
			d->base = BASE_DOUBLE;
			d->flags = ops[i].flags;
			d->body[0] = (struct bench_ins)PRIM(ops[i].prim);
		}
	}
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		for (unsigned site = 0; site < SITE_COUNT; site++) {
			if (!site_available(site, sections[i].prims, 4))
				continue;
			for (int live = 0; live < 2; live++) {
				unsigned k = 0;

				if (!(d = next(out, max, &n)))
					return n;
				snprintf(d->name, sizeof(d->name), "%s", sections[i].name);
				variant_name(d->variant, sizeof(d->variant), site, live);
				d->if_case = sections[i].if_case;
				d->what = sections[i].what;
				d->site = (uint8_t)site;
				d->live = live;
				d->setup_if = sections[i].setup_if;
				d->base = BASE_DOUBLE;
				d->flags = sections[i].flags;
				for (unsigned j = 0; j < 4 && sections[i].prims[j] != 0xff; j++) {
					if (j == sections[i].n_before && live)
						d->body[k++] = (struct bench_ins)WORK;
					d->body[k++] = (struct bench_ins)PRIM(sections[i].prims[j]);
				}
			}
		}
	}
	return n;
}
