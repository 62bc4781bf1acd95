/*
 * pmtimer.c - ACPI PM timer access; see pmtimer.h.
 */
#include "arch/pmtimer.h"
#include "arch/cpu.h"
#include "platform.h"

/* At 3.58 MHz the count changes every 0.28 us; an I/O read takes about
 * 1 us on hardware. Thousands of reads without a change mean no timer
 * (an absent port reads all ones, forever). */
#define PRESENCE_POLLS	100000u

static uint16_t port;
static unsigned bits;
static bool present;
static const char *why = "not probed";

void pmtimer_init(void)
{
	uint32_t first;

	present = false;
	port = 0;
	bits = 0;
	if (!acpi_ok || !acpi.have_fadt) {
		why = "no ACPI FADT";
		return;
	}
	if (acpi.fadt_flags & ACPI_FADT_HW_REDUCED) {
		why = "hardware-reduced ACPI (no fixed hardware)";
		return;
	}
	if (!acpi.fadt_pm_tmr_port || acpi.fadt_pm_tmr_port > 0xffff) {
		why = "the FADT names no PM timer port";
		return;
	}
	port = (uint16_t)acpi.fadt_pm_tmr_port;
	bits = acpi.fadt_pm_tmr_bits;
	first = pmtimer_read();
	for (unsigned i = 0; i < PRESENCE_POLLS; i++)
		if (pmtimer_read() != first) {
			present = true;
			why = "";
			return;
		}
	why = "the FADT's PM timer port does not count";
}

bool pmtimer_present(void) { return present; }
uint16_t pmtimer_port(void) { return port; }
unsigned pmtimer_bits(void) { return bits; }
const char *pmtimer_absent_why(void) { return why; }

uint64_t pmtimer_mask(void)
{
	return bits == 32 ? 0xffffffffu : 0xffffffu;
}

uint32_t pmtimer_read(void)
{
	/* A 24-bit timer leaves bits 31:24 undefined. */
	return (uint32_t)(inl(port) & pmtimer_mask());
}
