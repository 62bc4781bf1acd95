/*
 * src_lint.c - NMIs through the local APIC's LINT0 pin in NMI delivery
 * mode, driven by the 8259 PIC's INTR output: PIT channel 0 at the
 * requested rate -> 8259 IRQ0 (the only line unmasked) -> INTR -> LINT0.
 *
 * What drives LINT0/LINT1 under QEMU (7.2, TCG, hw/intc/apic.c and
 * hw/i386/x86.c): LINT0 is the 8259's INTR. pic_irq_request() passes the
 * PIC's output to apic_deliver_pic_intr() whenever LINT0 is unmasked
 * (apic_accept_pic_intr() checks only the mask, not the delivery mode), and
 * a rising output runs apic_local_deliver(LINT0), which raises an NMI when
 * the entry says NMI. So TCG can drive an NMI-mode LINT0. LINT1 is driven
 * only by the monitor's `nmi` command (apic_deliver_nmi() ->
 * apic_external_nmi() -> LINT1): that is the host source (src_host.c).
 * KVM's in-kernel APIC accepts the PIC's output on LINT0 only in ExtINT
 * mode (kvm_apic_accept_pic_intr), so under KVM this source stays silent;
 * probe() says so.
 *
 * Which NMIs are ours. The PIC latches the edge in its IRR, and INTR stays
 * high until the request is acknowledged. The handler acknowledges with
 * the 8259's poll command (OCW3 P=1: the next read of the command port is
 * an interrupt acknowledge that returns the highest request, 8259A data
 * sheet), then a specific EOI. A polled IRQ0 is our event: the NMI is
 * ours. The number of PIT periods it stands for comes from channel 0's
 * count (pit_periods.h). QEMU's PIC raises its output again on every line
 * change while the request is pending (pic_update_irq), for instance on
 * the PIT's falling edge, which can add one NMI that finds nothing to
 * poll: a late NMI (nmi.h). Likewise an edge the handler
 * polls between QEMU's IRR update and its NMI request (pic_set_irq ->
 * pic_update_irq -> apic_deliver_pic_intr, in QEMU's main loop while the
 * vCPU runs): its NMI comes after the handler returned, within the
 * window. So a claim leaves a late credit of two. LINT0 in NMI mode is
 * edge-sensitive (SDM vol. 3, 11.5.1: the trigger mode applies only to
 * fixed delivery), so the entry says edge, active high (the INTR line).
 *
 * QEMU quirk: when a fixed interrupt is pending in the local APIC while
 * the PIC's request is (apic_get_interrupt -> apic_check_pic), QEMU also
 * runs the PIC's interrupt acknowledge and delivers PIC vector 0x20 as an
 * ordinary interrupt, as if LINT0 were ExtINT. A handler for that vector
 * counts it (lint_nmi_extint_count) and sends the PIC its EOI.
 */
#include "nmi/nmi.h"
#include "nmi/pit_periods.h"
#include "nmi/sources.h"
#include "platform.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/pic.h"
#include "arch/pit.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include <stdio.h>

#define CATCHUP_TIMEOUT_US	200000	/* QEMU's main loop, starved on a loaded host */
#define LATE_CREDIT		2	/* QEMU's re-raise, and its IRR race */

static struct nmi_source lint_nmi_source;

static struct pit_periods pit;
static uint32_t saved_lvt;
static uint8_t saved_imr;
static volatile bool armed;
static volatile bool stopping;
static uint64_t masked_tsc;
static volatile uint64_t extint_count;

/* Poll the master: acknowledge its highest unmasked request. -1: none. */
static int pic_poll(void)
{
	uint8_t r;

	outb(PIC1_CMD, PIC_OCW3_POLL);
	r = inb(PIC1_CMD);
	return r & PIC_POLL_REQUEST ? r & 7 : -1;
}

static void pic_eoi(unsigned irq)
{
	outb(PIC1_CMD, PIC_OCW2_SPECIFIC_EOI | irq);
}

static void lint_extint(struct trap_frame *f)
{
	(void)f;
	extint_count++;
	pic_eoi(PIC_IRQ_PIT);
}

/* A KVM guest: CPUID 0x40000000 says "KVMKVMKVM". */
static bool under_kvm(void)
{
	struct cpuid_regs r;

	if (!cpu_has_feature_1ecx(31))
		return false;
	r = cpuid(0x40000000u);
	return r.b == 0x4b4d564bu && r.c == 0x564b4d56u && r.d == 0x4d;
}

static bool lint_nmi_probe(char *why, size_t whylen)
{
	if (apic_mode() == APIC_MODE_NONE) {
		snprintf(why, whylen, "no local APIC");
		return false;
	}
	/* QEMU 7.2 sets PCAT_COMPAT even with pic=off: probe the 8259. */
	if (!pic_present()) {
		snprintf(why, whylen, "no 8259 PIC answers at port 0x21 (its mask "
			 "register does not hold a value): nothing drives LINT0");
		return false;
	}
	if (!pit_present()) {
		snprintf(why, whylen, "no 8254 PIT (channel 2 does not count): "
			 "nothing drives IRQ0");
		return false;
	}
	if (acpi_ok && acpi.have_madt && !(acpi.madt_flags & ACPI_MADT_PCAT_COMPAT)) {
		snprintf(why, whylen, "no 8259 PIC to drive LINT0 (MADT PCAT_COMPAT clear)");
		return false;
	}
	if (under_kvm()) {
		snprintf(why, whylen, "KVM's in-kernel local APIC passes the 8259's "
			 "output to LINT0 only in ExtINT mode, never as an NMI");
		return false;
	}
	return true;
}

static int lint_nmi_start(uint64_t rate_hz, char *err, size_t errlen)
{
	char why[160];

	if (!lint_nmi_probe(why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	saved_lvt = apic_read(APIC_LVT_LINT0);
	saved_imr = inb(PIC1_DATA);
	stopping = false;
	extint_count = 0;
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	if (pit_periods_start(&pit, rate_hz, err, errlen) < 0) {
		apic_write(APIC_LVT_LINT0, saved_lvt);
		return -1;
	}
	/* LINT0 masked while IRQ0 is unmasked at the PIC: a stale request
	 * (the BIOS's tick, the ratio measurement's wraps) is acknowledged
	 * here, not as an NMI. Its period, if it was one of ours, is
	 * serviced by the next NMI: periods are counted by time. */
	outb(PIC1_DATA, saved_imr & ~(1u << PIC_IRQ_PIT));
	for (int i = 0, irq; i < 8 && (irq = pic_poll()) >= 0; i++)
		pic_eoi((unsigned)irq);
	trap_set_handler(PIC_VEC_BASE + PIC_IRQ_PIT, lint_extint);
	armed = true;
	barrier();
	apic_write(APIC_LVT_LINT0, APIC_DM_NMI);	/* edge, active high */
	return 0;
}

static bool lint_nmi_handle(void)
{
	struct nmi_source *s = &lint_nmi_source;
	uint64_t total;
	int irq;

	if (!armed)
		return false;
	irq = pic_poll();
	if (irq < 0)
		return nmi_claim_late(s);
	pic_eoi((unsigned)irq);
	if (irq != PIC_IRQ_PIT)		/* masked at the PIC: cannot happen */
		return nmi_claim_late(s);
	total = stopping ? pit_periods_at(&pit, masked_tsc) : pit_periods_read(&pit);
	return nmi_claim(s, total > s->handled ? total - s->handled : 0, LATE_CREDIT);
}

static void lint_nmi_stop(void)
{
	/* Let the NMIs of periods already elapsed arrive, then mask at once
	 * (pit_periods.h says what raised counts then). */
	uint64_t current = pit_periods_wait_serviced(&pit, &lint_nmi_source.handled,
						      CATCHUP_TIMEOUT_US);

	masked_tsc = rdtsc();
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	barrier();
	stopping = true;
	nmi_drain();
	armed = false;
	lint_nmi_source.raised = pit_periods_raised(&pit, lint_nmi_source.handled,
						     current, masked_tsc);
	pit_periods_stop(&pit);
	outb(PIC1_DATA, saved_imr);
	/* A request latched before IRQ0 was masked stays in IRR; it is
	 * acknowledged by the next start. */
	trap_set_handler(PIC_VEC_BASE + PIC_IRQ_PIT, NULL);
	apic_write(APIC_LVT_LINT0, saved_lvt);
}

unsigned lint_nmi_lvt_reg(void) { return APIC_LVT_LINT0; }
uint64_t lint_nmi_extint_count(void) { return extint_count; }

static struct nmi_source lint_nmi_source = {
	.name = "lint",
	.probe = lint_nmi_probe,
	.start = lint_nmi_start,
	.stop = lint_nmi_stop,
	.handle = lint_nmi_handle,
	.late_b2b = true,
};
NMI_SOURCE(lint_nmi_source);
