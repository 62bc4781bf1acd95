#include "tests/crash.h"
#include "tests/faults.h"
#include "lib/panic.h"
#include <stdio.h>

void crash_on_purpose(enum crash_kind kind)
{
	printf("irqlab: crash=%d: raising an unhandled exception on purpose\n", kind);
	switch (kind) {
	case CRASH_DE:
		asm volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx" : : : "rax", "rcx", "rdx");
		break;
	case CRASH_UD:
		asm volatile("ud2");
		break;
	case CRASH_GP:
		asm volatile("movabsq $0x8000000000000000, %%rax\n\tmovq (%%rax), %%rax"
			     : : : "rax");
		break;
	case CRASH_PF:
		asm volatile("movq (%0), %%rax" : : "r"(fault_pf_address()) : "rax");
		break;
	case CRASH_BP:
		asm volatile("int3");
		break;
	case CRASH_NONE:
		break;
	}
	panic("crash=%d: the exception did not happen", kind);
}
