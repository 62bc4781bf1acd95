/*
 * src_ipi.c - NMIs sent by the CPU to itself: the APIC timer, periodic at
 * the requested rate, interrupts on IPI_TIMER_VECTOR, and its handler sends
 * an NMI IPI naming the own APIC ID in the destination field (the "self"
 * shorthand cannot carry NMI delivery, SDM vol. 3, 11.6.1).
 *
 * Handshake mode: a tick sends only when the previous NMI has been
 * handled (raised == handled); otherwise it counts a skipped tick. So at
 * most one IPI NMI is ever outstanding, and "raised == handled" at the end
 * means every NMI sent was serviced exactly once.
 *
 * Which NMIs are ours: raised > handled. `raised` goes up before the ICR
 * write, since the NMI can arrive at the instruction after it. If a foreign
 * NMI lands between the two, the handler services the IPI early and the
 * IPI's own NMI, still to come, finds nothing: it is claimed late, and only
 * while the tick handler is still in its send window (`sending`), which is
 * where that NMI interrupts. A stray NMI sent from anywhere else is never
 * taken for ours.
 *
 * The source owns the APIC timer and IPI_TIMER_VECTOR while it runs.
 */
#include "nmi/nmi.h"
#include "nmi/sources.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/traps.h"
#include <stdio.h>

#define IPI_TIMER_VECTOR	0x50
#define IPI_NMI_MAX_HZ		100000u
/* Below this initial count the timer's rate is too coarse a step. */
#define IPI_MIN_TIMER_COUNT	100u

static struct nmi_source ipi_nmi_source;

static uint32_t own_apic_id;
static volatile bool ticking;
static volatile bool sending;
static volatile uint64_t skipped;

static void ipi_tick(struct trap_frame *f)
{
	struct nmi_source *s = &ipi_nmi_source;

	(void)f;
	apic_eoi();
	if (!ticking)
		return;
	if (NMI_READ_ONCE(s->raised) != NMI_READ_ONCE(s->handled)) {
		skipped++;
		return;
	}
	sending = true;
	barrier();
	NMI_WRITE_ONCE(s->raised, s->raised + 1);
	barrier();
	apic_send_nmi(own_apic_id);
	/* The NMI is delivered a few cycles after the ICR write (at once
	 * under TCG, within the busy wait on hardware); the window stays
	 * open until the tick handler is done. */
	barrier();
	sending = false;
}

static bool ipi_nmi_probe(char *why, size_t whylen)
{
	if (apic_mode() == APIC_MODE_NONE) {
		snprintf(why, whylen, "no local APIC");
		return false;
	}
	if (apic_timer_hz() == 0) {
		snprintf(why, whylen, "the APIC timer is not calibrated");
		return false;
	}
	return true;
}

static int ipi_nmi_start(uint64_t rate_hz, char *err, size_t errlen)
{
	uint64_t count;
	char why[160];

	if (!ipi_nmi_probe(why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	count = rate_hz ? (apic_timer_hz() + rate_hz / 2) / rate_hz : 0;
	if (rate_hz == 0 || rate_hz > IPI_NMI_MAX_HZ || count < IPI_MIN_TIMER_COUNT ||
	    count > UINT32_MAX) {
		snprintf(err, errlen, "rate %llu Hz is outside what the APIC timer "
			 "(%llu Hz) can tick (1..%u Hz, count >= %u)",
			 (unsigned long long)rate_hz,
			 (unsigned long long)apic_timer_hz(), IPI_NMI_MAX_HZ,
			 IPI_MIN_TIMER_COUNT);
		return -1;
	}
	own_apic_id = apic_id();
	skipped = 0;
	sending = false;
	trap_set_handler(IPI_TIMER_VECTOR, ipi_tick);
	ticking = true;
	apic_timer_periodic(IPI_TIMER_VECTOR, (uint32_t)count);
	return 0;
}

static bool ipi_nmi_handle(void)
{
	struct nmi_source *s = &ipi_nmi_source;
	uint64_t raised = NMI_READ_ONCE(s->raised);

	if (raised > s->handled)
		return nmi_claim(s, raised - s->handled, sending ? 1 : 0);
	return sending && nmi_claim_late(s);
}

static void ipi_nmi_stop(void)
{
	uint64_t flags = read_rflags();

	irq_hard_disable();
	apic_timer_stop();
	ticking = false;
	if (flags & X86_EFLAGS_IF)
		irq_hard_enable();
	/* A tick already pending in IRR is delivered now and sees
	 * ticking == false; the last NMI sent arrives in the drain. */
	nmi_drain();
	trap_set_handler(IPI_TIMER_VECTOR, NULL);
}

uint64_t ipi_nmi_skipped_ticks(void) { return skipped; }

static struct nmi_source ipi_nmi_source = {
	.name = "ipi",
	.probe = ipi_nmi_probe,
	.start = ipi_nmi_start,
	.stop = ipi_nmi_stop,
	.handle = ipi_nmi_handle,
	/* Late only while the tick handler is in its send window. */
	.late = NMI_LATE_SOURCE,
};
NMI_SOURCE(ipi_nmi_source);
