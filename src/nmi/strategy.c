/*
 * strategy.c - choosing and installing an NMI-entry strategy, and the C
 * body all of them call (strategy.h).
 *
 * The entry code is in src/nmi/entry_*.S. Its symbols are referenced
 * weakly, so an image built without them still links and says which
 * strategy is missing instead of failing to build.
 */
#include "nmi/strategy.h"
#include "nmi/torture_int.h"
#include "nmi/nmi.h"
#include "config.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/traps.h"
#include "lib/panic.h"
#include <stddef.h>
#include <stdio.h>

static const char *const nmi_choices[] = { "naive", "iretless", "nested", "latch", NULL };
CONFIG_OPTION(opt_nmi, "nmi", OPT_ENUM, nmi_choices, 0, 0, "nested",
	      "NMI-entry strategy: naive (unsafe, negative control), iretless "
	      "(popf/ret from exceptions in NMIs), nested (Linux), latch (Linus 2010)");
CONFIG_OPTION(opt_nmi_cr2, "nmi_cr2", OPT_BOOL, NULL, 0, 0, "on",
	      "the NMI body saves and restores CR2 (off: negative control)");

_Static_assert(NMI_KERNEL_CS == KERNEL_CS && NMI_KERNEL_DS == KERNEL_DS,
	       "entry.h selectors differ from desc.h");
_Static_assert(NMI_IST_STACK_SIZE == IST_STACK_SIZE, "entry.h stack size differs");
_Static_assert(NMI_EFLAGS_TF == X86_EFLAGS_TF, "entry.h TF differs");
_Static_assert(sizeof(struct nmi_hw_frame) == 40, "the CPU pushes five words");

extern char nmi_entry_naive[] __attribute__((weak));
extern char nmi_entry_iretless[] __attribute__((weak));
extern char nmi_entry_nested[] __attribute__((weak));
extern char nmi_entry_latch[] __attribute__((weak));
extern volatile uint8_t nmi_nested_first __attribute__((weak));

volatile uint64_t nmi_cnt_entries, nmi_cnt_nested, nmi_cnt_window;
volatile uint64_t nmi_nested_at_arm;
static volatile uint64_t cnt_runs, cnt_kind[5], cnt_unknown[5], cnt_spurious, cnt_collapsed;
static volatile uint64_t cnt_guard;

struct nmi_body_ctl nmi_body_ctl = { .cr2_save = true, .dr7_restore = true };
struct nmi_guard_report nmi_guard;

static enum nmi_strategy current = NMI_STRATEGIES;

/* The NMI being run: where its frame is and what it held at the first
 * run. Kept outside the NMI stack, which a nested NMI overwrites. */
static struct {
	uint64_t addr;
	uint64_t sum;
	struct nmi_hw_frame words;
} rec;
static volatile bool body_active;
static uint64_t last_arm;

/* DR7 bits 0-7: L0/G0 .. L3/G3, the breakpoint enables. */
#define DR7_ENABLES	0xffull

const char *nmi_strategy_name(enum nmi_strategy s)
{
	return s < NMI_STRATEGIES ? nmi_choices[s] : "generic";
}

enum nmi_strategy nmi_strategy_selected(void)
{
	return (enum nmi_strategy)opt_nmi.u;
}

bool nmi_cr2_save_selected(void)
{
	return opt_nmi_cr2.u != 0;
}

static void *entry_of(enum nmi_strategy s)
{
	switch (s) {
	case NMI_NAIVE: return nmi_entry_naive;
	case NMI_IRETLESS: return nmi_entry_iretless;
	case NMI_NESTED: return nmi_entry_nested;
	case NMI_LATCH: return nmi_entry_latch;
	default: return NULL;
	}
}

bool nmi_strategy_linked(enum nmi_strategy s)
{
	return entry_of(s) != NULL;
}

uintptr_t nmi_canary_base(void)
{
	return ist_stack_base(IST_NMI);
}

uint64_t nmi_canary_value(unsigned i)
{
	return 0x4e4d492d53544b00ull | i;	/* "NMI-STK" and the index */
}

static void arm_canaries(void)
{
	volatile uint64_t *c = (volatile uint64_t *)nmi_canary_base();

	for (unsigned i = 0; i < NMI_CANARY_WORDS; i++)
		c[i] = nmi_canary_value(i);
}

/* The state of an NMI in progress, for all strategies. From normal
 * context, or from an NMI that is being abandoned (guard_fail). */
static void clear_state(void)
{
	uint64_t top = ist_stack_top(IST_NMI);

	/* nested: "NMI executing" at T-56; latch: running T-112, latched
	 * T-120 (entry_nested.S, entry_latch.S). Only meaningful for the
	 * installed strategy, harmless for the others: below T-40 nothing
	 * else lives on the NMI stack while no NMI runs. */
	*(volatile uint64_t *)(top - 56) = 0;
	*(volatile uint64_t *)(top - 112) = 0;
	*(volatile uint64_t *)(top - 120) = 0;
	if (&nmi_nested_first)
		nmi_nested_first = 0;
	nmi_iretless_active = 0;
	body_active = false;
	rec.addr = 0;
}

void nmi_strategy_reset(void)
{
	clear_state();
	arm_canaries();
	nmi_guard.kind = NMI_GUARD_NONE;
}

int nmi_strategy_install(enum nmi_strategy s, char *err, size_t errlen)
{
	void *entry = entry_of(s);

	if (s >= NMI_STRATEGIES) {
		snprintf(err, errlen, "no NMI-entry strategy number %u", (unsigned)s);
		return -1;
	}
	if (!entry) {
		snprintf(err, errlen, "the entry code of nmi=%s is not linked in (the "
			 "Makefile must assemble src/nmi/*.S)", nmi_strategy_name(s));
		return -1;
	}
	if (ist_stack_top(IST_NMI) & 15) {
		snprintf(err, errlen, "the NMI stack top 0x%llx is not 16-byte aligned; "
			 "the entries assume RSP = top - 40 at entry",
			 (unsigned long long)ist_stack_top(IST_NMI));
		return -1;
	}
	nmi_body_ctl.cr2_save = nmi_cr2_save_selected();
	nmi_body_ctl.dr7_restore = true;
	/*
	 * Switch the gate first (one 64-bit store, idt_set_gate), then clear
	 * the state words. Cleared first, an NMI still taking the old entry
	 * could dirty them (its pushes land at T-56..T-120) and the new entry
	 * would read that as "executing"/"running" for ever. Switched first,
	 * an NMI in the few instructions before the clear may run the new
	 * entry on stale state and leave NMIs blocked: the iret to self
	 * below unblocks them. At most that one NMI is lost.
	 */
	idt_set_gate(VEC_NMI, entry, IST_NMI);
	nmi_strategy_reset();
	if (nmi_unblock)
		nmi_unblock();
	current = s;
	return 0;
}

int nmi_strategy_init(char *err, size_t errlen)
{
	return nmi_strategy_install(nmi_strategy_selected(), err, errlen);
}

enum nmi_strategy nmi_strategy_current(void)
{
	return current;
}

void nmi_strategy_stats(struct nmi_strategy_stats *st)
{
	st->entries = NMI_READ_ONCE(nmi_cnt_entries);
	st->nested = NMI_READ_ONCE(nmi_cnt_nested);
	st->window = NMI_READ_ONCE(nmi_cnt_window);
	st->runs = NMI_READ_ONCE(cnt_runs);
	for (unsigned i = 0; i < 5; i++) {
		st->runs_by_kind[i] = NMI_READ_ONCE(cnt_kind[i]);
		st->unknown_by_kind[i] = NMI_READ_ONCE(cnt_unknown[i]);
	}
	st->spurious_repeats = NMI_READ_ONCE(cnt_spurious);
	st->collapsed = NMI_READ_ONCE(cnt_collapsed);
	st->iretless_returns = trap_iretless_returns;
	st->tf_fallbacks = trap_iretless_tf_fallbacks;
	st->guard_failures = NMI_READ_ONCE(cnt_guard);
}

const char *nmi_guard_kind_name(enum nmi_guard_kind k)
{
	switch (k) {
	case NMI_GUARD_NONE: return "none";
	case NMI_GUARD_FRAME: return "frame corruption detected";
	case NMI_GUARD_CANARY: return "NMI stack canary overwritten";
	case NMI_GUARD_OVERLAP: return "NMI body entered while another runs";
	}
	return "?";
}

/* Order-dependent mix of the five words and where they are: a frame
 * moved, reordered or changed in any word sums differently. */
static uint64_t frame_sum(const struct nmi_hw_frame *f)
{
	const uint64_t *w = (const uint64_t *)f;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)f;

	for (unsigned i = 0; i < 5; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return h;
}

static bool on_nmi_stack(uint64_t p)
{
	return p >= ist_stack_base(IST_NMI) && p <= ist_stack_top(IST_NMI);
}

/* No printf from NMI context: the panic message by hand, from the
 * failure that stops the run (not necessarily the first recorded). */
static char guard_msg[200];
static struct nmi_guard_report guard_last;

static char *put_str(char *p, const char *str)
{
	while (*str && p < guard_msg + sizeof(guard_msg) - 1)
		*p++ = *str++;
	return p;
}

static char *put_hex(char *p, uint64_t v)
{
	char d[19] = "0x";

	for (int i = 17; i >= 2; i--, v >>= 4)
		d[i] = "0123456789abcdef"[v & 15];
	d[18] = 0;
	return put_str(p, d);
}

static const char *guard_message(void)
{
	const struct nmi_guard_report *g = &guard_last;
	char *p = guard_msg;

	p = put_str(p, "NMI: ");
	p = put_str(p, nmi_guard_kind_name(g->kind));
	p = put_str(p, g->at_entry ? " by the entry check" : " by the exit check");
	p = put_str(p, ", run kind ");
	p = put_hex(p, g->run_kind);
	p = put_str(p, ", NMI #");
	p = put_hex(p, g->nmi_index);
	p = put_str(p, ", frame ");
	p = put_hex(p, g->frame_addr);
	p = put_str(p, " RIP ");
	p = put_hex(p, g->recorded.rip);
	p = put_str(p, " now ");
	p = put_hex(p, g->found.rip);
	*p = 0;
	return guard_msg;
}

/* Record the failure and leave without returning through the frame.
 * canary: the canary word that changed (NMI_GUARD_CANARY), else NULL. */
static void __attribute__((noreturn)) guard_fail(enum nmi_guard_kind k, bool at_entry,
						 const struct nmi_hw_frame *found,
						 const volatile uint64_t *canary, unsigned kind)
{
	struct nmi_guard_report now = {
		.kind = k, .at_entry = at_entry, .run_kind = kind,
		.nmi_index = nmi_cnt_entries, .frame_addr = rec.addr,
		.recorded = rec.words,
	};

	cnt_guard++;
	if (found)
		now.found = *found;
	if (canary) {
		now.canary_addr = (uint64_t)(uintptr_t)canary;
		now.canary_want = nmi_canary_value((unsigned)(canary -
			(const volatile uint64_t *)nmi_canary_base()));
		now.canary_found = *canary;
		/* Re-arm, so the next NMI checks afresh instead of failing
		 * on this one's evidence. */
		arm_canaries();
	}
	/* The first failure since the last reset is the one reported. */
	if (nmi_guard.kind == NMI_GUARD_NONE)
		nmi_guard = now;
	guard_last = now;
	if (nmi_body_ctl.abort) {
		/* This NMI will never return through its entry: the next one
		 * must find no trace of it (NMIs stay blocked until the
		 * abort handler's iretq). */
		clear_state();
		nmi_body_ctl.abort();
	}
	panic_raw(guard_message());
}

static void check_canaries(unsigned kind)
{
	const volatile uint64_t *c = (const volatile uint64_t *)nmi_canary_base();

	for (unsigned i = 0; i < NMI_CANARY_WORDS; i++)
		if (c[i] != nmi_canary_value(i))
			guard_fail(NMI_GUARD_CANARY, false, NULL, &c[i], kind);
}

static void body_enter(struct nmi_hw_frame *frame, unsigned kind)
{
	/*
	 * A body already running, or a first NMI that interrupted code on
	 * the NMI stack: an NMI got in without the strategy's nesting path
	 * (naive, or iretless after a TF fallback). Its CPU frame went to the
	 * top of the NMI stack, where the running NMI's frame is. Compare
	 * that frame with what was recorded when its NMI came.
	 */
	if (body_active || (kind == NMI_RUN_FIRST && on_nmi_stack(frame->rsp))) {
		const struct nmi_hw_frame *outer = (const void *)(uintptr_t)rec.addr;

		if (outer && frame_sum(outer) != rec.sum)
			guard_fail(NMI_GUARD_FRAME, true, outer, NULL, kind);
		guard_fail(NMI_GUARD_OVERLAP, true, frame, NULL, kind);
	}
	if (kind == NMI_RUN_FIRST) {
		rec.addr = (uint64_t)(uintptr_t)frame;
		rec.words = *frame;
		rec.sum = frame_sum(frame);
	} else if ((uint64_t)(uintptr_t)frame != rec.addr || frame_sum(frame) != rec.sum) {
		/* A repeat must see the frame of the NMI it repeats. */
		guard_fail(NMI_GUARD_FRAME, true, frame, NULL, kind);
	}
	/*
	 * A repeat needs a nested NMI between the previous run's arming (the
	 * "iret" frame copy, or the latch clear: nmi_nested_at_arm, taken by
	 * the entry code) and this one's; two or more collapsed into this one
	 * repeat. A takeover is its own cause (counted in nmi_cnt_window).
	 */
	if (kind == NMI_RUN_REPEAT || kind == NMI_RUN_RERUN) {
		uint64_t d = nmi_nested_at_arm - last_arm;

		if (d == 0)
			cnt_spurious++;
		else if (d >= 2)
			cnt_collapsed++;
	}
	last_arm = nmi_nested_at_arm;
	body_active = true;
}

static void body_exit(struct nmi_hw_frame *frame, unsigned kind)
{
	/* The last look before the entry's iretq pops this frame (or, for
	 * nested/latch, the copy it came from). */
	if ((uint64_t)(uintptr_t)frame != rec.addr || frame_sum(frame) != rec.sum)
		guard_fail(NMI_GUARD_FRAME, false, frame, NULL, kind);
	check_canaries(kind);
	body_active = false;
}

void nmi_strategy_body(struct nmi_hw_frame *frame, unsigned long kind)
{
	struct nmi_body_ctl *ctl = &nmi_body_ctl;
	uint64_t t0 = rdtsc(), cr2, dr7;

	body_enter(frame, (unsigned)kind);
	cnt_runs++;
	cnt_kind[kind < 5 ? kind : 0]++;
	/*
	 * CR2 first (Avi Kivity, seed 001 lines 5499-5560): this NMI may
	 * have come between a #PF and its handler's read of CR2, and a #PF
	 * in this body would overwrite it. DR7 likewise: breakpoints set by
	 * the interrupted code are off while the body runs (a data
	 * breakpoint inside the NMI would raise #DB) and back on after.
	 */
	cr2 = read_cr2();
	dr7 = read_dr7();
	if (dr7 & DR7_ENABLES)
		write_dr7(dr7 & ~DR7_ENABLES);

	if (trap_get_handler(VEC_NMI)) {
		/* A test that installed its own NMI handler (trap_set_handler)
		 * gets the NMI as it would behind the generic entry: a frame
		 * with the vector and the interrupted context, general
		 * registers zero; changes to it are not returned through. */
		struct trap_frame tf = {
			.vector = VEC_NMI, .rip = frame->rip, .cs = frame->cs,
			.rflags = frame->rflags, .rsp = frame->rsp, .ss = frame->ss,
		};

		trap_get_handler(VEC_NMI)(&tf);
	} else if (!nmi_handle_at(frame->rip)) {
		cnt_unknown[kind < 5 ? kind : 0]++;
	}
	if (ctl->hook)
		ctl->hook(frame, (unsigned)kind);

	if ((dr7 & DR7_ENABLES) && ctl->dr7_restore)
		write_dr7(dr7);
	/* A CR2 write is not free under virtualisation; only when changed
	 * (Linux does the same). */
	if (ctl->cr2_save && read_cr2() != cr2)
		write_cr2(cr2);
	body_exit(frame, (unsigned)kind);
	if (ctl->cycles && ctl->cycles_n < ctl->cycles_cap)
		ctl->cycles[ctl->cycles_n++] = rdtsc() - t0;
}
