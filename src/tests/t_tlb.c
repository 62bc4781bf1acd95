/*
 * tlb: the TLB-miss table of seed 001 (Mathieu Desnoyers, 2010-08-15,
 * lines ~10845-10850: Xeon E5404, cycles over baseline: TLB and cache hit
 * 12.42; TLB hit, L2 hit, L1 miss 17.88; TLB hit, L1+L2 miss 32.34; TLB and
 * cache miss 449.58), measured the same way - one load between two fenced
 * TSC reads, minus the same bracket around nothing - with each case set
 * up explicitly instead of by thrashing a 1 GB array:
 *
 *   hit        the line was just loaded
 *   L1 miss    the line was loaded, then pushed out of L1 by 16 loads to
 *              the same L1 set in other pages (it stays in the larger L2)
 *   cache miss the line was flushed with clflush; its TLB entry is warm
 *   TLB+cache  the line and the page's paging-structure entries were
 *              flushed with clflush and the TLB entry dropped with invlpg:
 *              the page walk and the load both go to memory
 *
 * A figure, not a timed test (SUITE_OPTIONAL). Under TCG there are no
 * caches or TLB timings to see: the numbers mean something only on
 * hardware or KVM.
 */
#include "tests/suites.h"
#include "arch/cpu.h"
#include "arch/paging.h"
#include "bench/stats.h"
#include "lib/report.h"
#include "mem/palloc.h"
#include "record/record.h"
#include <stdio.h>

#define REPS		301
#define L1_EVICT_PAGES	16		/* > any L1D associativity */
#define TEST_VA		(VM_TEST_BASE + 0x40000)
#define LINE		64

enum tlb_case { C_BASE, C_HIT, C_L1MISS, C_CACHEMISS, C_TLBMISS, N_CASES };
static const char *const case_name[N_CASES] = {
	"baseline", "TLB and cache hit", "TLB hit, L1 miss (L2 hit)",
	"TLB hit, cache miss", "TLB and cache miss",
};
/* The seed's Xeon E5404 figures, cycles over baseline (x100). */
static const int seed_x100[N_CASES] = { 0, 1242, 1788, 3234, 44958 };

static volatile uint8_t *evict[L1_EVICT_PAGES];

static inline void clflush(volatile void *p)
{
	asm volatile("clflush (%0)" : : "r"(p) : "memory");
}

static inline void load(volatile uint8_t *p)
{
	asm volatile("movb (%0), %%al" : : "r"(p) : "rax", "memory");
}

/* One sample: prepare the case, then time a load (or nothing). */
static int64_t sample(enum tlb_case c, volatile uint8_t *page)
{
	volatile uint8_t *target = page + LINE * (unsigned)c;
	uint64_t t0, t1;

	load(page);			/* TLB entry for the page: warm */
	switch (c) {
	case C_BASE:
		break;
	case C_HIT:
		load(target);
		break;
	case C_L1MISS:
		load(target);
		for (unsigned i = 0; i < L1_EVICT_PAGES; i++)
			load(evict[i] + LINE * (unsigned)c);	/* same L1 set */
		break;
	case C_CACHEMISS:
		clflush(target);
		break;
	case C_TLBMISS:
		clflush(target);
		/* The walk's entries too, or it would hit in the cache. */
		for (unsigned l = 1; l <= 4; l++)
			clflush(pt_entry(paging_kernel(), TEST_VA, l));
		invlpg(TEST_VA);
		break;
	case N_CASES:
		break;
	}
	asm volatile("mfence" : : : "memory");	/* flushes and loads done */
	t0 = rdtsc_ordered();
	if (c != C_BASE)
		load(target);
	t1 = rdtsc_ordered();
	return (int64_t)(t1 - t0);
}

static void test_tlb(void)
{
	static int64_t s[N_CASES][REPS];
	uint64_t frame = palloc_page();
	volatile uint8_t *page = (volatile uint8_t *)TEST_VA;
	double median[N_CASES];

	if (!frame || map_page(TEST_VA, frame, PTE_W) != 0) {
		report(false, "map the test page");
		return;
	}
	for (unsigned i = 0; i < L1_EVICT_PAGES; i++)
		evict[i] = (volatile uint8_t *)(uintptr_t)palloc_page();
	if (!cpu_has_feature_1edx(19)) {
		report_skip("tlb: no clflush (CPUID.1:EDX[19])");
		return;
	}
	/* Interleave the cases so drift hits them all alike. */
	for (unsigned r = 0; r < REPS; r++)
		for (unsigned c = 0; c < N_CASES; c++)
			s[c][r] = sample((enum tlb_case)c, page);

	printf("tlb: cycles (TSC) per load over baseline, median of %u; "
	       "seed 001's Xeon E5404 beside it\n", REPS);
	for (unsigned c = 0; c < N_CASES; c++) {
		stats_sort(s[c], REPS);
		median[c] = stats_median(s[c], REPS);
	}
	for (unsigned c = 1; c < N_CASES; c++) {
		double over = median[c] - median[C_BASE];

		printf("  %-28s %8.1f   (p90 %lld)   E5404: %6.2f\n", case_name[c], over,
		       (long long)(stats_percentile(s[c], REPS, 90) - (int64_t)median[C_BASE]),
		       seed_x100[c] / 100.0);
		record_emitf(REC_BENCH, "{\"name\":\"tlb\",\"case\":\"%s\",\"reps\":%u,"
			     "\"timer\":\"tsc\",\"baseline_median\":%.1f,\"median_over_baseline\":%.1f,"
			     "\"p90_over_baseline\":%lld,\"seed_e5404\":%.2f}",
			     case_name[c], REPS, median[C_BASE], over,
			     (long long)(stats_percentile(s[c], REPS, 90) - (int64_t)median[C_BASE]),
			     seed_x100[c] / 100.0);
	}
	report(true, "TLB-miss table measured (%u samples per case)", REPS);
	unmap_page(TEST_VA);
	pfree_page(frame);
	for (unsigned i = 0; i < L1_EVICT_PAGES; i++)
		pfree_page((uint64_t)(uintptr_t)evict[i]);
}

SUITE(tlb, test_tlb, SUITE_OPTIONAL);
