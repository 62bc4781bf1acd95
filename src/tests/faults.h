/*
 * faults.h - one function per exception the tests raise on purpose. Each
 * loads known values into callee-saved registers, faults, and checks they
 * survived; `expected` says whether an extable entry catches the fault.
 */
#ifndef IRQLAB_TESTS_FAULTS_H
#define IRQLAB_TESTS_FAULTS_H
#include <stdbool.h>
#include <stdint.h>

struct fault_result {
	int vector;		/* -1: none */
	uint64_t error_code;
	uint64_t reported_rip;	/* what the CPU pushed */
	uint64_t insn_rip;	/* address of the faulting instruction */
	uint64_t next_rip;	/* address after it (traps report this) */
	uint64_t cr2;
	bool regs_preserved;	/* r12-r15 and rbx equal after the fault */
};

/* Address the #PF tests touch: an unmapped page of the test window. */
uint64_t fault_pf_address(void);

struct fault_result raise_de(void);
struct fault_result raise_ud(void);
struct fault_result raise_gp(void);
struct fault_result raise_pf_read(uint64_t va);
struct fault_result raise_pf_write(uint64_t va);
struct fault_result raise_bp(void);
#endif
