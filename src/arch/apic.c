#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/paging.h"
#include "arch/tsc.h"
#include <stdio.h>

#define APIC_BASE_BSP		(1ull << 8)
#define APIC_BASE_X2APIC	(1ull << 10)
#define APIC_BASE_ENABLE	(1ull << 11)
#define APIC_BASE_ADDR		0x000ffffffffff000ull
#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_ICR		0x830

static enum apic_mode mode;
static volatile uint32_t *xapic_mmio;
static uint64_t base_phys;
static uint64_t timer_hz;

bool apic_x2apic_supported(void)
{
	return cpu_has_feature_1ecx(21);
}

enum apic_mode apic_mode(void) { return mode; }
uint64_t apic_base_phys(void) { return base_phys; }
uint64_t apic_timer_hz(void) { return timer_hz; }

const char *apic_mode_name(enum apic_mode m)
{
	switch (m) {
	case APIC_MODE_XAPIC: return "xAPIC";
	case APIC_MODE_X2APIC: return "x2APIC";
	default: return "none";
	}
}

uint32_t apic_read(unsigned reg)
{
	if (mode == APIC_MODE_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + (reg >> 4));
	return xapic_mmio[reg >> 2];
}

void apic_write(unsigned reg, uint32_t val)
{
	if (mode == APIC_MODE_X2APIC)
		wrmsr(MSR_X2APIC_FIRST + (reg >> 4), val);
	else
		xapic_mmio[reg >> 2] = val;
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	/* xAPIC keeps the 8-bit ID in bits 31:24; x2APIC uses all 32. */
	return mode == APIC_MODE_X2APIC ? id : id >> 24;
}

unsigned apic_max_lvt(void)
{
	return ((apic_read(APIC_VERSION) >> 16) & 0xff) + 1;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_mask_all_lvt(void)
{
	unsigned n = apic_max_lvt();

	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	/* n counts entries (max-LVT field + 1, SDM 11.5.1): timer, LINT0,
	 * LINT1 and error always; the performance-counter entry from 5,
	 * the thermal entry from 6. */
	if (n >= 6)
		apic_write(APIC_LVT_THERM, APIC_LVT_MASKED);
	if (n >= 5)
		apic_write(APIC_LVT_PMC, APIC_LVT_MASKED);
}

int apic_init(enum apic_request req, char *err, size_t errlen)
{
	uint64_t base;
	bool want_x2;

	if (!cpu_has_feature_1edx(9)) {
		snprintf(err, errlen, "CPU has no local APIC (CPUID.1:EDX[9] clear)");
		return -1;
	}
	if (req == APIC_REQ_X2APIC && !apic_x2apic_supported()) {
		snprintf(err, errlen, "apic=x2apic but this CPU has no x2APIC "
			 "(CPUID.1:ECX[21] clear); use apic=auto or apic=xapic");
		return -1;
	}
	want_x2 = req == APIC_REQ_X2APIC ||
		  (req == APIC_REQ_AUTO && apic_x2apic_supported());

	base = rdmsr(MSR_IA32_APIC_BASE);
	base_phys = base & APIC_BASE_ADDR;
	/* Leaving x2APIC mode must pass through "disabled" (SDM 11.12.5:
	 * x2APIC -> xAPIC directly raises #GP). */
	if ((base & APIC_BASE_X2APIC) && !want_x2) {
		wrmsr(MSR_IA32_APIC_BASE, base & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
		base &= ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	}
	base |= APIC_BASE_ENABLE;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (want_x2) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC);
		mode = APIC_MODE_X2APIC;
	} else {
		int r = map_mmio(base_phys, 4096);

		if (r) {
			snprintf(err, errlen, "cannot map the APIC at 0x%llx: %s",
				 (unsigned long long)base_phys, pt_strerror(r));
			return -1;
		}
		xapic_mmio = (volatile uint32_t *)(uintptr_t)base_phys;
		mode = APIC_MODE_XAPIC;
	}
	apic_mask_all_lvt();
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	/* ESR must be written before it is read (SDM 11.5.3). */
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	return 0;
}

void apic_send_ipi(uint32_t dest, uint32_t icr_lo)
{
	uint64_t flags = read_rflags();

	irq_hard_disable();
	if (mode == APIC_MODE_X2APIC) {
		/* One 64-bit MSR write: no window between the halves. */
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)dest << 32) | icr_lo);
	} else {
		apic_write(APIC_ICR_HI, dest << 24);
		apic_write(APIC_ICR_LO, icr_lo);
		/* Bounded wait for "send pending" to clear. */
		for (unsigned i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & APIC_ICR_BUSY); i++)
			cpu_relax();
	}
	if (flags & X86_EFLAGS_IF)
		irq_hard_enable();
}

void apic_send_nmi(uint32_t dest)
{
	apic_send_ipi(dest, APIC_DM_NMI | APIC_LEVEL_ASSERT);
}

void apic_self_nmi(void)
{
	apic_send_nmi(apic_id());
}

void apic_timer_stop(void)
{
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
	if (tsc_deadline_supported())
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
}

void apic_timer_calibrate(void)
{
	const uint64_t window_us = 10000;
	uint64_t t0, t1;
	uint32_t left;

	apic_write(APIC_TDCR, APIC_TIMER_DIV_1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_ONESHOT);
	t0 = rdtsc_ordered();
	apic_write(APIC_TMICT, 0xffffffffu);
	udelay(window_us);
	left = apic_read(APIC_TMCCT);
	t1 = rdtsc_ordered();
	apic_write(APIC_TMICT, 0);
	timer_hz = (uint64_t)(0xffffffffu - left) * 1000000000ull / tsc_to_ns(t1 - t0);
}

static void timer_start(uint8_t vector, uint32_t lvt_mode, uint32_t count)
{
	apic_write(APIC_TDCR, APIC_TIMER_DIV_1);
	apic_write(APIC_LVT_TIMER, lvt_mode | vector);
	apic_write(APIC_TMICT, count);
}

void apic_timer_periodic(uint8_t vector, uint32_t initial_count)
{
	timer_start(vector, APIC_TIMER_PERIODIC, initial_count);
}

void apic_timer_oneshot(uint8_t vector, uint32_t initial_count)
{
	timer_start(vector, APIC_TIMER_ONESHOT, initial_count);
}

bool apic_timer_tsc_deadline(uint8_t vector)
{
	if (!tsc_deadline_supported())
		return false;
	apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | vector);
	/* SDM 11.5.4.1: the mode switch must be visible before the first
	 * IA32_TSC_DEADLINE write; Linux uses mfence here. */
	asm volatile("mfence" : : : "memory");
	return true;
}

void apic_timer_set_deadline(uint64_t tsc)
{
	wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
}
