/*
 * soft.c - the soft interrupt flag's slow paths: per-CPU state, the
 * interrupt-entry check that defers, and the replay that an enable runs.
 *
 * The fast paths are the patched sites (patch.c). The race they close,
 * for the enable sequence
 *
 *	movb $0, %gs:mask	(A)
 *	cmpb $0, %gs:pending	(B)
 *	je 1f
 *	call irqflags_replay_thunk
 *   1:
 *
 *  - interrupt before A: mask is 1, so the entry defers it: pending = 1,
 *    IF cleared in the saved frame; B then sees pending and replays.
 *  - interrupt between A and B (or later): mask is 0, the handler runs
 *    at once; pending stays 0 (it can only be set by an interrupt, and
 *    one that ran normally does not set it).
 * So B can never miss a pending interrupt. Everything is on one CPU: an
 * interrupt is taken at an instruction boundary and its handler sees the
 * CPU's own earlier stores in program order, so no fence, xchg or LOCK
 * is needed (Matt Mackall, seed 000 lines 407-427; Zach on xchg's
 * implied LOCK, 696-697). Only the compiler must not move A after B or
 * either out of the section: the site is one asm block with a "memory"
 * clobber. The broken variant irqflags_broken=check-before-store swaps
 * A and B, and an interrupt between them is then deferred with nobody
 * left to replay it: IF stays clear after the enable.
 */
#include "irqflags/irqflags.h"
#include "irqflags/internal.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/percpu.h"
#include "config.h"
#include "lib/panic.h"

static const char *const mode_choices[] = { "hard", "soft", NULL };
static const char *const patch_choices[] = { "inline", "call", NULL };
static const char *const broken_choices[] = {
	"none", "check-before-store", "no-replay", "no-entry-check", "double-replay", NULL
};

CONFIG_OPTION(opt_irqflags, "irqflags", OPT_ENUM, mode_choices, 0, 0, "hard",
	      "the kernel's interrupt flag: hard = cli/sti/pushf/popf, "
	      "soft = per-CPU mask byte with deferred interrupts");
CONFIG_OPTION(opt_irqflags_patch, "irqflags_patch", OPT_ENUM, patch_choices,
	      0, 0, "inline",
	      "what the irq_* sites hold: the sequence inline, or a call");
CONFIG_OPTION(opt_irqflags_broken, "irqflags_broken", OPT_ENUM, broken_choices,
	      0, 0, "none",
	      "negative control: break the soft flag on purpose (tests must fail)");

enum irqflags_mode irqflags_cur_mode;
enum irqflags_variant irqflags_cur_variant;
enum irqflags_broken irqflags_cur_broken;

enum irqflags_mode irqflags_mode(void) { return irqflags_cur_mode; }
enum irqflags_variant irqflags_variant(void) { return irqflags_cur_variant; }
enum irqflags_broken irqflags_broken(void) { return irqflags_cur_broken; }

const char *irqflags_mode_name(enum irqflags_mode m)
{
	return m == IRQFLAGS_SOFT ? "soft" : "hard";
}

/*
 * The soft state of CPU i lives in slots[i], laid out with the stride of
 * struct percpu (whose array GS bases point into), so that
 * slot - this_cpu() is one displacement for every CPU and a site can
 * address its own CPU's byte as %gs:disp32 with no register. This keeps
 * the state in this directory; moving the two bytes into struct percpu
 * would work the same (docs/irqflags.md).
 */
union irqflags_slot {
	struct irqflags_cpu c;
	char stride[sizeof(struct percpu)];
};
_Static_assert(sizeof(union irqflags_slot) == sizeof(struct percpu),
	       "soft state slots must have the stride of struct percpu");

static union irqflags_slot slots[MAX_CPUS] __attribute__((aligned(64)));

struct irqflags_cpu *irqflags_this_cpu(void)
{
	return &slots[this_cpu()->cpu_index].c;
}

int32_t irqflags_mask_disp, irqflags_pending_disp;

void irqflags_compute_disp(void)
{
	intptr_t base = (intptr_t)this_cpu();
	struct irqflags_cpu *c = irqflags_this_cpu();
	intptr_t m = (intptr_t)&c->mask - base, p = (intptr_t)&c->pending - base;

	/* %gs:disp32 sign-extends the displacement. */
	if (m != (int32_t)m || p != (int32_t)p)
		panic("irqflags: soft state %p too far from GS base %p",
		      (void *)c, (void *)base);
	irqflags_mask_disp = (int32_t)m;
	irqflags_pending_disp = (int32_t)p;
}

void irqflags_cpu_check(void)
{
	intptr_t want = (intptr_t)&irqflags_this_cpu()->mask;

	if ((intptr_t)this_cpu() + irqflags_mask_disp != want)
		panic("irqflags: CPU %u: GS base + %d is not its soft state",
		      this_cpu()->cpu_index, irqflags_mask_disp);
}

bool irqs_disabled(void)
{
	if (!(read_rflags() & X86_EFLAGS_IF))
		return true;
	return irqflags_this_cpu()->mask != 0;
}

/* ---- interrupt entry ---------------------------------------------- */

void (*irqflags_defer_observer)(const struct trap_frame *f);

bool irqflags_irq_entry(struct trap_frame *f)
{
	struct irqflags_cpu *c = irqflags_this_cpu();
	unsigned v = (unsigned)f->vector;

	if (v < VEC_FIRST_IRQ || v == VEC_SPURIOUS || !c->mask)
		return false;
	if (irqflags_cur_broken == IRQFLAGS_BROKEN_NO_ENTRY_CHECK)
		return false;
	/*
	 * The interrupt is accepted: its ISR bit is set at the local APIC,
	 * and it stays set - no EOI here. In-service blocks this and every
	 * lower priority class, IF=0 (below) blocks everything maskable, so
	 * nothing else can be accepted before the replay. For a
	 * level-triggered source the I/O APIC's remote IRR also stays set
	 * until the EOI, so the still-asserted line is not re-sent (seed 000
	 * lines 113-122). The replayed handler services the device and EOIs
	 * exactly as it would have on arrival. An EOI now would instead let
	 * a still-asserted level source interrupt again at once and make
	 * the handler's later EOI retire some other in-service vector.
	 */
	if (c->pending)
		c->stats.stacked++;
	c->pending_vec[v >> 6] |= 1ull << (v & 63);
	c->pending = 1;
	c->stats.deferred++;
	/* Return hard-disabled: iretq restores IF from here. */
	f->rflags &= ~X86_EFLAGS_IF;
	if (irqflags_defer_observer)
		irqflags_defer_observer(f);
	return true;
}

static trap_handler_t wrapped[256];

static void irqflags_wrapper(struct trap_frame *f)
{
	if (irqflags_irq_entry(f))
		return;
	wrapped[f->vector & 0xff](f);
}

void irqflags_set_handler(unsigned vector, trap_handler_t h)
{
	vector &= 0xff;
	if (!h) {
		trap_set_handler(vector, NULL);
		wrapped[vector] = NULL;
		return;
	}
	wrapped[vector] = h;
	trap_set_handler(vector, irqflags_wrapper);
}

/* ---- replay --------------------------------------------------------- */

static bool on_nmi_stack(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	return sp >= ist_stack_base(IST_NMI) && sp < ist_stack_top(IST_NMI);
}

static uint16_t read_ss(void)
{
	uint16_t ss;

	asm volatile("mov %%ss, %0" : "=r"(ss));
	return ss;
}

static void replay_one(unsigned v, uint64_t rip)
{
	struct trap_frame fr = { 0 };

	/* As the CPU would have pushed it had the interrupt arrived at the
	 * enable: RIP is where the enable returns to, RFLAGS has IF set.
	 * IF is really still clear: handlers run hard-disabled, as always. */
	fr.vector = v;
	fr.error_code = IRQFLAGS_REPLAYED;
	fr.rip = rip;
	fr.cs = KERNEL_CS;
	fr.rflags = read_rflags() | X86_EFLAGS_IF;
	fr.rsp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	fr.ss = read_ss();
	trap_dispatch(&fr);
}

/*
 * Called by irqflags_replay_thunk from an enable or restore site that
 * found pending set; mask is already 0 and IF is 0 (the deferral cleared
 * it). Returns whether the thunk should execute the real sti.
 */
bool irqflags_replay(uint64_t rip)
{
	struct irqflags_cpu *c = irqflags_this_cpu();
	uint64_t vec[4];

	/*
	 * On the NMI stack: an NMI's balanced save/restore interrupted an
	 * enable between its store and its load (the only place where
	 * mask = 0 and pending = 1 meet). Leave everything as found: after
	 * iretq the interrupted enable loads pending and replays, in the
	 * right context. No sti: IF must stay clear inside an NMI handler.
	 */
	if (on_nmi_stack()) {
		c->stats.nmi_refused++;
		return false;
	}
	c->stats.replays++;
	/* Take the set and clear pending before any handler runs, so an
	 * irq_restore inside a handler finds nothing to replay again. */
	for (unsigned i = 0; i < 4; i++) {
		vec[i] = c->pending_vec[i];
		c->pending_vec[i] = 0;
	}
	c->pending = 0;
	if (irqflags_cur_broken == IRQFLAGS_BROKEN_NO_REPLAY) {
		c->stats.dropped++;
		return true;
	}
	/* Highest vector first: the order the APIC would deliver them, and
	 * the order of their EOIs (each retires the highest ISR bit). */
	for (int i = 3; i >= 0; i--) {
		while (vec[i]) {
			unsigned bit = 63 - (unsigned)__builtin_clzll(vec[i]);

			vec[i] &= ~(1ull << bit);
			replay_one((unsigned)i * 64 + bit, rip);
			c->stats.replayed++;
			if (irqflags_cur_broken == IRQFLAGS_BROKEN_DOUBLE_REPLAY)
				replay_one((unsigned)i * 64 + bit, rip);
		}
	}
	return true;
}

/*
 * The replay thunk, called from a site with every register live (the
 * site's contract: only the flags change). Saves the caller-saved
 * registers, aligns the stack for C, replays, and executes the real sti.
 *
 *	 8(%rbp)  return address: the end of the site
 *	 0(%rbp)  caller's %rbp (a frame, so stack traces pass through)
 *	-72(%rbp) ... -8(%rbp): rax rcx rdx rsi rdi r8 r9 r10 r11
 *
 * `sti; ret`: sti holds interrupts off for one more instruction (SDM
 * vol. 2, STI), so an interrupt already waiting in IRR is taken after
 * the ret, at the end of the site - as if it had come right after the
 * enable (Zach, seed 000 lines 838-840, on the holdoff that puts on ret).
 */
asm(	".text\n"
	".globl irqflags_replay_thunk\n"
	".type irqflags_replay_thunk, @function\n"
	"irqflags_replay_thunk:\n\t"
	"pushq %rbp\n\t"
	"movq %rsp, %rbp\n\t"
	"pushq %rax\n\t"
	"pushq %rcx\n\t"
	"pushq %rdx\n\t"
	"pushq %rsi\n\t"
	"pushq %rdi\n\t"
	"pushq %r8\n\t"
	"pushq %r9\n\t"
	"pushq %r10\n\t"
	"pushq %r11\n\t"
	"andq $-16, %rsp\n\t"
	"movq 8(%rbp), %rdi\n\t"
	"call irqflags_replay\n\t"
	/* Neither lea nor pop changes the flags this test sets. */
	"testb %al, %al\n\t"
	"leaq -72(%rbp), %rsp\n\t"
	"popq %r11\n\t"
	"popq %r10\n\t"
	"popq %r9\n\t"
	"popq %r8\n\t"
	"popq %rdi\n\t"
	"popq %rsi\n\t"
	"popq %rdx\n\t"
	"popq %rcx\n\t"
	"popq %rax\n\t"
	"popq %rbp\n\t"
	"jz 1f\n\t"
	"sti\n"
	"1:\tret\n\t"
	".size irqflags_replay_thunk, . - irqflags_replay_thunk\n");
