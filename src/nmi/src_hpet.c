/*
 * src_hpet.c - NMIs from an HPET comparator in periodic mode, delivered by
 * FSB: the comparator writes an MSI in NMI delivery mode (data 100b << 8,
 * vector 0) to 0xFEE00000 | own APIC ID << 12. QEMU gives comparators the
 * FSB capability only with -global hpet.msi=on; it then delivers by
 * writing the route register's data to its address (hw/timer/hpet.c,
 * update_irq), which the APIC decodes as an NMI.
 *
 * Which NMIs are ours. FSB delivery is an edge: the general interrupt
 * status register only tracks level-triggered comparators, so it says
 * nothing here. What the comparator itself shows is its next match: in
 * periodic mode it adds the period at every match (QEMU adds as many
 * periods as have passed, then raises one MSI). So
 *
 *	periods = (comparator - (first_match + handled * period)) / period
 *
 * are the matches signalled since the last serviced one: non-zero means
 * the comparator has fired since, so this NMI is (or includes) ours, and
 * all those periods are serviced now.
 *
 * Late NMIs. QEMU (7.2, hw/timer/hpet.c, hpet_timer) advances the
 * comparator past every elapsed match and sends one MSI in the same timer
 * callback, under the global lock that the vCPU's MMIO read of the
 * comparator also takes; the MSI write reaches apic_deliver_irq() and
 * cpu_interrupt() before the callback returns. So once the handler sees a
 * match, that match's NMI has been signalled: it went into this NMI or an
 * earlier one (collapsed while pending), or it is the one NMI the CPU
 * holds pending behind this one, delivered back-to-back after the iret.
 * Hence the late credit: one NMI, the next, if back-to-back
 * (NMI_LATE_LATCHED, nmi.h), with no clock. Several matches serviced at
 * once still leave one: the comparator sends one MSI per callback however
 * many periods it skips, and the CPU latches one NMI. Known gaps, each an
 * unknown NMI: QEMU's advance loop wants the counter strictly past the
 * comparator, so a callback that runs in the very tick of a match sends
 * its MSI with the comparator unchanged (and advances it, with a second
 * MSI, a tick later); on hardware the FSB write is posted and could reach
 * the APIC after the comparator read and after the iret. Claiming an NMI
 * whenever the counter has reached the comparator would close the first,
 * but under a loaded host QEMU's callbacks lag so far that the counter is
 * past the comparator in most NMIs, and every stray NMI was taken for the
 * HPET's (docs/nmi.md).
 *
 * Accounting at the source: raised = matches the comparator signalled
 * until it was disabled, read from where the disabled comparator stands;
 * handled = periods serviced by the handler (stop() says why not the
 * main counter).
 */
#include "nmi/nmi.h"
#include "nmi/sources.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/hpet.h"
#include "arch/msi.h"
#include "arch/tsc.h"
#include "arch/tsc_calc.h"
#include <stdio.h>

#define HPET_NMI_MAX_HZ		100000u
#define CATCHUP_TIMEOUT_US	200000	/* QEMU's main loop, starved on a loaded host */
#define START_TRIES		5	/* HPET_START_LATE: a preempted vCPU */

static struct nmi_source hpet_nmi_source;

static unsigned comparator;
static uint64_t period_ticks;
static uint64_t first_match;		/* main-counter value of the first match */
static volatile bool armed;
static bool counter_was_enabled;
/* The comparator as the handler last read it (NMI context only). */
static uint32_t last_read;

/* A comparator that can do both: the highest-numbered one, so the legacy
 * comparators 0 and 1 stay free (and legacy routing does not take it). */
static bool find_comparator(unsigned *n)
{
	for (unsigned i = hpet_num_comparators(); i-- > 0;) {
		if (hpet_legacy_route_enabled() && i < 2)
			break;
		if (hpet_comparator_fsb_capable(i) && hpet_comparator_periodic_capable(i)) {
			*n = i;
			return true;
		}
	}
	return false;
}

static bool hpet_nmi_probe(char *why, size_t whylen)
{
	unsigned n;

	if (!hpet_present()) {
		snprintf(why, whylen, "no HPET (no ACPI HPET table, or the block "
			 "did not answer)");
		return false;
	}
	if (!find_comparator(&n)) {
		comparator = 0;
		snprintf(why, whylen, "none of the %u HPET comparators can deliver "
			 "by FSB/MSI in periodic mode (Tn_FSB_INT_DEL_CAP or "
			 "Tn_PER_INT_CAP clear; QEMU: -global hpet.msi=on)",
			 hpet_num_comparators());
		return false;
	}
	if (apic_mode() == APIC_MODE_NONE) {
		snprintf(why, whylen, "no local APIC");
		return false;
	}
	comparator = n;
	if (apic_id() > MSI_MAX_DEST_ID) {
		snprintf(why, whylen, "an MSI addresses APIC IDs 0-255 only (without "
			 "interrupt remapping); this CPU is %u", apic_id());
		return false;
	}
	return true;
}

/* The next match the handler has not serviced yet. */
static uint64_t next_unserviced(void)
{
	return first_match + hpet_nmi_source.handled * period_ticks;
}

static int hpet_nmi_start(uint64_t rate_hz, char *err, size_t errlen)
{
	struct hpet_periodic p = { .fsb = true };
	char why[160];
	int r;

	if (!hpet_nmi_probe(why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (rate_hz == 0 || rate_hz > HPET_NMI_MAX_HZ) {
		snprintf(err, errlen, "rate %llu Hz is outside 1..%u Hz",
			 (unsigned long long)rate_hz, HPET_NMI_MAX_HZ);
		return -1;
	}
	p.n = comparator;
	p.period_ticks = mul_div_round_u64(FS_PER_SEC, 1, (uint64_t)hpet_period_fs() * rate_hz);
	p.msi_addr = msi_address((uint8_t)apic_id());
	p.msi_data = msi_data_nmi();
	period_ticks = p.period_ticks;

	counter_was_enabled = hpet_is_enabled();
	if (!counter_was_enabled)
		hpet_enable();
	/* Armed before the comparator is: its first match is at least
	 * HPET_PROGRAM_MARGIN_US away, and first_match is written before
	 * interrupts are enabled. */
	armed = true;
	for (int tries = 1; ; tries++) {
		r = hpet_comparator_start_periodic(&p, &first_match, err, errlen);
		if (r != HPET_START_LATE || tries == START_TRIES)
			break;
	}
	if (r < 0) {
		armed = false;
		if (!counter_was_enabled)
			hpet_disable();
		return -1;
	}
	/* NMIs of other sources may have read a comparator in the making
	 * meanwhile: at most one of them is taken for ours. */
	last_read = (uint32_t)first_match;
	return 0;
}

static bool hpet_nmi_handle(void)
{
	struct nmi_source *s = &hpet_nmi_source;
	uint32_t next, delta, periods;

	if (!armed)
		return false;
	next = hpet_comparator_read32(comparator);
	/* Ours if the comparator moved since the last look: each QEMU
	 * callback that moves it sends one MSI. That, not the periods still
	 * to service, says whose NMI this is: under a loaded host the count
	 * of serviced periods has been seen ahead of the comparator (up to 6
	 * periods, cause not found), and the MSIs that moved it back up
	 * would have found "nothing new". */
	if (next == last_read)
		return nmi_claim_late(s);
	last_read = next;
	/* 32-bit comparator: the difference is exact modulo 2^32. */
	delta = next - (uint32_t)next_unserviced();
	periods = delta == 0 || delta > 0x7fffffffu ? 0 : delta / period_ticks;
	return nmi_claim(s, periods, 1);
}

/* a at or after b on the main counter (32-bit counters wrap). */
static bool counter_reached(uint64_t a, uint64_t b)
{
	return ((a - b) & hpet_counter_mask()) <= hpet_counter_mask() >> 1;
}

static void hpet_nmi_stop(void)
{
	uint64_t end, now;

	/*
	 * Let the comparator catch up before disabling it: matches the main
	 * counter has passed but that QEMU's timer has not fired yet would
	 * never be signalled once the comparator is off. Wait (bounded)
	 * until every match up to now is serviced, then disable at once; if
	 * NMIs stopped arriving, the wait times out and the missing periods
	 * show as outstanding.
	 */
	end = rdtsc() + ns_to_tsc(CATCHUP_TIMEOUT_US * 1000ull);
	while (counter_reached(hpet_read_counter(), next_unserviced()) && rdtsc() < end)
		cpu_relax();

	now = hpet_read_counter();
	hpet_comparator_disable(comparator);
	nmi_drain();
	armed = false;
	/*
	 * Raised: the matches that were signalled, and only those. The
	 * disable stops the comparator at its first match that did not
	 * fire (periodic mode and the interrupt go off in one write); every
	 * step before it sent an MSI (hardware: at the match; QEMU: advance
	 * and MSI in one callback). Not the periods the main counter had
	 * passed: QEMU fires matches late, and a vCPU preempted between the
	 * wait above and the disable would count matches as raised that the
	 * disable kept from ever firing (3 in a 45 s nested torture under a
	 * doubly loaded host). The comparator is 32 bits: read as a
	 * difference from first_match it wraps after 2^32 ticks (43 s at
	 * QEMU's 100 MHz); it is within 2^31 ticks of the main counter, so
	 * it is widened around `now`.
	 */
	int32_t ahead = (int32_t)(hpet_comparator_read32(comparator) - (uint32_t)now);
	uint64_t cmp = now + (uint64_t)(int64_t)ahead;
	hpet_nmi_source.raised = counter_reached(cmp, first_match) ?
		((cmp - first_match) & hpet_counter_mask()) / period_ticks : 0;
	if (!counter_was_enabled)
		hpet_disable();
}

unsigned hpet_nmi_comparator(void) { return comparator; }

static struct nmi_source hpet_nmi_source = {
	.name = "hpet",
	.probe = hpet_nmi_probe,
	.start = hpet_nmi_start,
	.stop = hpet_nmi_stop,
	.handle = hpet_nmi_handle,
	.late = NMI_LATE_LATCHED,
};
NMI_SOURCE(hpet_nmi_source);
