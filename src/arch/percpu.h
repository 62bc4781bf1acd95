/*
 * percpu.h - per-CPU data reached through the GS base.
 *
 * GS base points at the CPU's struct percpu, whose first field points at
 * itself, so `mov %gs:0, reg` yields a plain pointer. irqlab never runs
 * user code, so GS is never swapped and no swapgs is needed on entry.
 */
#ifndef IRQLAB_ARCH_PERCPU_H
#define IRQLAB_ARCH_PERCPU_H

#include <stdint.h>
#include <stdbool.h>

#define MAX_CPUS 64

/* What the fixup path recorded about the last expected fault. */
struct fault_capture {
	int vector;		/* -1: no fault since the probe began */
	uint64_t error_code;
	uint64_t rip;		/* the RIP the CPU reported */
	uint64_t cr2;		/* for #PF */
};

struct percpu {
	struct percpu *self;	/* must stay first: this_cpu() reads %gs:0 */
	unsigned cpu_index;
	uint32_t apic_id;
	struct fault_capture fault;
	bool fault_report;	/* print the full report for expected faults */
	unsigned fpu_depth;	/* nesting of fpu_save() */
	uint64_t nmi_count;
	uint64_t spurious_count;
	/* FXSAVE areas for the non-GPR-only code a trap path may call. */
	uint8_t fpu_area[2][512] __attribute__((aligned(16)));
};

void percpu_init_boot_cpu(void);

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
