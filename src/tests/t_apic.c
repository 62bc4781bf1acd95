/*
 * Local APIC: IPIs through the ICR (fixed and NMI, to the own APIC ID in
 * the destination field), the timer in one-shot, periodic and TSC-deadline
 * modes, and LVT masking.
 */
#include "tests/suites.h"
#include "platform.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include "lib/report.h"

#define VEC_TEST_IPI	0x40
#define VEC_TEST_TIMER	0x41

static volatile unsigned nmis, ipis, ticks;

static void on_nmi(struct trap_frame *f) { (void)f; nmis++; }
static void on_ipi(struct trap_frame *f) { (void)f; ipis++; apic_eoi(); }
static void on_tick(struct trap_frame *f) { (void)f; ticks++; apic_eoi(); }

/* Wait up to timeout_ms for *v to reach want; interrupts must be on. */
static bool wait_for(volatile unsigned *v, unsigned want, uint64_t timeout_ms)
{
	uint64_t end = time_ms() + timeout_ms;

	while (*v < want && time_ms() < end)
		cpu_relax();
	return *v >= want;
}

static void test_ipis(void)
{
	trap_set_handler(VEC_NMI, on_nmi);
	trap_set_handler(VEC_TEST_IPI, on_ipi);
	nmis = ipis = 0;
	apic_self_nmi();
	report(wait_for(&nmis, 1, 100) && nmis == 1,
	       "NMI sent through the ICR to the own APIC ID arrives once");
	apic_send_ipi(apic_id(), APIC_DM_FIXED | APIC_LEVEL_ASSERT | VEC_TEST_IPI);
	report(wait_for(&ipis, 1, 100) && ipis == 1,
	       "fixed IPI to the own APIC ID arrives once");

	/* With IF clear a fixed IPI waits in IRR; an NMI does not. */
	irq_hard_disable();
	apic_send_ipi(apic_id(), APIC_DM_FIXED | APIC_LEVEL_ASSERT | VEC_TEST_IPI);
	apic_self_nmi();
	udelay(1000);
	report(ipis == 1 && nmis == 2, "with IF=0 the NMI is delivered and the IPI held");
	irq_hard_enable();
	report(wait_for(&ipis, 2, 100), "the held IPI arrives after sti");
	trap_set_handler(VEC_NMI, NULL);
	trap_set_handler(VEC_TEST_IPI, NULL);
}

static void test_timer(void)
{
	uint64_t hz = apic_timer_hz();

	report(hz > 0, "APIC timer calibrated: %llu Hz", (unsigned long long)hz);
	if (!hz)
		return;
	trap_set_handler(VEC_TEST_TIMER, on_tick);

	ticks = 0;
	apic_timer_oneshot(VEC_TEST_TIMER, (uint32_t)(hz / 1000));	/* 1 ms */
	report(wait_for(&ticks, 1, 200), "one-shot timer fires");
	udelay(5000);
	report(ticks == 1, "one-shot timer fires once (%u)", ticks);

	ticks = 0;
	apic_timer_periodic(VEC_TEST_TIMER, (uint32_t)(hz / 1000));
	report(wait_for(&ticks, 10, 1000), "periodic timer at 1 kHz: 10 ticks");
	apic_timer_stop();
	unsigned after = ticks;
	udelay(5000);
	report(ticks <= after + 1, "no ticks after the timer is stopped");

	if (apic_timer_tsc_deadline(VEC_TEST_TIMER)) {
		ticks = 0;
		apic_timer_set_deadline(rdtsc() + ns_to_tsc(1000000));
		report(wait_for(&ticks, 1, 200), "TSC-deadline timer fires");
		udelay(5000);
		report(ticks == 1, "TSC-deadline timer fires once");
		apic_timer_stop();
	} else {
		report_skip("TSC-deadline timer: not supported by this CPU");
	}
	trap_set_handler(VEC_TEST_TIMER, NULL);
}

static void test_lvt(void)
{
	apic_mask_all_lvt();
	report((apic_read(APIC_LVT_TIMER) & APIC_LVT_MASKED) &&
	       (apic_read(APIC_LVT_LINT0) & APIC_LVT_MASKED) &&
	       (apic_read(APIC_LVT_LINT1) & APIC_LVT_MASKED) &&
	       (apic_read(APIC_LVT_ERROR) & APIC_LVT_MASKED),
	       "every LVT entry reads back masked");
	report((apic_read(APIC_SVR) & APIC_SVR_ENABLE) &&
	       (apic_read(APIC_SVR) & 0xff) == VEC_SPURIOUS,
	       "APIC software-enabled with spurious vector 0xff");
}

static void test_madt_id(void)
{
	bool found = false;

	if (!acpi.have_madt) {
		report_skip("APIC ID in MADT: no MADT");
		return;
	}
	for (unsigned i = 0; i < acpi.n_cpus; i++)
		found |= acpi.cpus[i].apic_id == apic_id() && acpi.cpus[i].enabled;
	report(found, "the boot CPU's APIC ID %u is an enabled MADT entry", apic_id());
}

static void test_apic(void)
{
	test_lvt();
	test_madt_id();
	test_ipis();
	test_timer();
}

SUITE(apic, test_apic, SUITE_DEFAULT);
