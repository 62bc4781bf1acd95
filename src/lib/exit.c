#include "lib/exit.h"
#include "arch/cpu.h"
#include "drivers/console.h"
#include "drivers/qemu.h"

#ifdef IRQLAB_HOST_TEST
#include <stdlib.h>
void platform_exit(int code)
{
	exit(code);
}

void platform_exit_mode(int mode)
{
	(void)mode;
}
#else
static int exit_mode;

void platform_exit_mode(int mode)
{
	exit_mode = mode;
}

void platform_exit(int code)
{
	char line[] = "--- DONE: 0 ---\n";

	/* Exit codes are single digits (report.h); no printf on this path,
	 * it may run from a trap with vector state unsaved. */
	line[10] = (char)('0' + (code % 10));
	console_puts(line);
	irq_hard_disable();
	if (exit_mode == 1 || (exit_mode == 0 && qemu_detect()))
		qemu_debug_exit((unsigned)code);
	for (;;)
		halt();
}
#endif
