/*
 * The kernel's interrupt flag (src/irqflags, docs/irqflags.md).
 *
 * irqflags: every patched site holds the bytes of the selected mode,
 *   checked against templates written out here from the SDM encodings
 *   (not produced by the patcher's encoder); the API's semantics; an
 *   interrupt raised in a disabled section is held (hard: in IRR) or
 *   deferred (soft: accepted, left in service, IF cleared) and then
 *   handled exactly once by the enable; the benchmark hook.
 * irqflags_torture (optional): the soft-flag torture run (torture.c).
 * irqflags_cost (optional): slow-path cost at 0, 1k, 10k, 100k/s.
 */
#include "tests/suites.h"
#include "config.h"
#include "irqflags/irqflags.h"
#include "irqflags/torture.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "lib/report.h"
#include "record/record.h"
#include <stdio.h>
#include <string.h>

CONFIG_OPTION(opt_irqflags_torture_hz, "irqflags_torture_hz", OPT_UINT, NULL,
	      1000, 10000000, "250k",
	      "irqflags_torture: APIC timer rate asked for (one-shot re-armed)");
CONFIG_OPTION(opt_irqflags_torture_min, "irqflags_torture_min", OPT_UINT, NULL,
	      1, 100000000, "100k",
	      "irqflags_torture: deferred interrupts a run must reach");

#define VEC_LOW		0x52	/* self-IPIs of the semantic tests */
#define VEC_HIGH	0x62	/* a higher priority class than VEC_LOW */

/* ---- expected site bytes ---------------------------------------------- */

/* Tokens: two hex digits = a byte; M / P = disp32 of the mask / pending
 * byte from the GS base; C = rel32 call to the replay thunk; S = rel32
 * call to the stub of the site's mode and op. */
static const char *const tmpl_hard[IRQF_NR_OPS] = {
	"fa", "fb", "9c 58 fa", "50 9d",
};
static const char *const tmpl_soft[IRQF_NR_OPS] = {
	"65 c6 04 25 M 01",
	"65 c6 04 25 M 00 65 80 3c 25 P 00 74 05 e8 C",
	"65 0f b6 04 25 M 65 c6 04 25 M 01 83 f0 01 c1 e0 09",
	"f6 c4 02 65 0f 94 04 25 M 74 10 65 80 3c 25 P 00 74 05 e8 C",
};
static const char tmpl_soft_enable_broken[] =
	"65 80 3c 25 P 00 65 c6 04 25 M 00 74 05 e8 C";
static const char tmpl_call[] = "e8 S";
/* SDM vol. 2B, NOP: recommended sequences of 1 to 9 bytes. */
static const char *const tmpl_nop[9] = {
	"90", "66 90", "0f 1f 00", "0f 1f 40 00", "0f 1f 44 00 00",
	"66 0f 1f 44 00 00", "0f 1f 80 00 00 00 00",
	"0f 1f 84 00 00 00 00 00", "66 0f 1f 84 00 00 00 00 00",
};

extern char irqflags_replay_thunk[];
extern char irqflags_stub_hard_disable[], irqflags_stub_hard_enable[],
	    irqflags_stub_hard_save[], irqflags_stub_hard_restore[],
	    irqflags_stub_soft_disable[], irqflags_stub_soft_enable[],
	    irqflags_stub_soft_save[], irqflags_stub_soft_restore[];
static char *const stubs[2][IRQF_NR_OPS] = {
	{ irqflags_stub_hard_disable, irqflags_stub_hard_enable,
	  irqflags_stub_hard_save, irqflags_stub_hard_restore },
	{ irqflags_stub_soft_disable, irqflags_stub_soft_enable,
	  irqflags_stub_soft_save, irqflags_stub_soft_restore },
};
static const unsigned expect_len[IRQF_NR_OPS] = { 9, 25, 24, 30 };

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static void put32(uint8_t *p, int64_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

/* Expand a template at `at` into out; returns its length. */
static unsigned expand(const char *t, uint64_t at, unsigned op, unsigned mode, uint8_t *out)
{
	intptr_t base = (intptr_t)this_cpu();
	struct irqflags_cpu *c = irqflags_this_cpu();
	unsigned n = 0;

	while (*t) {
		if (*t == ' ') {
			t++;
		} else if (*t == 'M' || *t == 'P') {
			put32(out + n, (*t == 'M' ? (intptr_t)&c->mask : (intptr_t)&c->pending) - base);
			n += 4;
			t++;
		} else if (*t == 'C' || *t == 'S') {
			char *target = *t == 'C' ? irqflags_replay_thunk : stubs[mode][op];

			put32(out + n, (intptr_t)target - (intptr_t)(at + n + 4));
			n += 4;
			t++;
		} else {
			out[n++] = (uint8_t)(hexval(t[0]) << 4 | hexval(t[1]));
			t += 2;
		}
	}
	return n;
}

static void expected_site(const struct irqflags_site *s, uint8_t *out)
{
	unsigned mode = s->flags & IRQF_FORCE_HARD ? IRQFLAGS_HARD :
			s->flags & IRQF_FORCE_SOFT ? IRQFLAGS_SOFT : irqflags_mode();
	bool call = !(s->flags & IRQF_FORCE_INLINE) && irqflags_variant() == IRQFLAGS_CALL;
	const char *t = call ? tmpl_call : mode == IRQFLAGS_HARD ? tmpl_hard[s->op] :
		(s->op == IRQF_OP_ENABLE && irqflags_broken() == IRQFLAGS_BROKEN_CHECK_BEFORE_STORE) ?
		tmpl_soft_enable_broken : tmpl_soft[s->op];
	unsigned n = expand(t, s->addr, s->op, mode, out);

	while (n < s->len) {
		unsigned k = s->len - n > 9 ? 9 : s->len - n;

		n += expand(tmpl_nop[k - 1], 0, 0, 0, out + n);
	}
}

/* Index of the first differing byte, or -1. */
static int compare_site(const struct irqflags_site *s, const uint8_t *bytes)
{
	uint8_t want[64];

	expected_site(s, want);
	for (unsigned i = 0; i < s->len; i++)
		if (bytes[i] != want[i])
			return (int)i;
	return -1;
}

static void test_sites(void)
{
	const struct irqflags_site *s;
	unsigned n = 0, bad = 0, per_op[IRQF_NR_OPS] = { 0 }, kernel = 0, bad_len = 0;
	uint8_t copy[64];

	for (s = __start_irqflags_sites; s < __stop_irqflags_sites; s++) {
		int at;

		n++;
		if (s->op >= IRQF_NR_OPS || s->len != expect_len[s->op]) {
			bad_len++;
			continue;
		}
		per_op[s->op]++;
		kernel += s->group == IRQF_GROUP_KERNEL;
		at = compare_site(s, (const uint8_t *)(uintptr_t)s->addr);
		if (at >= 0 && bad++ < 4)
			printf("  site 0x%llx op %u group %u: byte %d is %02x\n",
			       (unsigned long long)s->addr, s->op, s->group, at,
			       ((const uint8_t *)(uintptr_t)s->addr)[at]);
	}
	report(n == irqflags_sites_patched() && n > 0,
	       "%u site records, %u patched at boot", n, irqflags_sites_patched());
	report(bad_len == 0 && per_op[0] && per_op[1] && per_op[2] && per_op[3],
	       "every record has a known op and its length (%u disable, %u enable, "
	       "%u save, %u restore; %u in kernel code)",
	       per_op[0], per_op[1], per_op[2], per_op[3], kernel);
	report(bad == 0, "every site holds the %s %s sequence, read back byte for byte "
	       "(%u differ)", irqflags_mode_name(irqflags_mode()),
	       irqflags_variant() == IRQFLAGS_CALL ? "call" : "inline", bad);

	/* The check must be able to fail: one changed byte in a copy. */
	s = __start_irqflags_sites;
	memcpy(copy, (const void *)(uintptr_t)s->addr, s->len);
	copy[s->len - 1] ^= 0x01;
	report(compare_site(s, copy) == (int)s->len - 1,
	       "the byte check finds a site changed in its last byte");
}

/* ---- semantics --------------------------------------------------------- */

static volatile unsigned low_runs, high_runs, low_replayed, order_ok;
static volatile uint64_t low_rip;

static void on_low(struct trap_frame *f)
{
	low_runs++;
	low_replayed += irqflags_frame_replayed(f);
	low_rip = f->rip;
	apic_eoi();
}

static void on_high(struct trap_frame *f)
{
	(void)f;
	/* The replayed lower vector ran first: it was accepted first. */
	order_ok = low_runs == 1;
	high_runs++;
	apic_eoi();
}

static bool bit_set(unsigned reg, unsigned v)
{
	return (apic_read(reg + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static void self_ipi(unsigned v)
{
	apic_send_ipi(apic_id(), APIC_DM_FIXED | APIC_LEVEL_ASSERT | v);
}

static bool if_set(void)
{
	return read_rflags() & X86_EFLAGS_IF;
}

static void test_api(void)
{
	bool soft = irqflags_mode() == IRQFLAGS_SOFT;
	unsigned long outer, inner;
	bool ok;

	report(!irqs_disabled() && if_set(), "suites run with interrupts enabled");
	outer = irq_save();
	ok = irqs_disabled() && (soft ? if_set() : !if_set());
	inner = irq_save();
	report(irq_flags_enabled(outer) && !irq_flags_enabled(inner) && ok,
	       "irq_save: returns enabled, then disabled when nested; %s",
	       soft ? "IF stays set (soft)" : "IF cleared (hard)");
	irq_restore(inner);
	ok = irqs_disabled();
	irq_restore(outer);
	report(ok && !irqs_disabled() && if_set(),
	       "irq_restore: the inner one keeps disabled, the outer one enables");
	irq_disable();
	ok = irqs_disabled();
	irq_enable();
	report(ok && !irqs_disabled() && if_set(), "irq_disable / irq_enable");
}

static void test_held(bool with_save)
{
	bool soft = irqflags_mode() == IRQFLAGS_SOFT;
	struct irqflags_stats s0 = irqflags_this_cpu()->stats;
	unsigned long flags = 0;
	bool isr, irr, ifl, pend;
	const char *how = with_save ? "irq_save/irq_restore" : "irq_disable/irq_enable";

	low_runs = low_replayed = 0;
	if (with_save)
		flags = irq_save();
	else
		irq_disable();
	self_ipi(VEC_LOW);
	udelay(1000);
	isr = bit_set(APIC_ISR0, VEC_LOW);
	irr = bit_set(APIC_IRR0, VEC_LOW);
	ifl = if_set();
	pend = irqflags_this_cpu()->pending;
	report(low_runs == 0, "%s: an interrupt raised inside is not handled inside", how);
	if (soft)
		report(isr && !irr && !ifl && pend,
		       "%s: soft: accepted, left in service (ISR %d IRR %d), pending %d, "
		       "IF clear until the enable", how, isr, irr, pend);
	else
		report(irr && !isr, "%s: hard: held in IRR (IRR %d ISR %d)", how, irr, isr);
	if (with_save)
		irq_restore(flags);
	else
		irq_enable();
	report(low_runs == 1 && if_set() && !bit_set(APIC_ISR0, VEC_LOW),
	       "%s: handled once by the enable, EOI'd, IF set after (%u runs)", how, low_runs);
	if (soft)
		report(low_replayed == 1 && irqflags_this_cpu()->stats.deferred == s0.deferred + 1 &&
		       !irqflags_this_cpu()->pending,
		       "%s: soft: replayed by the enable, RIP 0x%llx", how,
		       (unsigned long long)low_rip);
}

static void test_queue_depth(void)
{
	bool soft = irqflags_mode() == IRQFLAGS_SOFT;
	uint64_t stacked = irqflags_this_cpu()->stats.stacked;

	low_runs = high_runs = order_ok = 0;
	irq_disable();
	self_ipi(VEC_LOW);
	udelay(500);
	/* Soft: IF is now clear, so a higher vector waits in IRR. */
	self_ipi(VEC_HIGH);
	udelay(500);
	report(low_runs == 0 && high_runs == 0 && bit_set(APIC_IRR0, VEC_HIGH),
	       "a second, higher vector raised meanwhile waits in IRR");
	irq_enable();
	udelay(100);
	report(low_runs == 1 && high_runs == 1 &&
	       (soft ? order_ok && irqflags_this_cpu()->stats.stacked == stacked : true),
	       "both handled once after the enable%s", soft ?
	       "; the deferred one first, never two deferred at once" : "");
}

static void test_bench_hook(void)
{
	struct irqflags_site_ref r;
	static uint8_t buf[64];
	bool ok = true;
	unsigned long f;

	for (unsigned op = 0; op < IRQF_NR_OPS; op++) {
		const struct irqflags_site *s;

		if (irqflags_bench_site(op, &r) || r.len != expect_len[op] || r.op != op) {
			ok = false;
			continue;
		}
		for (s = __start_irqflags_sites; s < __stop_irqflags_sites; s++)
			if (s->addr == (uintptr_t)r.site)
				ok &= compare_site(s, r.site) < 0;
		/* A copy's call must reach the same target from its new place. */
		if (irqflags_site_copy(&r, buf + 3, sizeof(buf) - 3) != r.len) {
			ok = false;
		} else if (r.call_offset >= 0) {
			int32_t a, b;

			memcpy(&a, r.site + r.call_offset + 1, 4);
			memcpy(&b, buf + 3 + r.call_offset + 1, 4);
			ok &= (uintptr_t)r.site + r.call_offset + 5 + a ==
			      (uintptr_t)buf + 3 + r.call_offset + 5 + b;
		}
	}
	report(irqflags_bench_site(IRQF_NR_OPS, &r) < 0 && ok,
	       "benchmark hook: one patched site per primitive, copies relocated");
	irqflags_bench_site(IRQF_OP_SAVE, &r);
	f = r.fn_save();
	ok = irqs_disabled();
	irqflags_bench_site(IRQF_OP_RESTORE, &r);
	r.fn_restore(f);
	report(irq_flags_enabled(f) && ok && !irqs_disabled(),
	       "benchmark hook: the site functions save and restore");
}

static void run_irqflags(void)
{
	if (!irqflags_initialized()) {
		report_info("kmain does not call irqflags_init(): patching now");
		irqflags_init();
	}
	report_info("mode %s, %s sites, %u patched%s",
		    irqflags_mode_name(irqflags_mode()),
		    irqflags_variant() == IRQFLAGS_CALL ? "call" : "inline",
		    irqflags_sites_patched(),
		    irqflags_broken() ? " (BROKEN on purpose: irqflags_broken=)" : "");
	test_sites();
	test_api();
	irqflags_set_handler(VEC_LOW, on_low);
	irqflags_set_handler(VEC_HIGH, on_high);
	test_held(false);
	test_held(true);
	test_queue_depth();
	irqflags_set_handler(VEC_LOW, NULL);
	irqflags_set_handler(VEC_HIGH, NULL);
	test_bench_hook();
}

SUITE(irqflags, run_irqflags, SUITE_DEFAULT);

/* ---- torture ------------------------------------------------------------ */

static void run_torture(void)
{
	struct irqflags_torture_cfg cfg = {
		.rate_hz = opt_irqflags_torture_hz.u,
		.min_deferred = opt_irqflags_torture_min.u,
		.timeout_ms = 120000,
		.stall_ms = 500,
	};
	struct irqflags_torture_result r;
	char err[96] = "";

	if (!irqflags_initialized())
		irqflags_init();
	if (irqflags_torture_run(&cfg, &r, err, sizeof(err)) < 0) {
		report(false, "torture run: %s", err);
		return;
	}
	printf("irqflags torture: %s sites; %llu sections in %llu ms; APIC timer one-shot, "
	       "asked %llu/s (%u counts), period %u counts after %llu stretches; "
	       "achieved %llu interrupts/s\n",
	       irqflags_variant() == IRQFLAGS_CALL ? "call" : "inline",
	       (unsigned long long)r.sections, (unsigned long long)(r.elapsed_ns / 1000000),
	       (unsigned long long)cfg.rate_hz, r.period_asked, r.period_counts,
	       (unsigned long long)r.period_stretches, (unsigned long long)r.achieved_hz);
	printf("irqflags torture: raised %llu handled %llu (replayed %llu) unmatched %llu; "
	       "deferred %llu replays %llu stacked %llu nmi-refused %llu dropped %llu%s%s\n",
	       (unsigned long long)r.armed, (unsigned long long)r.handled,
	       (unsigned long long)r.handled_replayed, (unsigned long long)r.unmatched,
	       (unsigned long long)r.stats.deferred, (unsigned long long)r.stats.replays,
	       (unsigned long long)r.stats.stacked, (unsigned long long)r.stats.nmi_refused,
	       (unsigned long long)r.stats.dropped, r.stalled ? "; STALLED" : "",
	       r.stopped_early ? "; stopped at the first failed check" : "");
	printf("irqflags torture: interrupts landed: deferred in a section %llu; at a sequence's "
	       "start %llu; enable window (mask store .. pending load) %llu, deferred there %llu; "
	       "restore window %llu, deferred there %llu; later in a sequence %llu; "
	       "elsewhere, run at once %llu\n",
	       (unsigned long long)r.cover.in_section, (unsigned long long)r.cover.at_start,
	       (unsigned long long)r.cover.enable_window,
	       (unsigned long long)r.cover.enable_window_deferred,
	       (unsigned long long)r.cover.restore_window,
	       (unsigned long long)r.cover.restore_window_deferred,
	       (unsigned long long)r.cover.elsewhere, (unsigned long long)r.cover.outside);
	record_emitf(REC_INFO, "{\"name\":\"irqflags_torture\",\"mode\":\"%s\",\"variant\":\"%s\","
		     "\"broken\":%u,\"asked_hz\":%llu,\"period_counts\":%u,\"achieved_hz\":%llu,"
		     "\"raised\":%llu,\"handled\":%llu,\"replayed\":%llu,\"deferred\":%llu,"
		     "\"unmatched\":%llu,\"masked_starts\":%llu,\"if_clear\":%llu,"
		     "\"sections\":%llu,\"enable_window\":%llu,\"restore_window\":%llu,"
		     "\"elapsed_ms\":%llu}",
		     irqflags_mode_name(irqflags_mode()),
		     irqflags_variant() == IRQFLAGS_CALL ? "call" : "inline",
		     (unsigned)irqflags_broken(), (unsigned long long)cfg.rate_hz,
		     r.period_counts, (unsigned long long)r.achieved_hz,
		     (unsigned long long)r.armed, (unsigned long long)r.handled,
		     (unsigned long long)r.handled_replayed, (unsigned long long)r.stats.deferred,
		     (unsigned long long)r.unmatched, (unsigned long long)r.masked_starts,
		     (unsigned long long)r.if_clear, (unsigned long long)r.sections,
		     (unsigned long long)r.cover.enable_window,
		     (unsigned long long)r.cover.restore_window,
		     (unsigned long long)(r.elapsed_ns / 1000000));

	report(r.masked_starts == 0,
	       "(a) no handler started while the soft flag said disabled (%llu of %llu did)",
	       (unsigned long long)r.masked_starts, (unsigned long long)r.handled);
	report(r.drained && r.handled == r.armed && r.unmatched == 0 && r.stats.dropped == 0,
	       "(b) every raised interrupt handled exactly once (raised %llu, handled %llu, "
	       "unmatched %llu)", (unsigned long long)r.armed, (unsigned long long)r.handled,
	       (unsigned long long)r.unmatched);
	report(r.if_clear == 0, "(c) IF set after every enable (clear after %llu of %llu)",
	       (unsigned long long)r.if_clear, (unsigned long long)r.sections);
	report(r.stats.deferred >= cfg.min_deferred && r.handled_replayed == r.stats.deferred,
	       "%llu interrupts deferred, %llu replayed (at least %llu wanted)",
	       (unsigned long long)r.stats.deferred, (unsigned long long)r.handled_replayed,
	       (unsigned long long)cfg.min_deferred);
	report(r.stats.stacked == 0 && r.stats.nmi_refused == 0,
	       "never two deferred at once (stacked %llu)", (unsigned long long)r.stats.stacked);
	/* A SKIP, not a FAIL, without -singlestep; the torture scenarios
	 * run with it and require this PASS line. */
	if (r.cover.enable_window)
		report(true, "the enable's race window was hit %llu times (%llu deferred there)",
			    (unsigned long long)r.cover.enable_window,
			    (unsigned long long)r.cover.enable_window_deferred);
	else
		report_skip("no interrupt landed between an enable's mask store and its pending "
			    "load: TCG takes interrupts between translation blocks only; run "
			    "QEMU with -singlestep to reach that window");
}

SUITE(irqflags_torture, run_torture, SUITE_OPTIONAL);

/* ---- cost ------------------------------------------------------------------ */

static void run_cost(void)
{
	static const uint64_t rates[] = { 0, 1000, 10000, 100000 };
	struct irqflags_cost_point pt[2][4];
	char err[96] = "";

	if (!irqflags_initialized())
		irqflags_init();
	for (unsigned m = 0; m < 2; m++) {
		for (unsigned i = 0; i < 4; i++) {
			if (irqflags_cost_measure((enum irqflags_mode)m, rates[i], 200,
						  &pt[m][i], err, sizeof(err)) < 0) {
				report(false, "cost run: %s", err);
				return;
			}
		}
	}
	printf("irqflags slow-path cost: TSC cycles, %s sites (under TCG these mean nothing)\n",
	       irqflags_variant() == IRQFLAGS_CALL ? "call" : "inline");
	printf("  %6s | %18s %7s | %20s %7s | %36s %7s %s | %s\n", "rate/s",
	       "achieved/s hard", "soft", "cycles/section hard", "soft",
	       "cycles/interrupt in a section hard", "soft", "(samples h/s)", "soft deferred");
	for (unsigned i = 0; i < 4; i++) {
		double cs[2], ach[2], per[2];

		for (unsigned m = 0; m < 2; m++) {
			const struct irqflags_cost_point *p = &pt[m][i];
			/* Integers only: record_emitf is built general-registers
			 * only, and double arguments do not survive its va_list. */
			uint64_t centi = p->sections ? p->cycles * 100 / p->sections : 0;
			long long extra = p->hit_sections ?
				(long long)p->hit_cycles - (long long)p->clean_cycles : 0;
			uint64_t hz = p->elapsed_ns ? p->irqs * 1000000000ull / p->elapsed_ns : 0;

			cs[m] = (double)centi / 100.0;
			ach[m] = (double)hz;
			per[m] = (double)extra;
			record_emitf(REC_BENCH, "{\"name\":\"irqflags_slow_path\",\"mode\":\"%s\","
				     "\"variant\":\"%s\",\"rate_hz\":%llu,\"achieved_hz\":%llu,"
				     "\"sections\":%llu,\"cycles_per_section\":%llu.%02llu,"
				     "\"irq_sections\":%llu,\"cycles_irq_section\":%llu,"
				     "\"cycles_clean_section\":%llu,\"cycles_per_irq\":%lld,"
				     "\"deferred\":%llu,\"timer\":\"tsc\",\"hypervisor\":%s}",
				     irqflags_mode_name((enum irqflags_mode)m),
				     irqflags_variant() == IRQFLAGS_CALL ? "call" : "inline",
				     (unsigned long long)p->rate_hz, (unsigned long long)hz,
				     (unsigned long long)p->sections,
				     (unsigned long long)(centi / 100), (unsigned long long)(centi % 100),
				     (unsigned long long)p->hit_sections,
				     (unsigned long long)p->hit_cycles,
				     (unsigned long long)p->clean_cycles, extra,
				     (unsigned long long)p->deferred,
				     cpu_has_feature_1ecx(31) ? "true" : "false");
		}
		printf("  %6llu | %18.0f %7.0f | %20.2f %7.2f | %36.0f %7.0f (%llu/%llu) | %llu\n",
		       (unsigned long long)rates[i], ach[0], ach[1], cs[0], cs[1], per[0], per[1],
		       (unsigned long long)pt[0][i].hit_sections,
		       (unsigned long long)pt[1][i].hit_sections,
		       (unsigned long long)pt[1][i].deferred);
	}
	report(pt[0][3].irqs > 0 && pt[1][3].irqs > 0 && pt[1][3].deferred > 0,
	       "the loops ran with interrupts arriving (soft deferred %llu at the top rate)",
	       (unsigned long long)pt[1][3].deferred);
}

SUITE(irqflags_cost, run_cost, SUITE_OPTIONAL);
