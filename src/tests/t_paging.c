/*
 * Page-table helpers on the live tables: 4 KiB mappings in the test
 * window, unmap, remap to another frame, write protection, no-execute,
 * and splitting a 2 MiB identity page without disturbing its neighbours.
 * Every access that should fault is probed through the exception table.
 */
#include "tests/suites.h"
#include "tests/faults.h"
#include "arch/cpu.h"
#include "arch/desc.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/traps.h"
#include "lib/report.h"
#include "mem/palloc.h"

#define TEST_VA		(VM_TEST_BASE + 0x1000)
#define NX_VA		0x0000010000002000ull	/* VM_TEST_BASE + 0x2000 */

/* Executes a page's first byte (a ret) at NX_VA. If the fetch faults, the
 * extable entry for NX_VA continues at nx_landing, a ret that returns to
 * our caller exactly as the page's own ret would have. */
static __attribute__((noinline)) int call_test_page(void)
{
	fault_probe_begin();
	asm volatile("movabsq $0x0000010000002000, %%rax\n\t"
		     "call *%%rax\n\t"
		     "jmp 1f\n"
		     "nx_landing: ret\n"
		     "1:\n\t"
		     EXTABLE_ENTRY(0x0000010000002000, nx_landing)
		     : : : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	return fault_probe_end();
}

static void test_map_unmap_remap(void)
{
	uint64_t a = palloc_page(), b = palloc_page(), pa = 0, flags = 0;
	volatile uint64_t *p = (volatile uint64_t *)TEST_VA;
	unsigned level = 0;
	struct fault_result r;

	*(volatile uint64_t *)(uintptr_t)a = 0xaaaa;
	*(volatile uint64_t *)(uintptr_t)b = 0xbbbb;
	report(map_page(TEST_VA, a, PTE_W) == 0, "map a 4 KiB page in the test window");
	report(pt_translate(paging_kernel(), TEST_VA, &pa, &flags, &level) &&
	       pa == a && level == 1, "it translates to its frame at 4 KiB granularity");
	report(*p == 0xaaaa, "reads through the new mapping see the frame");

	report(unmap_page(TEST_VA) == 0, "unmap it");
	r = raise_pf_read(TEST_VA);
	report(r.vector == VEC_PF && r.cr2 == TEST_VA && !(r.error_code & 1),
	       "access after unmap is a not-present #PF at that address");

	/* Remap the same address to another frame: a stale TLB entry would
	 * still show 0xaaaa. */
	report(map_page(TEST_VA, a, PTE_W) == 0 && *p == 0xaaaa, "map again");
	report(map_page(TEST_VA, b, PTE_W) == 0 && *p == 0xbbbb,
	       "remap to another frame: reads see the new frame (invlpg done)");

	report(page_set_attrs(TEST_VA, 0, PTE_W) == 0, "clear the writable bit");
	r = raise_pf_write(TEST_VA);
	report(r.vector == VEC_PF && r.error_code == 0x3,
	       "write to a read-only page: #PF error 0x3 (present, write) (got 0x%llx)",
	       (unsigned long long)r.error_code);
	report(*p == 0xbbbb, "reads of the read-only page still work");
	report(page_set_attrs(TEST_VA, PTE_W, 0) == 0 && (*p = 0xcccc, *p == 0xcccc),
	       "writable again after setting W");

	unmap_page(TEST_VA);
	pfree_page(a);
	pfree_page(b);
}

static void test_nx(void)
{
	uint64_t code = palloc_page();
	int v;

	if (!(rdmsr(MSR_EFER) & EFER_NXE)) {
		report_skip("no-execute: the CPU has no NX bit");
		pfree_page(code);
		return;
	}
	*(volatile uint8_t *)(uintptr_t)code = 0xc3;	/* ret */
	map_page(NX_VA, code, 0);
	v = call_test_page();
	report(v == -1, "a page without NX executes (got vector %d)", v);
	page_set_attrs(NX_VA, PTE_NX, 0);
	v = call_test_page();
	report(v == VEC_PF && (this_cpu()->fault.error_code & 0x10),
	       "the same page with NX set: instruction-fetch #PF (vector %d)", v);
	unmap_page(NX_VA);
	pfree_page(code);
}

static void test_split(void)
{
	/* A page the allocator gave us lies in a 2 MiB identity page (from
	 * boot) unless an earlier test split it already. Unmap it alone. */
	uint64_t pg = palloc_page();
	uint64_t below = pg - PAGE_SIZE, above = pg + PAGE_SIZE;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)pg;
	unsigned level = 0;
	struct fault_result r;

	*p = 0x1234;
	report(unmap_page(pg) == 0, "unmap one 4 KiB page of the identity map");
	r = raise_pf_read(pg);
	report(r.vector == VEC_PF && r.cr2 == pg, "that page now faults");
	report(virt_to_phys(below, NULL) && virt_to_phys(above, NULL),
	       "its neighbours stay mapped");
	pt_translate(paging_kernel(), above, NULL, NULL, &level);
	report(level == 1, "the 2 MiB page around it was split into 4 KiB pages");
	report(map_page(pg, pg, PTE_W) == 0 && *p == 0x1234,
	       "identity-mapping it again restores its contents");
	pfree_page(pg);
}

static void test_paging(void)
{
	test_map_unmap_remap();
	test_nx();
	test_split();
}

SUITE(paging, test_paging, SUITE_DEFAULT);
