#include "tests/faults.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/traps.h"

#define NONCANONICAL 0x8000000000000000ull

uint64_t fault_pf_address(void)
{
	return VM_TEST_BASE + 0x3000;	/* never mapped by any test */
}

/*
 * Each body: record the address of the faulting instruction (label 1) and
 * the one after it (label 2), put a pattern in the callee-saved registers
 * the trap path must restore, fault, compare. The extable sends the fault
 * to label 2 (for int3, a trap, the CPU itself reports label 2).
 */
#define FAULT_BODY(setup, insn, extable_at, ...)				\
	struct fault_result r = { .vector = -1 };				\
	uint64_t ok;								\
	fault_probe_begin();							\
	asm volatile(								\
		"leaq 1f(%%rip), %0\n\t"					\
		"leaq 2f(%%rip), %1\n\t"					\
		"movabsq $0x1122334455667788, %%rbx\n\t"			\
		"movabsq $0x2233445566778899, %%r12\n\t"			\
		"movabsq $0x33445566778899aa, %%r13\n\t"			\
		"movabsq $0x445566778899aabb, %%r14\n\t"			\
		"movabsq $0x5566778899aabbcc, %%r15\n\t"			\
		setup								\
		"1: " insn "\n"							\
		"2:\n\t"							\
		EXTABLE_ENTRY(extable_at, 2b)					\
		"xorl %k2, %k2\n\t"						\
		"movabsq $0x1122334455667788, %%rcx\n\t"			\
		"cmpq %%rcx, %%rbx\n\tjne 3f\n\t"				\
		"movabsq $0x2233445566778899, %%rcx\n\t"			\
		"cmpq %%rcx, %%r12\n\tjne 3f\n\t"				\
		"movabsq $0x33445566778899aa, %%rcx\n\t"			\
		"cmpq %%rcx, %%r13\n\tjne 3f\n\t"				\
		"movabsq $0x445566778899aabb, %%rcx\n\t"			\
		"cmpq %%rcx, %%r14\n\tjne 3f\n\t"				\
		"movabsq $0x5566778899aabbcc, %%rcx\n\t"			\
		"cmpq %%rcx, %%r15\n\tjne 3f\n\t"				\
		"movl $1, %k2\n"						\
		"3:\n\t"							\
		: "=&r"(r.insn_rip), "=&r"(r.next_rip), "=&d"(ok)		\
		: __VA_ARGS__							\
		: "rax", "rbx", "rcx", "r12", "r13", "r14", "r15", "memory");	\
	r.vector = fault_probe_end();						\
	r.error_code = this_cpu()->fault.error_code;				\
	r.reported_rip = this_cpu()->fault.rip;					\
	r.cr2 = this_cpu()->fault.cr2;						\
	r.regs_preserved = ok == 1;						\
	return r;

struct fault_result raise_de(void)
{
	/* divl by zero: #DE, a fault (RIP = the div). */
	FAULT_BODY("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\t", "divl %%ecx", 1b, "i"(0))
}

struct fault_result raise_ud(void)
{
	FAULT_BODY("", "ud2", 1b, "i"(0))
}

struct fault_result raise_gp(void)
{
	/* A non-canonical address: #GP(0), not #PF. */
	FAULT_BODY("movabsq %3, %%rax\n\t", "movq (%%rax), %%rax", 1b, "i"(NONCANONICAL))
}

struct fault_result raise_pf_read(uint64_t va)
{
	FAULT_BODY("movq %3, %%rax\n\t", "movq (%%rax), %%rax", 1b, "r"(va))
}

struct fault_result raise_pf_write(uint64_t va)
{
	FAULT_BODY("movq %3, %%rax\n\t", "movq %%rax, (%%rax)", 1b, "r"(va))
}

struct fault_result raise_bp(void)
{
	/* int3 is a trap: the CPU reports the RIP after it, label 2. */
	FAULT_BODY("", "int3", 2b, "i"(0))
}
