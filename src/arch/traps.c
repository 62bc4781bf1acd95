/*
 * traps.c - where every exception and interrupt lands (from entry.S).
 *
 * Order of decisions for a vector:
 *   1. an exception on an instruction listed in the exception table is an
 *      expected fault: record it, continue at the fixup address;
 *   2. a handler installed with trap_set_handler() runs;
 *   3. the APIC's spurious vector is counted and ignored (no EOI: the
 *      SDM says a spurious interrupt is not in service);
 *   4. anything else is fatal: full report, the run fails.
 */
#include "arch/traps.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/fpu.h"
#include "arch/percpu.h"
#include "irqflags/irqflags.h"
#include "lib/report.h"
#include "lib/panic.h"
#include <stdio.h>

extern const struct extable_entry __extable_start[], __extable_end[];

static trap_handler_t handlers[256];
static volatile int fatal_depth;

volatile uint8_t nmi_iretless_active;
volatile uint64_t trap_iretless_returns;
volatile uint64_t trap_iretless_tf_fallbacks;

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "RSV15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "RSV22", "RSV23",
	"RSV24", "RSV25", "RSV26", "RSV27", "#HV", "#VC", "#SX", "RSV31",
};

static const char *const exc_long[32] = {
	[0] = "divide error", [1] = "debug", [2] = "non-maskable interrupt",
	[3] = "breakpoint", [4] = "overflow", [5] = "bound range",
	[6] = "invalid opcode", [7] = "device not available",
	[8] = "double fault", [10] = "invalid TSS",
	[11] = "segment not present", [12] = "stack fault",
	[13] = "general protection", [14] = "page fault",
	[16] = "x87 floating point", [17] = "alignment check",
	[18] = "machine check", [19] = "SIMD floating point",
	[20] = "virtualization", [21] = "control protection",
};

const char *trap_name(unsigned vector)
{
	if (vector < 32)
		return exc_names[vector];
	return vector == VEC_SPURIOUS ? "SPURIOUS" : "IRQ";
}

void trap_set_handler(unsigned vector, trap_handler_t h)
{
	handlers[vector & 0xff] = h;
}

trap_handler_t trap_get_handler(unsigned vector)
{
	return handlers[vector & 0xff];
}

void fault_probe_begin(void)
{
	this_cpu()->fault.vector = -1;
	barrier();
}

int fault_probe_end(void)
{
	barrier();
	return this_cpu()->fault.vector;
}

void fault_report_expected(bool on)
{
	this_cpu()->fault_report = on;
}

static const struct extable_entry *extable_find(uint64_t rip)
{
	const struct extable_entry *e;

	for (e = __extable_start; e < __extable_end; e++)
		if (e->insn == rip)
			return e;
	return NULL;
}

/* Stacks a frame pointer may legitimately point into. */
static bool on_known_stack(uint64_t p)
{
	extern char boot_stack[], boot_stack_top[];
	unsigned i;

	if (p >= (uintptr_t)boot_stack && p + 16 <= (uintptr_t)boot_stack_top)
		return true;
	for (i = 1; i <= IST_COUNT; i++)
		if (p >= ist_stack_base(i) && p + 16 <= ist_stack_top(i))
			return true;
	return false;
}

void print_stack_trace(uint64_t rip, uint64_t rbp)
{
	unsigned depth = 0;

	printf("  stack trace (addr2line -e build/irqlab.debug.elf):\n");
	printf("    #%u 0x%016llx\n", depth++, (unsigned long long)rip);
	/* Each frame: [rbp] = caller's rbp, [rbp+8] = return address. A
	 * zero rbp ends the chain (entry.S clears it before kmain). */
	while (rbp && depth < 32) {
		uint64_t *fp = (uint64_t *)(uintptr_t)rbp;

		if ((rbp & 7) || !on_known_stack(rbp)) {
			printf("    (frame pointer 0x%llx is not on a known stack; trace ends)\n",
			       (unsigned long long)rbp);
			break;
		}
		if (!fp[1])
			break;
		/* Return address - 1 lies inside the call instruction, which
		 * is what addr2line should name. */
		printf("    #%u 0x%016llx\n", depth++, (unsigned long long)(fp[1] - 1));
		if (fp[0] <= rbp)	/* stacks grow down: callers are higher */
			break;
		rbp = fp[0];
	}
}

static void print_error_code(const struct trap_frame *f)
{
	uint64_t e = f->error_code;

	printf("error code 0x%llx", (unsigned long long)e);
	if (f->vector == VEC_PF)
		printf(" [%s %s %s%s%s]", e & 1 ? "protection" : "not-present",
		       e & 2 ? "write" : "read", e & 4 ? "user" : "kernel",
		       e & 8 ? " reserved-bit" : "", e & 16 ? " fetch" : "");
	else if (e && (f->vector == VEC_GP || (f->vector >= 10 && f->vector <= 12)))
		printf(" [%s selector index %llu%s]", (e & 6) == 2 ? "IDT" :
		       (e & 4) ? "LDT" : "GDT", (unsigned long long)(e >> 3),
		       e & 1 ? ", external" : "");
}

static void print_trap_report(const struct trap_frame *f, uint64_t cr2,
			      const char *kind)
{
	unsigned v = f->vector;

	printf("%s: %s (vector %u)%s%s, ", kind, trap_name(v), v,
	       v < 32 && exc_long[v] ? " " : "", v < 32 && exc_long[v] ? exc_long[v] : "");
	print_error_code(f);
	printf("\n");
	printf("  RIP=%016llx CS=%04llx RFLAGS=%016llx\n",
	       (unsigned long long)f->rip, (unsigned long long)f->cs,
	       (unsigned long long)f->rflags);
	printf("  RSP=%016llx SS=%04llx\n",
	       (unsigned long long)f->rsp, (unsigned long long)f->ss);
	printf("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
	       (unsigned long long)f->rax, (unsigned long long)f->rbx,
	       (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	printf("  RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n",
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi,
	       (unsigned long long)f->rbp, (unsigned long long)f->r8);
	printf("  R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n",
	       (unsigned long long)f->r9, (unsigned long long)f->r10,
	       (unsigned long long)f->r11, (unsigned long long)f->r12);
	printf("  R13=%016llx R14=%016llx R15=%016llx\n",
	       (unsigned long long)f->r13, (unsigned long long)f->r14,
	       (unsigned long long)f->r15);
	printf("  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)cr2,
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	print_stack_trace(f->rip, f->rbp);
}

static bool try_fixup(struct trap_frame *f, uint64_t cr2)
{
	const struct extable_entry *e = extable_find(f->rip);
	struct percpu *p = this_cpu();

	if (!e)
		return false;
	p->fault.vector = (int)f->vector;
	p->fault.error_code = f->error_code;
	p->fault.rip = f->rip;
	p->fault.cr2 = cr2;
	if (p->fault_report) {
		fpu_save();
		print_trap_report(f, cr2, "EXPECTED EXCEPTION");
		fpu_restore();
	}
	f->rip = e->fixup;
	return true;
}

static void __attribute__((noreturn)) trap_fatal(struct trap_frame *f, uint64_t cr2)
{
	/* A fault while reporting a fault: say so in as few steps as
	 * possible and stop, rather than recurse. */
	if (fatal_depth++) {
		panic_raw("fault while reporting a fault");
	}
	fpu_save();	/* never restored: this path does not return */
	if (f->vector < 32)
		print_trap_report(f, cr2, "EXCEPTION");
	else
		print_trap_report(f, cr2, "UNEXPECTED INTERRUPT");
	report(false, "unexpected %s (vector %llu) at RIP 0x%llx", trap_name(f->vector),
	       (unsigned long long)f->vector, (unsigned long long)f->rip);
	report_finish(EXIT_FATAL);
}

void trap_unhandled(struct trap_frame *f)
{
	trap_fatal(f, f->vector == VEC_PF ? read_cr2() : 0);
}

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = f->vector;
	/* Read CR2 first: anything below might fault and overwrite it. */
	uint64_t cr2 = v == VEC_PF ? read_cr2() : 0;

	if (v < 32 && v != VEC_NMI && try_fixup(f, cr2))
		return;
	/* Soft-disabled: deferred, the enable replays it (irqflags.h). */
	if (irqflags_irq_entry(f))
		return;
	if (handlers[v]) {
		handlers[v](f);
		return;
	}
	if (v == VEC_SPURIOUS) {
		this_cpu()->spurious_count++;
		return;
	}
	if (v == VEC_NMI) {
		this_cpu()->nmi_count++;
		return;
	}
	trap_fatal(f, cr2);
}

/* ---- MSR probes ---- */

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	fault_probe_begin();
	asm volatile("1: rdmsr\n2:\n\t" EXTABLE_ENTRY(1b, 2b)
		     : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return fault_probe_end() < 0 ? 0 : fault_probe_end();
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	fault_probe_begin();
	asm volatile("1: wrmsr\n2:\n\t" EXTABLE_ENTRY(1b, 2b)
		     : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
	return fault_probe_end() < 0 ? 0 : fault_probe_end();
}
