/*
 * strategy.h - the NMI-entry strategies (nmi=naive|iretless|nested|latch)
 * and the C body every one of them calls.
 *
 *   naive     entry_naive.S     IST stack, plain iretq; exceptions inside
 *                               the body unblock NMIs. Unsafe: the
 *                               negative control.
 *   iretless  entry_iretless.S  exceptions that interrupted the NMI return
 *                               with popf/ret (src/arch/entry.S); iretq
 *                               only when TF is set.
 *   nested    entry_nested.S    Linux's entry_64.S design: "NMI executing"
 *                               on the NMI stack, outermost and iret frames,
 *                               repeat_nmi.
 *   latch     entry_latch.S     Linus' 2010 proposal: nested NMIs set a
 *                               latch and return with popf/ret; the first
 *                               NMI reruns its body.
 *
 * The body (nmi_strategy_body) saves CR2 and DR7, asks the NMI sources
 * (nmi_handle_at; or calls the VEC_NMI handler a test installed with
 * trap_set_handler, as the generic entry would), runs the torture's
 * in-NMI workload when one is hooked,
 * restores DR7 and CR2, and checks, before the entry's final iretq:
 *  - that the frame the iretq will pop still holds what the CPU pushed
 *    when the NMI came (checksum recorded at the first run);
 *  - the canary words at the bottom of the NMI stack;
 *  - that no body is entered while another runs, except through the
 *    strategy's own repeat path.
 * A failed check is "frame corruption detected": the details go to
 * nmi_guard, and the frame is never returned through: the hooked abort
 * handler takes over (the torture's recovery), else the run stops.
 *
 * Everything here that runs from NMI entry is general-registers-only
 * (src/nmi) and calls no printf.
 */
#ifndef IRQLAB_NMI_STRATEGY_H
#define IRQLAB_NMI_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nmi/entry.h"

enum nmi_strategy {
	NMI_NAIVE,
	NMI_IRETLESS,
	NMI_NESTED,
	NMI_LATCH,
	NMI_STRATEGIES
};

/* The five words the CPU pushes, lowest address first. */
struct nmi_hw_frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

const char *nmi_strategy_name(enum nmi_strategy s);
/* nmi= and nmi_cr2= from the command line. */
enum nmi_strategy nmi_strategy_selected(void);
bool nmi_cr2_save_selected(void);

/* Is the strategy's entry code linked in (the .S files of src/nmi assembled)? */
bool nmi_strategy_linked(enum nmi_strategy s);
/*
 * Point IDT vector 2 at the strategy's entry (IST_NMI), after clearing its
 * state and writing the NMI stack canaries. Normal context, with no NMI
 * source running: the 16-byte gate is not written atomically. 0, or -1
 * with a message.
 */
int nmi_strategy_install(enum nmi_strategy s, char *err, size_t errlen);
/* Install what nmi= selects; for kmain, before interrupts are enabled. */
int nmi_strategy_init(char *err, size_t errlen);
/* The installed strategy, or NMI_STRATEGIES when none is. */
enum nmi_strategy nmi_strategy_current(void);
/* Clear the strategies' state (flags on the NMI stack, the iretless flag,
 * the body's bookkeeping) after a run was abandoned from NMI context. */
void nmi_strategy_reset(void);

/* Called by every entry; see above. kind: NMI_RUN_*. */
void nmi_strategy_body(struct nmi_hw_frame *frame, unsigned long kind);

/* Counters. The entry code increments the first three. */
extern volatile uint64_t nmi_cnt_entries;	/* NMIs delivered to an entry */
extern volatile uint64_t nmi_cnt_nested;	/* NMIs that found a body running */
extern volatile uint64_t nmi_cnt_window;	/* nested: in the repeat window;
						 * latch: exit-window takeovers */
/* nmi_cnt_nested when nested/latch last reset their "iret" frame or latch. */
extern volatile uint64_t nmi_nested_at_arm;
struct nmi_strategy_stats {
	uint64_t entries, nested, window;
	uint64_t runs;			/* body runs */
	uint64_t runs_by_kind[5];	/* index NMI_RUN_* */
	uint64_t unknown_by_kind[5];	/* runs no source claimed */
	uint64_t spurious_repeats;	/* repeat/rerun with no nested NMI since
					 * the previous run was armed (must be 0) */
	uint64_t collapsed;		/* repeats caused by 2 or more nested
					 * NMIs (they collapsed into one) */
	uint64_t iretless_returns;	/* exceptions that returned by popf/ret */
	uint64_t tf_fallbacks;		/* ... by iretq because TF was set */
	uint64_t guard_failures;
};
void nmi_strategy_stats(struct nmi_strategy_stats *st);

/* What the body does besides its fixed work; the torture sets these. */
struct nmi_body_ctl {
	bool cr2_save;		/* nmi_cr2=; off is a negative control */
	bool dr7_restore;	/* false only as a negative control */
	/* After nmi_handle_at(): the in-NMI workload. */
	void (*hook)(struct nmi_hw_frame *frame, unsigned kind);
	/* A guard check failed: must not return (the torture's recovery). */
	void (*abort)(void);
	/* Body cycles (rdtsc at its start and end), when set. */
	uint64_t *cycles;
	size_t cycles_cap;
	volatile size_t cycles_n;
};
extern struct nmi_body_ctl nmi_body_ctl;

/* The guard's first failure since the last nmi_strategy_reset(). */
enum nmi_guard_kind {
	NMI_GUARD_NONE,
	NMI_GUARD_FRAME,	/* the saved frame changed under the NMI */
	NMI_GUARD_CANARY,	/* a canary word at the NMI stack's base changed */
	NMI_GUARD_OVERLAP,	/* a body entered while another runs, frame intact */
};
struct nmi_guard_report {
	enum nmi_guard_kind kind;
	bool at_entry;		/* found by a (nested) body's entry check, else
				 * by the exit check before the final iretq */
	unsigned run_kind;	/* NMI_RUN_* of the run that found it */
	uint64_t nmi_index;	/* nmi_cnt_entries then */
	uint64_t frame_addr;	/* where the checked frame lives */
	struct nmi_hw_frame recorded, found;
	uint64_t canary_addr, canary_want, canary_found;
};
extern struct nmi_guard_report nmi_guard;
const char *nmi_guard_kind_name(enum nmi_guard_kind k);

/* The canary area: the lowest bytes of the NMI stack. */
#define NMI_CANARY_WORDS	32
uintptr_t nmi_canary_base(void);
uint64_t nmi_canary_value(unsigned i);

#endif
