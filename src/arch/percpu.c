#include "arch/percpu.h"
#include "arch/cpu.h"

static struct percpu cpus[MAX_CPUS] __attribute__((aligned(64)));

void percpu_init_boot_cpu(void)
{
	struct percpu *p = &cpus[0];

	p->self = p;
	p->cpu_index = 0;
	p->fault.vector = -1;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
}
