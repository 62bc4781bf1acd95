/*
 * torture.h - the soft-flag torture run and the slow-path cost loops
 * (src/tests/t_irqflags.c reports on them; docs/irqflags.md).
 */
#ifndef IRQLAB_IRQFLAGS_TORTURE_H
#define IRQLAB_IRQFLAGS_TORTURE_H

#include "irqflags/irqflags.h"
#include <stdbool.h>
#include <stdint.h>

#define IRQFLAGS_TORTURE_VECTOR	0x50	/* APIC timer, one-shot re-armed */
#define IRQFLAGS_COST_VECTOR	0x51	/* APIC timer, periodic */

struct irqflags_torture_cfg {
	uint64_t rate_hz;		/* one-shot period = 1 / rate */
	uint64_t min_deferred;		/* run until this many were deferred */
	uint64_t timeout_ms;		/* ... or this long */
	uint64_t stall_ms;		/* stop early: no interrupt for this long */
};

/* Where interrupts landed inside the soft enable/restore sequences the
 * loop runs (its own sites, or the stubs in the call variant). */
struct irqflags_torture_cover {
	uint64_t at_start;	/* at the sequence's first instruction(s) */
	uint64_t enable_window;	/* enable: between the mask store and the
				 * pending load (the race) */
	uint64_t enable_window_deferred;	/* ... and deferred there: the
						 * load came first (broken) */
	uint64_t restore_window;	/* the same gap in a restore that enables */
	uint64_t restore_window_deferred;
	uint64_t elsewhere;	/* later in a sequence */
	uint64_t in_section;	/* deferred inside a critical section */
	uint64_t outside;	/* ran outside the sequences */
};

struct irqflags_torture_result {
	uint64_t armed;		/* one-shot arms = interrupts raised at the source */
	uint64_t handled;	/* handler runs */
	uint64_t handled_replayed;	/* of which by an enable */
	uint64_t unmatched;	/* handler ran with no expired shot behind it */
	uint64_t masked_starts;	/* (a): handler started with the soft mask set */
	uint64_t if_clear;	/* (c): IF clear right after an enable */
	uint64_t sections;	/* outer critical sections run */
	uint64_t elapsed_ns;
	uint64_t achieved_hz;	/* handled per second of the run */
	uint32_t period_asked;	/* APIC timer counts per shot, from rate_hz */
	uint32_t period_counts;	/* ... at the end (torture.c, adapt_period) */
	uint64_t period_stretches;
	bool drained;		/* every raised interrupt handled at the end */
	bool stalled;		/* no interrupt deferred for stall_ms */
	bool stopped_early;	/* a check failed: the run stopped there */
	struct irqflags_stats stats;	/* deltas over the run */
	struct irqflags_torture_cover cover;
	uint64_t leftover_isr;	/* in-service bits EOI'd by the clean-up */
};

/* Needs the APIC timer calibrated and IF set (suite context). 0, or -1
 * with a reason in err. */
int irqflags_torture_run(const struct irqflags_torture_cfg *cfg,
			 struct irqflags_torture_result *r, char *err, size_t errlen);

struct irqflags_cost_point {
	enum irqflags_mode mode;
	uint64_t rate_hz;	/* asked for; 0 = no timer */
	/* First half of the run: sections untimed, the TSC around them all. */
	uint64_t sections;
	uint64_t cycles;
	uint64_t irqs;		/* handler runs meanwhile */
	uint64_t elapsed_ns;
	/* Second half: each section timed; mean cycles of the sections an
	 * interrupt was handled in (soft: deferred in) and of the rest. */
	uint64_t hit_sections, hit_cycles, clean_cycles;
	uint64_t deferred;	/* over the whole run */
};

/* Run critical sections for duration_ms with the APIC timer interrupting
 * at about rate_hz (0: off), through sites pinned to `mode`. */
int irqflags_cost_measure(enum irqflags_mode mode, uint64_t rate_hz,
			  uint64_t duration_ms, struct irqflags_cost_point *p,
			  char *err, size_t errlen);

#endif
