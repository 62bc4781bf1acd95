/*
 * Exceptions raised on purpose, caught through the exception table, with
 * the full report printed (the boot-test table also checks its text).
 * For each: the vector, the error code, the RIP the CPU reported (the
 * instruction for faults, the one after for the int3 trap), CR2 for #PF,
 * and that every register the entry path saves came back intact.
 */
#include "tests/suites.h"
#include "tests/faults.h"
#include "arch/desc.h"
#include "arch/traps.h"
#include "lib/report.h"

static void check(const char *name, struct fault_result r, int vector,
		  uint64_t error_code, bool trap)
{
	report(r.vector == vector, "%s raises vector %d (got %d)", name, vector, r.vector);
	report(r.error_code == error_code, "%s error code 0x%llx (got 0x%llx)", name,
	       (unsigned long long)error_code, (unsigned long long)r.error_code);
	report(r.reported_rip == (trap ? r.next_rip : r.insn_rip),
	       "%s reports RIP of the %s (0x%llx)", name,
	       trap ? "next instruction" : "faulting instruction",
	       (unsigned long long)r.reported_rip);
	report(r.regs_preserved, "%s: rbx, r12-r15 preserved across the exception", name);
}

static void test_exceptions(void)
{
	uint64_t va = fault_pf_address();
	struct fault_result r;

	fault_report_expected(true);
	check("#DE", raise_de(), VEC_DE, 0, false);
	check("#UD", raise_ud(), VEC_UD, 0, false);
	check("#GP", raise_gp(), VEC_GP, 0, false);

	r = raise_pf_read(va);
	/* Error code bits: P=0 (not present), W/R=0 (read), U/S=0. */
	check("#PF read", r, VEC_PF, 0x0, false);
	report(r.cr2 == va, "#PF read: CR2 = 0x%llx (got 0x%llx)",
	       (unsigned long long)va, (unsigned long long)r.cr2);
	r = raise_pf_write(va + 8);
	check("#PF write", r, VEC_PF, 0x2, false);
	report(r.cr2 == va + 8, "#PF write: CR2 = 0x%llx (got 0x%llx)",
	       (unsigned long long)(va + 8), (unsigned long long)r.cr2);

	check("#BP", raise_bp(), VEC_BP, 0, true);
	fault_report_expected(false);

	/* A probe with nothing to catch records nothing. */
	fault_probe_begin();
	asm volatile("nop");
	report(fault_probe_end() == -1, "no fault recorded when none happened");
}

SUITE(exceptions, test_exceptions, SUITE_DEFAULT);
