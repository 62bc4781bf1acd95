/*
 * traps.h - exception and interrupt dispatch, the fatal-exception report,
 * and expected faults through an exception table.
 */
#ifndef IRQLAB_ARCH_TRAPS_H
#define IRQLAB_ARCH_TRAPS_H

#include <stdint.h>
#include <stdbool.h>

/* Laid out by trap_common in entry.S; keep the two in step. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

typedef void (*trap_handler_t)(struct trap_frame *f);

/* Install a C handler for a vector; NULL restores the default. */
void trap_set_handler(unsigned vector, trap_handler_t h);
/* The handler installed for a vector (NULL: the default). */
trap_handler_t trap_get_handler(unsigned vector);
void trap_dispatch(struct trap_frame *f);
/* The default for an exception nobody expected: the full report, FAIL,
 * exit code 3. For installed handlers that find a trap is not theirs. */
void trap_unhandled(struct trap_frame *f) __attribute__((noreturn));

/*
 * nmi=iretless (src/nmi/entry_iretless.S): set while that strategy's NMI
 * runs. The generic exception exit (entry.S) then returns with popf/ret
 * instead of iretq, so the CPU keeps NMIs blocked; with TF set in the
 * saved RFLAGS it still uses iretq. The counters say how often each exit
 * was taken.
 */
extern volatile uint8_t nmi_iretless_active;
extern volatile uint64_t trap_iretless_returns;
extern volatile uint64_t trap_iretless_tf_fallbacks;
const char *trap_name(unsigned vector);	/* "#PF", "IRQ", ... */

/*
 * Expected faults. An instruction that may fault is listed with the
 * address to continue at; the fault is recorded in this_cpu()->fault
 * instead of being fatal (Linux's extable, kvm-unit-tests' ASM_TRY).
 *
 *	fault_probe_begin();
 *	asm volatile("1: rdmsr\n2:\n" EXTABLE_ENTRY(1b, 2b) ...);
 *	vec = fault_probe_end();	 -1: no fault
 *
 * For traps (#BP, #OF) the CPU reports the RIP *after* the instruction,
 * so list that address: "int3\n1:\n" EXTABLE_ENTRY(1b, 1b).
 */
#define EXTABLE_ENTRY(insn, fixup)				\
	".pushsection .extable, \"a\"\n\t"			\
	".balign 8\n\t"						\
	".quad " #insn ", " #fixup "\n\t"			\
	".popsection\n\t"

struct extable_entry {
	uint64_t insn, fixup;
};

void fault_probe_begin(void);
int fault_probe_end(void);
/* Print the full exception report for expected faults too (tests of the
 * report itself); they are labelled EXPECTED and do not fail the run. */
void fault_report_expected(bool on);

/* Stack trace from a frame-pointer chain, printed through printf. */
void print_stack_trace(uint64_t rip, uint64_t rbp);

#endif
