#include "lib/panic.h"
#include "lib/exit.h"
#include "lib/report.h"
#include "arch/cpu.h"
#include "arch/fpu.h"
#include "arch/traps.h"
#include "drivers/console.h"
#include <stdarg.h>
#include <stdio.h>

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	irq_hard_disable();
	fpu_save();	/* never restored: this path does not return */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("PANIC: %s\n", msg);
	/* Start at our caller: its RIP, and its RBP saved at [our RBP]. */
	print_stack_trace((uint64_t)(uintptr_t)__builtin_return_address(0),
			  *(uint64_t *)__builtin_frame_address(0));
	report(false, "panic: %s", msg);
	report_finish(EXIT_FATAL);
}

void panic_raw(const char *msg)
{
	irq_hard_disable();
	console_puts("PANIC: ");
	console_puts(msg);
	console_puts("\nFAIL: panic\nSUMMARY: 1 tests, 1 failures, 0 skipped\n");
	platform_exit(EXIT_FATAL);
}
