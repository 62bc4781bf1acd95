/*
 * torture.c - the soft-flag torture run: critical sections in a loop
 * while the APIC timer interrupts as fast as it can, with the checks
 * done where the events happen.
 *
 * Counting at the source. The timer runs one-shot and the handler
 * re-arms it, so exactly one shot is outstanding at any time and every
 * arm is one interrupt raised (a periodic timer cannot be counted this
 * way: the APIC's IRR holds one request per vector, so periods that
 * elapse while the vector is held collapse into one, and "raised" would
 * be a guess). At the end the handler stops re-arming and the last shot
 * is waited for, so raised = armed, exactly. The handler also checks
 * that its shot really expired (current count 0): a handler run with no
 * expired shot behind it, or whose vector is not in service at the APIC
 * - a duplicate replay - is counted as unmatched.
 *
 * Checks: (a) the handler never starts with the soft mask set; (b) every
 * raised interrupt handled exactly once: handled == armed, none
 * unmatched; (c) RFLAGS.IF is set right after every enable.
 *
 * Under TCG an interrupt is only taken between translation blocks, so
 * the few instructions of an enable sequence run as one block and no
 * interrupt ever lands inside it; QEMU's -singlestep makes every
 * instruction a block. The coverage counters say where interrupts
 * landed, so a run can prove it reached the race window.
 */
#include "irqflags/torture.h"
#include "irqflags/internal.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/tsc.h"
#include <string.h>

#define MAX_COVER_SITES	16

struct cover_site {
	uint64_t addr;
	unsigned len, op;
};

static struct {
	volatile uint64_t armed, handled, handled_replayed, unmatched, masked_starts;
	volatile uint64_t progress;	/* rounds of the loop */
	volatile bool stopping;
	uint32_t period, period_max;
	uint64_t last_progress, window_irqs, window_chained, stretched;
	struct cover_site sites[MAX_COVER_SITES];
	unsigned n_sites;
	struct irqflags_torture_cover cover;
} ts;

static volatile uint64_t torture_sink;

/*
 * Offsets inside the soft sequences (patch.c): enable = mask store at 0,
 * pending load at 9 (swapped by check-before-store); restore = test at
 * 0, mask store (setz) at 3, jz at 12, pending load at 14. "Window" is
 * after the instruction that touches the mask and before the other one.
 */
static void cover(const struct trap_frame *f, bool deferred)
{
	struct irqflags_torture_cover *c = &ts.cover;

	for (unsigned i = 0; i < ts.n_sites; i++) {
		const struct cover_site *s = &ts.sites[i];
		uint64_t off = f->rip - s->addr;

		if (f->rip < s->addr || off >= s->len)
			continue;
		if (s->op == IRQF_OP_ENABLE) {
			if (off == 0)
				c->at_start++;
			else if (off == 9) {
				c->enable_window++;
				c->enable_window_deferred += deferred;
			} else
				c->elsewhere++;
		} else if (!(f->rax & X86_EFLAGS_IF)) {
			c->elsewhere++;		/* a restore that keeps disabled */
		} else if (off == 0 || off == 3) {
			c->at_start++;
		} else if (off == 12 || off == 14) {
			c->restore_window++;
			c->restore_window_deferred += deferred;
		} else {
			c->elsewhere++;
		}
		return;
	}
	if (deferred)
		c->in_section++;
	else
		c->outside++;
}

/*
 * Under TCG a handler can take longer, in host time, than a short
 * period: the next shot then expires before iretq and is taken at the
 * very instruction the last one returned to, again and again, and the
 * loop stops running. When more than a quarter of a window of
 * interrupts arrive with no loop progress in between, stretch the
 * period by a quarter (up to 16 times the one asked for). On hardware
 * the handler takes about a microsecond and this does not trigger at
 * the rates asked for.
 */
static void adapt_period(void)
{
	if (ts.progress == ts.last_progress)
		ts.window_chained++;
	ts.last_progress = ts.progress;
	if (++ts.window_irqs < 256)
		return;
	if (ts.window_chained > 64 && ts.period < ts.period_max) {
		ts.period += ts.period / 4;
		ts.stretched++;
	}
	ts.window_irqs = ts.window_chained = 0;
}

static void on_defer(const struct trap_frame *f)
{
	if (f->vector == IRQFLAGS_TORTURE_VECTOR)
		cover(f, true);
}

static bool vector_in_service(unsigned v)
{
	return (apic_read(APIC_ISR0 + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static void on_tick(struct trap_frame *f)
{
	if (irqflags_this_cpu()->mask)
		ts.masked_starts++;
	/*
	 * A genuine run has an expired shot behind it (one-shot: the current
	 * count reads 0 once it expired) and its vector in service at the
	 * APIC: accepted and not yet EOI'd, also when it was deferred and is
	 * now replayed (the entry leaves it in service). A second run for
	 * the same event finds the ISR bit already cleared by the first EOI.
	 */
	if (apic_read(APIC_TMCCT) != 0 || !vector_in_service(IRQFLAGS_TORTURE_VECTOR))
		ts.unmatched++;
	if (irqflags_frame_replayed(f)) {
		ts.handled_replayed++;
	} else {
		cover(f, false);
		adapt_period();
	}
	ts.handled++;
	apic_eoi();
	/* Re-arm last: the next shot's period starts as late as possible,
	 * so a handler slower than the period (TCG) still lets the loop
	 * run between interrupts. IF is clear until iretq either way. */
	if (!ts.stopping) {
		ts.armed++;
		apic_write(APIC_TMICT, ts.period);
	}
}

/* The enable/restore sequences the loop can be interrupted in. */
static void collect_sites(void)
{
	const struct irqflags_site *s;

	ts.n_sites = 0;
	for (s = __start_irqflags_sites; s < __stop_irqflags_sites; s++) {
		bool inline_torture = s->group == IRQF_GROUP_TORTURE &&
				      irqflags_cur_variant == IRQFLAGS_INLINE;
		bool soft_stub = s->group == IRQF_GROUP_STUB && (s->flags & IRQF_FORCE_SOFT);

		if ((s->op != IRQF_OP_ENABLE && s->op != IRQF_OP_RESTORE) ||
		    !(inline_torture || soft_stub) || ts.n_sites >= MAX_COVER_SITES)
			continue;
		ts.sites[ts.n_sites++] = (struct cover_site){ s->addr, s->len, s->op };
	}
}

/* Work inside a section: values that stay live in registers. */
static inline uint64_t work(uint64_t x, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		asm volatile("" : "+r"(x));
	}
	return x;
}

#define PIN	IRQF_FORCE_SOFT
#define GRP	IRQF_GROUP_TORTURE

/*
 * One round: a disable/enable section with a nested save/restore, then a
 * save/restore section. Sites pinned soft, inline or call as the image.
 */
static uint64_t round_once(uint64_t x, uint64_t *if_clear)
{
	unsigned long flags, inner;

	irqf_disable_site(PIN, GRP);
	x = work(x, 24);
	irqf_save_site(inner, PIN, GRP);
	x = work(x, 8);
	irqf_restore_site(inner, PIN, GRP);
	x = work(x, 8);
	irqf_enable_site(PIN, GRP);
	if (!(read_rflags() & X86_EFLAGS_IF))
		(*if_clear)++;

	irqf_save_site(flags, PIN, GRP);
	x = work(x, 24);
	irqf_restore_site(flags, PIN, GRP);
	if (!(read_rflags() & X86_EFLAGS_IF))
		(*if_clear)++;
	ts.progress++;
	return x;
}

static void stats_delta(struct irqflags_stats *d, const struct irqflags_stats *a,
			const struct irqflags_stats *b)
{
	d->deferred = b->deferred - a->deferred;
	d->replayed = b->replayed - a->replayed;
	d->replays = b->replays - a->replays;
	d->stacked = b->stacked - a->stacked;
	d->nmi_refused = b->nmi_refused - a->nmi_refused;
	d->dropped = b->dropped - a->dropped;
}

/*
 * The soft enable in its correct order (store the mask, then look at
 * pending), in C and independent of the patched sites, for the drain.
 * An interrupt deferred earlier left IF clear and pending set; it is
 * replayed here. One that arrives after the mask store runs at once.
 */
static void drain_enable(struct irqflags_cpu *c)
{
	*(volatile uint8_t *)&c->mask = 0;
	asm volatile("" : : : "memory");
	if (*(volatile uint8_t *)&c->pending) {
		irq_hard_disable();	/* replay runs hard-disabled */
		irqflags_replay((uint64_t)(uintptr_t)__builtin_return_address(0));
	}
	irq_hard_enable();	/* leave the CPU usable whatever broke */
}

int irqflags_torture_run(const struct irqflags_torture_cfg *cfg,
			 struct irqflags_torture_result *r, char *err, size_t errlen)
{
	struct irqflags_cpu *c = irqflags_this_cpu();
	struct irqflags_stats before = c->stats;
	uint64_t hz = apic_timer_hz(), x = 1, t0, end, last_deferred = 0, last_change;
	uint64_t if_clear = 0, sections = 0;

	memset(r, 0, sizeof(*r));
	if (!hz || !cfg->rate_hz || hz / cfg->rate_hz == 0 || hz / cfg->rate_hz > UINT32_MAX) {
		strncpy(err, "APIC timer uncalibrated or rate out of range", errlen - 1);
		return -1;
	}
	if (!(read_rflags() & X86_EFLAGS_IF) || c->mask || c->pending) {
		strncpy(err, "must start with interrupts enabled", errlen - 1);
		return -1;
	}
	memset(&ts, 0, sizeof(ts));
	ts.period = (uint32_t)(hz / cfg->rate_hz);
	ts.period_max = ts.period > UINT32_MAX / 16 ? UINT32_MAX : ts.period * 16;
	r->period_asked = ts.period;
	collect_sites();
	irqflags_defer_observer = on_defer;
	irqflags_set_handler(IRQFLAGS_TORTURE_VECTOR, on_tick);

	t0 = time_ns();
	end = t0 + cfg->timeout_ms * 1000000ull;
	last_change = t0;
	ts.armed = 1;
	apic_timer_oneshot(IRQFLAGS_TORTURE_VECTOR, ts.period);
	for (;;) {
		uint64_t now, deferred;

		for (unsigned i = 0; i < 64; i++)
			x = round_once(x, &if_clear);
		sections += 2 * 64;
		now = time_ns();
		deferred = c->stats.deferred - before.deferred;
		if (deferred != last_deferred) {
			last_deferred = deferred;
			last_change = now;
		}
		if (deferred >= cfg->min_deferred || now >= end)
			break;
		/* A failed check is final: stop early (negative controls). */
		if (if_clear || ts.masked_starts || ts.unmatched) {
			r->stopped_early = true;
			break;
		}
		/* Interrupts stopped being deferred: lost, or never masked. */
		if (now - last_change >= cfg->stall_ms * 1000000ull) {
			r->stalled = true;
			break;
		}
	}
	r->elapsed_ns = time_ns() - t0;
	/*
	 * Stop re-arming first: the last shot is at most one period away.
	 * Then drain with a correct enable written out here. The patched
	 * sites cannot do it: under irqflags_broken= every enable site is
	 * the broken one, and a shot that lands in a broken enable's window
	 * during the drain would be left deferred with IF clear again (CI
	 * saw exactly that: raised 2667, handled 2666).
	 */
	ts.stopping = true;
	end = time_ns() + 100000000ull;
	do {
		drain_enable(c);
		cpu_relax();
	} while (ts.handled < ts.armed && time_ns() < end);
	r->drained = ts.handled == ts.armed;
	apic_timer_stop();
	irqflags_set_handler(IRQFLAGS_TORTURE_VECTOR, NULL);
	irqflags_defer_observer = NULL;
	/* A dropped interrupt (no-replay) stays in service and would block
	 * its priority class for the rest of the run. */
	while (vector_in_service(IRQFLAGS_TORTURE_VECTOR) && r->leftover_isr < 16) {
		apic_eoi();
		r->leftover_isr++;
	}

	r->armed = ts.armed;
	r->handled = ts.handled;
	r->handled_replayed = ts.handled_replayed;
	r->unmatched = ts.unmatched;
	r->masked_starts = ts.masked_starts;
	r->if_clear = if_clear;
	r->sections = sections;
	torture_sink = x;
	r->period_counts = ts.period;
	r->period_stretches = ts.stretched;
	r->achieved_hz = r->elapsed_ns ? r->handled * 1000000000ull / r->elapsed_ns : 0;
	r->cover = ts.cover;
	stats_delta(&r->stats, &before, &c->stats);
	return 0;
}
