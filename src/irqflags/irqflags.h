/*
 * irqflags.h - the kernel's own interrupt flag, hard or soft, through
 * call sites patched at boot (docs/irqflags.md).
 *
 *	unsigned long flags = irq_save();
 *	... touch what an interrupt handler also touches ...
 *	irq_restore(flags);
 *
 * irqflags=hard: the sites hold cli, sti, pushf;pop;cli and push;popf.
 * irqflags=soft (Linus's design, seed 000 lines 184-262): disable is a
 * store of 1 to a per-CPU mask byte; enable stores 0, then loads the
 * per-CPU pending byte and calls the replay path only if it is set. An
 * interrupt that arrives while the mask is set is recorded as pending,
 * left in service at the local APIC (no EOI), and returns with IF clear
 * in its saved RFLAGS, so the CPU stays hard-disabled and the queue is
 * at most one deep (seed 000 lines 113-122); the enable then runs its
 * handler as if it had just arrived (the handler EOIs as usual) and
 * executes the real sti.
 *
 * Rules:
 *  - Drivers, the network path and interrupt handlers use these, not
 *    irq_hard_* from arch/cpu.h. irq_hard_* stays where the hardware
 *    state itself matters (panic, exit, TSC calibration, tests of the
 *    APIC's IRR), and must be balanced (restore what it found): a bare
 *    sti inside a soft-disabled section that has a deferred interrupt
 *    would let a second interrupt be deferred behind it.
 *  - NMI handlers (and anything only they call) must not call
 *    irq_enable(): an NMI can interrupt a soft-disabled section, and
 *    enabling there would let handlers run inside it. A balanced
 *    irq_save/irq_restore in NMI context is harmless: the replay path
 *    refuses to run on the NMI stack and leaves the pending interrupt to
 *    the enable that the NMI interrupted. Code reachable from NMIs
 *    should still prefer the hard flag (apic_send_ipi does).
 *  - Interrupt handlers for vectors >= 32 are installed with
 *    irqflags_set_handler(), or trap_dispatch() calls
 *    irqflags_irq_entry() for every vector (docs/irqflags.md says which
 *    the image has); a replayed handler sees a frame whose error_code is
 *    IRQFLAGS_REPLAYED and whose RIP is the enable that replayed it.
 */
#ifndef IRQLAB_IRQFLAGS_IRQFLAGS_H
#define IRQLAB_IRQFLAGS_IRQFLAGS_H

#include "irqflags/site.h"
#include "arch/traps.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- The API (each call is one patched site) ---------------------- */

static inline void irq_disable(void)
{
	irqf_disable_site(0, IRQF_GROUP_KERNEL);
}

static inline void irq_enable(void)
{
	irqf_enable_site(0, IRQF_GROUP_KERNEL);
}

/* Disable and return the previous state. In both modes the result has
 * X86_EFLAGS_IF (bit 9) set iff interrupts were enabled; pass it back to
 * irq_restore() unchanged (in hard mode it is the whole RFLAGS). */
static inline unsigned long irq_save(void)
{
	unsigned long flags;

	irqf_save_site(flags, 0, IRQF_GROUP_KERNEL);
	return flags;
}

static inline void irq_restore(unsigned long flags)
{
	irqf_restore_site(flags, 0, IRQF_GROUP_KERNEL);
}

static inline bool irq_flags_enabled(unsigned long flags)
{
	return (flags >> 9) & 1;
}

/* True if the kernel's flag says disabled: the soft mask in soft mode,
 * or RFLAGS.IF clear (a hard-disabled section, an interrupt handler). */
bool irqs_disabled(void);

/* ---- Mode and boot -------------------------------------------------- */

enum irqflags_mode { IRQFLAGS_HARD, IRQFLAGS_SOFT };
enum irqflags_variant { IRQFLAGS_INLINE, IRQFLAGS_CALL };
/* Negative controls (irqflags_broken=): the soft enable path loads
 * pending before it clears the mask; the enable path drops the pending
 * interrupt instead of replaying it; the interrupt entry ignores the
 * soft mask; the replay runs the handler twice. Each must fail the
 * torture test, on its own check. */
enum irqflags_broken {
	IRQFLAGS_OK,
	IRQFLAGS_BROKEN_CHECK_BEFORE_STORE,
	IRQFLAGS_BROKEN_NO_REPLAY,
	IRQFLAGS_BROKEN_NO_ENTRY_CHECK,
	IRQFLAGS_BROKEN_DOUBLE_REPLAY,
};

/*
 * Patch every site for the mode of the command line (irqflags=,
 * irqflags_patch=, irqflags_broken=). kmain calls it once, after
 * config_parse() and before interrupts are first enabled; until then the
 * sites hold the hard sequences they were assembled with. May also be
 * called later with no irq_* section open (it patches with IF clear).
 * Panics on a malformed site record (a build bug, never input).
 */
void irqflags_init(void);
bool irqflags_initialized(void);
enum irqflags_mode irqflags_mode(void);
enum irqflags_variant irqflags_variant(void);
enum irqflags_broken irqflags_broken(void);
const char *irqflags_mode_name(enum irqflags_mode m);	/* "hard", "soft" */
unsigned irqflags_sites_patched(void);

/* ---- Per-CPU soft state --------------------------------------------- */

struct irqflags_stats {
	uint64_t deferred;	/* interrupts that found the mask set */
	uint64_t replayed;	/* handlers run by an enable */
	uint64_t replays;	/* enables that found pending set */
	uint64_t stacked;	/* deferred while another was pending (a bug:
				 * someone did a hard sti in a soft section) */
	uint64_t nmi_refused;	/* replay asked for on the NMI stack */
	uint64_t dropped;	/* irqflags_broken=no-replay only */
};

struct irqflags_cpu {
	uint8_t mask;		/* 1: soft-disabled */
	uint8_t pending;	/* 1: deferred interrupt(s); IF is clear */
	uint8_t reserved[6];
	uint64_t pending_vec[4];	/* which vectors, bit per vector */
	struct irqflags_stats stats;
};

struct irqflags_cpu *irqflags_this_cpu(void);

/* For secondary CPUs (a later SMP issue): checks that this CPU's GS base
 * reaches its own soft state at the displacement patched into the
 * sites; panics otherwise. The boot CPU is checked by irqflags_init. */
void irqflags_cpu_check(void);

/* ---- Interrupt entry ---------------------------------------------- */

#define IRQFLAGS_REPLAYED	0x5245504c4159ull	/* "REPLAY" */

static inline bool irqflags_frame_replayed(const struct trap_frame *f)
{
	return f->error_code == IRQFLAGS_REPLAYED;
}

/*
 * The soft-mask check for an interrupt (vector >= 32, not the spurious
 * vector; anything else returns false). If the mask is set: records the
 * vector as pending, clears IF in f->rflags, leaves the interrupt in
 * service at the APIC (no EOI) and returns true - the caller returns
 * from the interrupt without running the handler. Interrupt context.
 */
bool irqflags_irq_entry(struct trap_frame *f);

/* Install a handler for an external interrupt vector behind the soft-mask
 * check (trap_set_handler with a wrapper). NULL removes it. */
void irqflags_set_handler(unsigned vector, trap_handler_t h);

/* Called with each deferred frame (tests watch where interrupts land);
 * NULL to stop. Interrupt context, general registers only. */
extern void (*irqflags_defer_observer)(const struct trap_frame *f);

/* ---- Patched sites for the benchmark table ----------------------------
 *
 * One dedicated patched site per primitive, inside a C-callable function
 * that is the site followed by ret (restore first moves its argument to
 * %rax). The site holds exactly what every irq_* site of the image holds
 * after boot: same mode, same inline/call variant.
 *
 *	struct irqflags_site_ref r;
 *	irqflags_bench_site(IRQF_OP_RESTORE, &r);
 *	r.fn_restore(flags);		// call it, or
 *	irqflags_site_copy(&r, body, cap);	// emit it into a body
 *
 * Register contract of the site bytes: flags in %rax for restore, out in
 * %rax for save; only the condition codes and (save) %rax change; the
 * site may push (call, pushf). In soft mode enable/restore sites contain
 * a `call rel32` to the replay thunk, and in the call variant every site
 * is a `call rel32`: irqflags_site_copy() re-encodes those for the copy's
 * address, so copy, never memcpy.
 */
struct irqflags_site_ref {
	const uint8_t *site;	/* first byte of the patched site */
	unsigned len;		/* IRQF_LEN_<op> */
	unsigned op;		/* IRQF_OP_* */
	int call_offset;	/* offset of a call rel32 in the site, or -1 */
	union {
		void (*fn)(void);			/* disable, enable */
		unsigned long (*fn_save)(void);
		void (*fn_restore)(unsigned long flags);
	};
};

/* 0, or -1 if op is not an IRQF_OP_*. */
int irqflags_bench_site(unsigned op, struct irqflags_site_ref *out);
/* Copy the site to dst (which will run at dst), re-encoding a relative
 * call; returns the length, or 0 if cap is too small or the call target
 * is out of rel32 range from dst. */
size_t irqflags_site_copy(const struct irqflags_site_ref *ref, void *dst, size_t cap);

#endif
