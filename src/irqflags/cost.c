/*
 * cost.c - what the soft flag's slow path costs at a given interrupt
 * rate: critical sections in a loop, bracketed by the TSC, with the APIC
 * timer interrupting at 0, 1k, 10k or 100k per second. Two copies of the
 * loop, one with sites pinned hard and one pinned soft, so both modes
 * are measured in the same image whatever irqflags= says.
 *
 * Each section keeps six values live in registers across the enable and
 * disable (Linus's point, seed 000 lines 2466-2474: what a call costs is
 * the registers it clobbers), and loops a few times inside, so that
 * under TCG, which takes interrupts only between translation blocks,
 * interrupts can arrive inside a section at all. The loop is a
 * system-level figure, not the harness of src/bench: it includes the
 * loop and the interrupts' handling, which is the point.
 *
 * The timer is one-shot, re-armed by the handler: the rate is 1 / (period
 * + handling latency), and the achieved rate is reported beside the one
 * asked for. (A periodic APIC timer at 100k/s livelocks QEMU's TCG: its
 * timer callback re-arms to the next period after the last expiry, which
 * is already past, and spins holding the big lock that the guest's EOI
 * needs.) Under TCG the cycle counts mean nothing.
 */
#include "irqflags/torture.h"
#include "irqflags/internal.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/tsc.h"
#include <string.h>

static volatile uint64_t cost_irqs, cost_sink;
static volatile bool cost_stopping;
static uint32_t cost_period;

static void on_cost_tick(struct trap_frame *f)
{
	(void)f;
	cost_irqs++;
	apic_eoi();
	if (!cost_stopping)
		apic_write(APIC_TMICT, cost_period);
}

/* Six values live across the section; a short loop inside it. */
#define BODY								\
	for (unsigned j = 0; j < 4; j++) {				\
		a += b; b ^= c; c += d; d ^= e; e += g; g ^= a;		\
		asm volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d),	\
			     "+r"(e), "+r"(g));				\
	}

#define SECTIONS(pin)							\
	for (uint64_t i = 0; i < n; i++) {				\
		irqf_disable_site(pin, IRQF_GROUP_COST);		\
		BODY							\
		irqf_enable_site(pin, IRQF_GROUP_COST);			\
	}

/*
 * Each section bracketed by the TSC and sorted by whether an interrupt
 * was handled inside the bracket (hard: held by cli, taken at sti;
 * soft: deferred and replayed by the enable). The difference of the two
 * means is the cost of one interrupt that meets a critical section,
 * without the run-to-run drift a difference of two runs would carry.
 */
struct timed {
	uint64_t hit_cycles, hit_n, clean_cycles, clean_n;
};

#define TIMED_SECTIONS(pin, counter)					\
	for (uint64_t i = 0; i < n; i++) {				\
		uint64_t seen = counter, t0 = rdtsc_ordered(), t1;	\
									\
		irqf_disable_site(pin, IRQF_GROUP_COST);		\
		BODY							\
		irqf_enable_site(pin, IRQF_GROUP_COST);			\
		t1 = rdtsc_ordered();					\
		if (counter != seen) {					\
			tm->hit_cycles += t1 - t0;			\
			tm->hit_n++;					\
		} else {						\
			tm->clean_cycles += t1 - t0;			\
			tm->clean_n++;					\
		}							\
	}

#define SEEDS	uint64_t b = a * 3, c = a * 5, d = a * 7, e = a * 11, g = a * 13
#define RESULT	a ^ b ^ c ^ d ^ e ^ g

static uint64_t sections_hard(uint64_t n, uint64_t a)
{
	SEEDS;
	SECTIONS(IRQF_FORCE_HARD)
	return RESULT;
}

static uint64_t sections_soft(uint64_t n, uint64_t a)
{
	SEEDS;
	SECTIONS(IRQF_FORCE_SOFT)
	return RESULT;
}

static uint64_t timed_hard(uint64_t n, uint64_t a, struct timed *tm)
{
	SEEDS;
	TIMED_SECTIONS(IRQF_FORCE_HARD, cost_irqs)
	return RESULT;
}

static uint64_t timed_soft(uint64_t n, uint64_t a, struct timed *tm,
			   volatile uint64_t *deferred)
{
	SEEDS;
	TIMED_SECTIONS(IRQF_FORCE_SOFT, *deferred)
	return RESULT;
}

#define CHUNK	1024

int irqflags_cost_measure(enum irqflags_mode mode, uint64_t rate_hz,
			  uint64_t duration_ms, struct irqflags_cost_point *p,
			  char *err, size_t errlen)
{
	struct irqflags_cpu *c = irqflags_this_cpu();
	uint64_t hz = apic_timer_hz(), deferred0 = c->stats.deferred, irqs_untimed;
	uint64_t x = 1, t0, t1, deadline, ns0;
	struct timed tm = { 0 };

	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->rate_hz = rate_hz;
	if (rate_hz && (!hz || hz / rate_hz == 0 || hz / rate_hz > UINT32_MAX)) {
		strncpy(err, "APIC timer uncalibrated or rate out of range", errlen - 1);
		return -1;
	}
	if (!(read_rflags() & X86_EFLAGS_IF) || c->mask || c->pending) {
		strncpy(err, "must start with interrupts enabled", errlen - 1);
		return -1;
	}
	irqflags_set_handler(IRQFLAGS_COST_VECTOR, on_cost_tick);
	cost_irqs = 0;
	cost_stopping = false;
	if (rate_hz) {
		cost_period = (uint32_t)(hz / rate_hz);
		apic_timer_oneshot(IRQFLAGS_COST_VECTOR, cost_period);
	}
	/* Half the time untimed (cycles per section), half timed per
	 * section (cycles per interrupt). */
	ns0 = time_ns();
	t0 = rdtsc_ordered();
	deadline = t0 + ns_to_tsc(duration_ms * 1000000ull / 2);
	do {
		x = mode == IRQFLAGS_SOFT ? sections_soft(CHUNK, x) : sections_hard(CHUNK, x);
		p->sections += CHUNK;
		t1 = rdtsc_ordered();
	} while (t1 < deadline);
	p->cycles = t1 - t0;
	irqs_untimed = cost_irqs;
	p->elapsed_ns = time_ns() - ns0;
	deadline = t1 + ns_to_tsc(duration_ms * 1000000ull / 2);
	do {
		x = mode == IRQFLAGS_SOFT ? timed_soft(CHUNK, x, &tm, &c->stats.deferred) :
					    timed_hard(CHUNK, x, &tm);
	} while (rdtsc_ordered() < deadline);
	cost_stopping = true;
	udelay(1000 + (rate_hz ? 2000000 / rate_hz : 0));	/* the last shot */
	apic_timer_stop();
	p->irqs = irqs_untimed;
	p->deferred = c->stats.deferred - deferred0;
	p->hit_sections = tm.hit_n;
	p->hit_cycles = tm.hit_n ? tm.hit_cycles / tm.hit_n : 0;
	p->clean_cycles = tm.clean_n ? tm.clean_cycles / tm.clean_n : 0;
	irqflags_set_handler(IRQFLAGS_COST_VECTOR, NULL);
	cost_sink = x;
	return 0;
}
