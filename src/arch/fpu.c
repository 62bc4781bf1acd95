#include "arch/fpu.h"
#include "arch/percpu.h"

void fpu_save(void)
{
	struct percpu *p = this_cpu();

	if (p->fpu_depth >= 2) {
		/* Cannot print here: printing is what needs the save. Stop the
		 * CPU; the watchdog/timeout of the runner reports it. */
		for (;;)
			asm volatile("cli; hlt");
	}
	asm volatile("fxsave64 %0" : "=m"(p->fpu_area[p->fpu_depth]));
	p->fpu_depth++;
}

void fpu_restore(void)
{
	struct percpu *p = this_cpu();

	p->fpu_depth--;
	asm volatile("fxrstor64 %0" : : "m"(p->fpu_area[p->fpu_depth]));
}
