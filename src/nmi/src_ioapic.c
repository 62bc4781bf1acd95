/*
 * src_ioapic.c - NMIs from an I/O APIC redirection entry in NMI delivery
 * mode, fed by the PIT: channel 0 in mode 2 at the requested rate drives
 * ISA IRQ0, which reaches the I/O APIC at the GSI the MADT's interrupt
 * source override names (QEMU and most PCs: GSI 2). The entry is NMI
 * delivery (100b), vector 0, physical destination = own APIC ID, and
 * edge-triggered: NMI delivery is edge-triggered by definition (SDM vol. 3,
 * 11.11.2; the I/O APIC datasheets require the entry to say edge), and a
 * level entry would set Remote IRR, which no EOI clears for an NMI.
 *
 * Which NMIs are ours. An edge-triggered entry has no status bit, and the
 * PIT has no "fired" flag, but on a PC the PIT's OUT0 also drives the
 * 8259's IRQ0, and the 8259 latches every rising edge in its IRR whether
 * or not the line is masked at the LAPIC. QEMU (7.2, hw/i386/x86.c,
 * gsi_handler) sets the 8259's IRR and then raises the I/O APIC pin (IRQ0
 * is pin 2 there, hw/intc/ioapic.c) in one call under the global lock, and
 * the pin's NMI reaches cpu_interrupt() before that call returns; the
 * vCPU's port access to the 8259 takes the same lock. So the handler
 * polls the 8259 (OCW3 poll: acknowledges IRQ0 and clears its IRR bit;
 * then a specific EOI): a request means an edge came since the last poll,
 * and its NMI has been signalled - into this NMI, into one collapsed
 * earlier, or latched behind this one. That makes the accounting exact:
 *
 *  - an edge seen: the NMI is (or includes) ours; one NMI may follow,
 *    back-to-back, for an edge that came after this NMI was taken
 *    (NMI_LATE_LATCHED, nmi.h);
 *  - no edge seen: the NMI is not ours, unless it is the latched one.
 *
 * IRQ0 is unmasked at the 8259 for the poll while LINT0 stays masked at
 * the local APIC (the probe checks), so the 8259's output goes nowhere.
 * Periods are still counted by time (pit_periods.h), for the accounting
 * below: QEMU raises an edge when its main loop gets to it, which on a
 * loaded host is many periods after the count shows the period elapsed;
 * the handler services those periods when it counts them (nmi_serviced)
 * and claims their NMIs when the edges show in the 8259. One stale edge
 * can be left in IRR at start (between the poll that clears it and the
 * route's unmasking) and after the route is masked at stop (edges that
 * raise no NMI): each can make one foreign NMI in those few microseconds
 * look like ours.
 *
 * Without an 8259 (or with LINT0 unmasked, where IRQ0 would reach the CPU)
 * the source falls back to time: periods elapsed since the last serviced
 * one mean this NMI is ours; an NMI that finds none is claimed late within
 * 20 ms of the last claim while fewer NMIs than periods were claimed
 * (NMI_LATE_TIMED). A foreign NMI in that window is taken for ours, and a
 * vCPU preempted for longer loses ours.
 *
 * Accounting at the source: raised = PIT periods elapsed until the
 * handler was last seen current before the entry was masked, or until
 * the mask if it never was (pit_periods_raised); handled = periods
 * serviced.
 */
#include "nmi/nmi.h"
#include "nmi/pit_periods.h"
#include "nmi/sources.h"
#include "platform.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/hpet.h"
#include "arch/ioapic.h"
#include "arch/pic.h"
#include "arch/pit.h"
#include "arch/tsc.h"
#include <stdio.h>

#define ISA_IRQ_PIT		0
#define CATCHUP_TIMEOUT_US	200000	/* QEMU's main loop, starved on a loaded host */

static struct nmi_source ioapic_nmi_source;

static struct pit_periods pit;
static uint32_t pit_gsi;
static bool pit_active_low;
static uint64_t saved_entry;
static volatile bool armed;
static volatile bool stopping;
static uint64_t masked_tsc;
static bool use_pic;
static uint8_t saved_imr;

/* Poll the 8259 master: acknowledge its highest unmasked request and end
 * it. True if that was IRQ0, the only line unmasked. */
static bool pic_edge_seen(void)
{
	uint8_t r;

	outb(PIC1_CMD, PIC_OCW3_POLL);
	r = inb(PIC1_CMD);
	if (!(r & PIC_POLL_REQUEST))
		return false;
	outb(PIC1_CMD, PIC_OCW2_SPECIFIC_EOI | (r & 7));
	return (r & 7) == PIC_IRQ_PIT;
}

int nmi_ioapics_from_acpi(char *err, size_t errlen)
{
	if (!acpi_ok || !acpi.have_madt || acpi.n_ioapics == 0) {
		snprintf(err, errlen, "no I/O APIC listed (no ACPI MADT, or it has none)");
		return -1;
	}
	for (unsigned i = 0; i < acpi.n_ioapics; i++)
		if (ioapic_add(acpi.ioapics[i].id, acpi.ioapics[i].addr,
			       acpi.ioapics[i].gsi_base, err, errlen) < 0)
			return -1;
	return 0;
}

/* ISA IRQ -> GSI and polarity through the MADT's source overrides; ISA
 * defaults (identity, active high, edge) otherwise. */
static void isa_irq_route(unsigned irq, uint32_t *gsi, bool *active_low)
{
	*gsi = irq;
	*active_low = false;
	for (unsigned i = 0; i < acpi.n_isos; i++) {
		if (acpi.isos[i].bus != 0 || acpi.isos[i].source != irq)
			continue;
		*gsi = acpi.isos[i].gsi;
		*active_low = ACPI_INTI_POLARITY(acpi.isos[i].flags) == 3;
	}
}

static bool ioapic_nmi_probe(char *why, size_t whylen)
{
	unsigned idx, pin;
	uint64_t e;

	if (nmi_ioapics_from_acpi(why, whylen) < 0)
		return false;
	if (apic_mode() == APIC_MODE_NONE || apic_id() > 0xff) {
		snprintf(why, whylen, "the I/O APIC destination field holds APIC IDs "
			 "0-255 only; this CPU is %u", apic_id());
		return false;
	}
	isa_irq_route(ISA_IRQ_PIT, &pit_gsi, &pit_active_low);
	if (!ioapic_find_gsi(pit_gsi, &idx, &pin)) {
		snprintf(why, whylen, "no I/O APIC serves GSI %u (ISA IRQ0, the PIT)", pit_gsi);
		return false;
	}
	if (hpet_present() && hpet_legacy_route_enabled()) {
		snprintf(why, whylen, "the HPET's legacy replacement route has "
			 "taken IRQ0 from the PIT");
		return false;
	}
	if (!pit_present()) {
		snprintf(why, whylen, "no 8254 PIT (channel 2 does not count): "
			 "nothing drives ISA IRQ0");
		return false;
	}
	ioapic_get_entry(pit_gsi, &e);
	if (!(e & IOAPIC_MASKED) && !armed) {
		snprintf(why, whylen, "GSI %u is already in use (entry 0x%016llx)",
			 pit_gsi, (unsigned long long)e);
		return false;
	}
	return true;
}

static int ioapic_nmi_start(uint64_t rate_hz, char *err, size_t errlen)
{
	struct ioapic_route r = {
		.delivery = IOAPIC_DM_NMI,
		.vector = 0,
		.level = false,
		.dest = (uint8_t)apic_id(),
	};
	char why[160];

	if (!ioapic_nmi_probe(why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	r.active_low = pit_active_low;
	ioapic_get_entry(pit_gsi, &saved_entry);
	stopping = false;
	use_pic = pic_present() && (apic_read(APIC_LVT_LINT0) & APIC_LVT_MASKED);
	ioapic_nmi_source.late = use_pic ? NMI_LATE_LATCHED : NMI_LATE_TIMED;
	if (pit_periods_start(&pit, rate_hz, err, errlen) < 0)
		return -1;
	if (use_pic) {
		/* IRQ0 unmasked for the poll; edges of the ratio measurement
		 * and of the periods so far raised no NMI: clear them. */
		saved_imr = inb(PIC1_DATA);
		outb(PIC1_DATA, (uint8_t)(saved_imr & ~(1u << PIC_IRQ_PIT)));
		for (int i = 0; i < 8 && pic_edge_seen(); i++)
			;
	}
	armed = true;
	if (ioapic_set_route(pit_gsi, &r, err, errlen) < 0) {
		armed = false;
		pit_periods_stop(&pit);
		if (use_pic)
			outb(PIC1_DATA, saved_imr);
		return -1;
	}
	return 0;
}

static bool ioapic_nmi_handle(void)
{
	struct nmi_source *s = &ioapic_nmi_source;
	uint64_t total, events;

	if (!armed)
		return false;
	/* Once the entry is masked, count only up to the masking: later
	 * periods raise no NMI and are not in `raised`. */
	total = stopping ? pit_periods_at(&pit, masked_tsc) : pit_periods_read(&pit);
	if (use_pic) {
		events = total > s->handled ? total - s->handled : 0;
		if (pic_edge_seen())
			return nmi_claim(s, events, 1);
		/* Periods the count shows but whose edges QEMU has not
		 * raised yet: serviced now, their NMIs claimed when the
		 * edges show. */
		if (events)
			nmi_serviced(s, events);
		return nmi_claim_late(s);
	}
	if (total <= s->handled)
		return nmi_claim_late(s);
	/* At most one NMI per period: the credit is the periods serviced
	 * for which no NMI has come yet. */
	events = total - s->handled;
	return nmi_claim(s, events, total - (s->nmis + 1));
}

static void ioapic_nmi_stop(void)
{
	/* Let the NMIs of periods already elapsed arrive, then mask at once
	 * (pit_periods.h says what raised counts then). */
	uint64_t current = pit_periods_wait_serviced(&pit, &ioapic_nmi_source.handled,
						      CATCHUP_TIMEOUT_US);

	masked_tsc = rdtsc();
	ioapic_mask(pit_gsi, true);
	barrier();
	stopping = true;
	nmi_drain();
	armed = false;
	ioapic_nmi_source.raised = pit_periods_raised(&pit, ioapic_nmi_source.handled,
						     current, masked_tsc);
	pit_periods_stop(&pit);
	ioapic_set_entry(pit_gsi, saved_entry);
	if (use_pic)
		outb(PIC1_DATA, saved_imr);
}

static struct nmi_source ioapic_nmi_source = {
	.name = "ioapic",
	.probe = ioapic_nmi_probe,
	.start = ioapic_nmi_start,
	.stop = ioapic_nmi_stop,
	.handle = ioapic_nmi_handle,
	/* Without the 8259 (NMI_LATE_TIMED): QEMU's PIT edges run late by
	 * the main loop's scheduling. */
	.late_window_us = 20000,
};
NMI_SOURCE(ioapic_nmi_source);

uint32_t ioapic_nmi_gsi(void) { return pit_gsi; }
