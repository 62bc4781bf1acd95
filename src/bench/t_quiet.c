/*
 * t_quiet.c - image only: the bench suite's check that quieting the local
 * APIC (quiet.c) keeps interrupts away with IF=1, and puts every register
 * back. A control run without quieting shows that the same timer does
 * arrive inside the same wait, so the check can fail.
 */
#include "bench/quiet.h"
#include "bench/t_quiet.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include "lib/report.h"

#define VEC_QUIET_TIMER	0x4e
#define VEC_QUIET_IPI	0x4f

static volatile unsigned ticks, ipis;

static void on_tick(struct trap_frame *f) { (void)f; ticks++; apic_eoi(); }
static void on_ipi(struct trap_frame *f) { (void)f; ipis++; apic_eoi(); }

static bool wait_for(volatile unsigned *v, unsigned want, uint64_t timeout_ms)
{
	uint64_t end = time_ms() + timeout_ms;

	while (*v < want && time_ms() < end)
		cpu_relax();
	return *v >= want;
}

struct lvt_snap {
	uint32_t timer, lint0, lint1, error, tdcr, tpr;
};

static struct lvt_snap snap(void)
{
	return (struct lvt_snap){
		apic_read(APIC_LVT_TIMER), apic_read(APIC_LVT_LINT0),
		apic_read(APIC_LVT_LINT1), apic_read(APIC_LVT_ERROR),
		apic_read(APIC_TDCR), apic_read(APIC_TPR),
	};
}

void bench_quiet_selftest(void)
{
	struct apic_quiet_state s = { 0 };
	uint64_t hz = apic_timer_hz();
	/* 20 ms: long enough that a host preempting the emulator between
	 * arming and quieting does not let it expire first. */
	uint32_t count_20ms = (uint32_t)(hz / 50);
	struct lvt_snap before, after;
	bool was_if = read_rflags() & X86_EFLAGS_IF;

	if (!hz) {
		report_skip("quiet: APIC timer not calibrated");
		return;
	}
	trap_set_handler(VEC_QUIET_TIMER, on_tick);
	trap_set_handler(VEC_QUIET_IPI, on_ipi);
	irq_hard_enable();

	/* Control: the same timer, not quieted, arrives (a loaded host
	 * makes it late, never early). */
	ticks = 0;
	apic_timer_oneshot(VEC_QUIET_TIMER, count_20ms);
	wait_for(&ticks, 1, 500);
	report(ticks == 1, "quiet: control: without quieting a 20 ms timer fires (%u)",
	       ticks);

	ticks = ipis = 0;
	apic_timer_oneshot(VEC_QUIET_TIMER, count_20ms);
	before = snap();
	apic_quiet_begin(&s);
	bool masked = (apic_read(APIC_LVT_TIMER) & APIC_LVT_MASKED) &&
		      (apic_read(APIC_LVT_LINT0) & APIC_LVT_MASKED) &&
		      (apic_read(APIC_LVT_LINT1) & APIC_LVT_MASKED) &&
		      (apic_read(APIC_LVT_ERROR) & APIC_LVT_MASKED) &&
		      apic_read(APIC_TMICT) == 0 && apic_read(APIC_TPR) == 0xf0;
	apic_send_ipi(apic_id(), APIC_DM_FIXED | APIC_LEVEL_ASSERT | VEC_QUIET_IPI);
	udelay(40000);
	unsigned ticks_quiet = ticks, ipis_quiet = ipis;
	apic_quiet_end(&s);
	after = snap();
	report(masked, "quiet: every LVT entry masked, timer stopped, TPR 0xf0");
	report(ticks_quiet == 0 && ipis_quiet == 0,
	       "quiet: with IF=1, neither the 20 ms timer nor a self-IPI arrives "
	       "in 40 ms (%u, %u)", ticks_quiet, ipis_quiet);
	report(before.timer == after.timer && before.lint0 == after.lint0 &&
	       before.lint1 == after.lint1 && before.error == after.error &&
	       before.tdcr == after.tdcr && before.tpr == after.tpr,
	       "quiet: LVT entries, divider and TPR restored exactly");
	/* Generous: under a loaded emulator a timer is late, never early. */
	wait_for(&ipis, 1, 500);
	wait_for(&ticks, 1, 500);
	udelay(5000);
	report(ipis == 1 && ticks == 1,
	       "quiet: afterwards the held IPI and the resumed timer each arrive once "
	       "(%u, %u)", ipis, ticks);

	apic_timer_stop();
	trap_set_handler(VEC_QUIET_TIMER, NULL);
	trap_set_handler(VEC_QUIET_IPI, NULL);
	if (!was_if)
		irq_hard_disable();
}
