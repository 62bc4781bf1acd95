/*
 * tsc.h - TSC frequency detection and the time helpers built on it.
 *
 * tsc_init() picks the first source that works, in this order:
 *
 *  1. CPUID 0x15 with non-zero crystal (ECX), numerator (EBX) and
 *     denominator (EAX): architectural and exact, Intel Skylake and later
 *     (server parts and those from Ice Lake on report the crystal).
 *  2. Hypervisor leaf 0x40000010 EAX (TSC kHz), only if CPUID.1:ECX[31]
 *     says a hypervisor is present and 0x40000000.EAX >= 0x40000010: the
 *     rate the VMM actually gives the guest (VMware; QEMU/KVM with
 *     vmware-cpuid-freq=on).
 *  3. Calibration against the HPET (if hpet_phys is non-zero and valid).
 *  4. Calibration against the ACPI PM timer (FADT PM_TMR_BLK, when it
 *     counts; pmtimer.h): machines without an HPET, and PIT-less ones.
 *  5. Calibration against PIT channel 2 (when pit_present()).
 *  6. CPUID 0x16 EAX (base MHz). Last, because it is the nominal base
 *     frequency, which is not necessarily the TSC rate (and is rounded to
 *     1 MHz); a measurement beats it.
 *  7. None: assume TSC_FALLBACK_HZ (1 GHz), source TSC_SRC_NONE.
 *
 * Calibration runs TSC_CAL_WINDOWS windows of TSC_CAL_WINDOW_US each
 * with interrupts hard-disabled, takes the median and records the spread
 * (max - min over median, ppm). Every wait is bounded by a TSC count and
 * an iteration count, so a missing or stuck timer means "try the next
 * source", never a hang. A result outside TSC_PLAUSIBLE_MIN/MAX_HZ is
 * rejected the same way.
 */
#ifndef IRQLAB_ARCH_TSC_H
#define IRQLAB_ARCH_TSC_H

#include <stdbool.h>
#include <stdint.h>

enum tsc_source {
	TSC_SRC_NONE,
	TSC_SRC_CPUID_15H,
	TSC_SRC_CPUID_16H,
	TSC_SRC_HYPERVISOR,
	TSC_SRC_HPET,
	TSC_SRC_PIT,
	TSC_SRC_PMTIMER,
};

#define TSC_FALLBACK_HZ		1000000000ull	/* before tsc_init / no source */
#define TSC_PLAUSIBLE_MIN_HZ	50000000ull	/* 50 MHz */
#define TSC_PLAUSIBLE_MAX_HZ	20000000000ull	/* 20 GHz */
#define TSC_CAL_WINDOWS		5
#define TSC_CAL_WINDOW_US	10000		/* 10 ms */

/*
 * hpet_phys: HPET base from ACPI, 0 if none. A non-zero base not already
 * set up goes through hpet_init() (map_mmio: paging_init() first). Takes
 * about 50 ms when it has to calibrate, with IF cleared meanwhile and
 * restored after. May be called again; time_ns() restarts from 0.
 */
void tsc_init(uint64_t hpet_phys);

/* The frequency the time helpers use: never 0 (TSC_FALLBACK_HZ before
 * tsc_init or when no source worked; check tsc_freq_source()). */
uint64_t tsc_freq_hz(void);
enum tsc_source tsc_freq_source(void);
const char *tsc_source_name(enum tsc_source s);	/* "cpuid-15h", "hpet", "acpi-pm", ... */
uint64_t tsc_calibration_spread_ppm(void);	/* 0 when not calibrated */
unsigned tsc_calibration_windows(void);		/* windows used, 0 if none */
unsigned tsc_calibration_retries(void);		/* windows redone: an end read was interrupted */

bool tsc_invariant(void);		/* CPUID 0x80000007 EDX[8] */
bool tsc_deadline_supported(void);	/* CPUID.1:ECX[24] */

uint64_t tsc_to_ns(uint64_t cycles);
uint64_t ns_to_tsc(uint64_t ns);	/* saturates at UINT64_MAX */
uint64_t time_ns(void);			/* since tsc_init; 0 before it */
uint64_t time_ms(void);
/* Busy-wait at least us microseconds on the TSC (at the assumed 1 GHz
 * before tsc_init, so only approximately then). */
void udelay(uint64_t us);

#endif
