/*
 * test_pagetable.c - host tests of the 4-level page table code
 * (src/arch/pagetable.c) on simulated physical memory: 256 pages of host
 * memory that the tables see at physical 0x100000. alloc() hands out
 * zeroed pages and can be told to fail; p2v() checks every table address
 * it is given lies inside the simulated memory and is page-aligned.
 *
 * The preset mappings are deliberately not identity (va != pa) so that a
 * va/pa mix-up shows, and carry distinct attribute bits so that a split
 * losing or inventing one shows.
 */
// uses: src/arch/pagetable.c
#include <stdint.h>
#include <stdlib.h>

#include "tests/unit/check.h"
#include "arch/pagetable.h"

#define N_PAGES		256
#define PHYS_BASE	0x100000ull
#define PHYS_END	(PHYS_BASE + N_PAGES * PAGE_SIZE)

/* PAT bit: bit 7 in a 4 KiB PTE (where PS is in a PDE), bit 12 in a
 * 2 MiB / 1 GiB entry (SDM vol. 3A, tables 4-15, 4-17, 4-19). */
#define PTE_PAT_4K	(1ull << 7)
#define PTE_PAT_LARGE	(1ull << 12)

static uint8_t *sim;			/* N_PAGES * 4096, 4096-aligned */
static unsigned next_page;		/* pages handed out */
static unsigned alloc_budget;		/* allocations left before failing */
static unsigned n_allocs, n_failed_allocs, n_bad_p2v;
static uint8_t scratch[4096] __attribute__((aligned(4096)));

static void *p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	if (phys < PHYS_BASE || phys >= PHYS_END || (phys & (PAGE_SIZE - 1))) {
		n_bad_p2v++;
		printf("      p2v(0x%llx): outside the simulated memory\n",
		       (unsigned long long)phys);
		memset(scratch, 0, sizeof(scratch));
		return scratch;
	}
	return sim + (phys - PHYS_BASE);
}

static uint64_t alloc(void *ctx)
{
	uint64_t phys;

	(void)ctx;
	if (!alloc_budget || next_page == N_PAGES) {
		n_failed_allocs++;
		return 0;
	}
	alloc_budget--;
	n_allocs++;
	phys = PHYS_BASE + next_page++ * PAGE_SIZE;
	memset(sim + (phys - PHYS_BASE), 0, PAGE_SIZE);
	return phys;
}

static struct pt_ctx pt = { .p2v = p2v, .alloc = alloc };

static uint64_t *tbl(uint64_t phys)
{
	return (uint64_t *)p2v(NULL, phys & PTE_ADDR);
}

#define IDX(va, l)	(((va) >> (12 + 9 * ((l) - 1))) & 511)

/* Preset large pages. PML4[0] -> PDPT; PDPT[0] -> PD with two 2 MiB pages,
 * PDPT[1] and PDPT[2] are 1 GiB pages. */
#define VA_2M		0x00200000ull			/* PD[1] */
#define PA_2M		0x12400000ull
#define F_2M		(PTE_P | PTE_W | PTE_PWT | PTE_A | PTE_D | PTE_NX)
#define VA_2M_B		0x00400000ull			/* PD[2] */
#define PA_2M_B		0x0aa00000ull
#define F_2M_B		(PTE_P | PTE_U | PTE_G | PTE_A)
#define VA_1G		0x40000000ull			/* PDPT[1] */
#define PA_1G		0x1c0000000ull
#define F_1G		(PTE_P | PTE_U | PTE_PCD | PTE_G | PTE_A)
#define VA_1G_B		0x80000000ull			/* PDPT[2] */
#define PA_1G_B		0x3c0000000ull
#define F_1G_B		(PTE_P | PTE_W | PTE_NX | PTE_D | PTE_A)

static uint64_t pdpt_phys, pd_phys;

/* Attribute bits compared across a split: everything but PS (which a
 * 4 KiB PTE must not carry) and the address. */
#define CMP_BITS	(PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D | \
			 PTE_G | PTE_NX)

static void setup(void)
{
	next_page = 0;
	alloc_budget = N_PAGES;
	n_allocs = n_failed_allocs = 0;
	pt.root = alloc(NULL);
	pdpt_phys = alloc(NULL);
	pd_phys = alloc(NULL);
	tbl(pt.root)[0] = pdpt_phys | PTE_P | PTE_W | PTE_U;
	tbl(pdpt_phys)[0] = pd_phys | PTE_P | PTE_W | PTE_U;
	tbl(pdpt_phys)[1] = PA_1G | F_1G | PTE_PS;
	tbl(pdpt_phys)[2] = PA_1G_B | F_1G_B | PTE_PS;
	tbl(pd_phys)[1] = PA_2M | F_2M | PTE_PS;
	tbl(pd_phys)[2] = PA_2M_B | F_2M_B | PTE_PS;
	n_allocs = 0;
}

/* translate() that must succeed with exactly (pa, flags & mask, level). */
static bool tr_is(uint64_t va, uint64_t want_pa, uint64_t want_flags, uint64_t mask,
		  unsigned want_level)
{
	uint64_t pa = 0, fl = 0;
	unsigned lv = 0;

	if (!pt_translate(&pt, va, &pa, &fl, &lv)) {
		printf("      va 0x%llx: not mapped\n", (unsigned long long)va);
		return false;
	}
	if (pa != want_pa || (fl & mask) != (want_flags & mask) || lv != want_level) {
		printf("      va 0x%llx: pa 0x%llx flags 0x%llx level %u; want pa 0x%llx "
		       "flags 0x%llx level %u (mask 0x%llx)\n", (unsigned long long)va,
		       (unsigned long long)pa, (unsigned long long)fl, lv,
		       (unsigned long long)want_pa, (unsigned long long)want_flags,
		       want_level, (unsigned long long)mask);
		return false;
	}
	return true;
}

static bool unmapped(uint64_t va)
{
	return !pt_translate(&pt, va, NULL, NULL, NULL);
}

static void test_canonical(void)
{
	check_set_prefix("canonical");
	CHECK(pt_canonical(0), "0");
	CHECK(pt_canonical(0x00007fffffffffffull), "0x00007fffffffffff (top of lower half)");
	CHECK(!pt_canonical(0x0000800000000000ull), "0x0000800000000000 (bit 47 unextended)");
	CHECK(!pt_canonical(0xffff7fffffffffffull), "0xffff7fffffffffff (hole, top)");
	CHECK(pt_canonical(0xffff800000000000ull), "0xffff800000000000 (bottom of upper half)");
	CHECK(pt_canonical(0xffffffffffffffffull), "all ones");
	CHECK(!pt_canonical(0x8000000000000000ull), "bit 63 alone");
	CHECK(!pt_canonical(0x0001000000000000ull), "bit 48 alone");
	CHECK(!pt_canonical(0x7fffffffffffffffull), "all but bit 63");
	CHECK(!pt_canonical(0xfffe800000000000ull), "upper half with bit 48 clear");
}

static void test_presets(void)
{
	check_set_prefix("presets");
	setup();
	CHECK(tr_is(VA_2M, PA_2M, F_2M | PTE_PS, ~0ull, 2), "2 MiB page, level 2, flags incl. PS");
	CHECK(tr_is(VA_2M + 0x1fffff, PA_2M + 0x1fffff, F_2M | PTE_PS, ~0ull, 2),
	      "last byte of the 2 MiB page");
	CHECK(tr_is(VA_1G + 0x12345678, PA_1G + 0x12345678, F_1G | PTE_PS, ~0ull, 3),
	      "1 GiB page, level 3, offset kept");
	CHECK(unmapped(VA_2M - 1), "byte below the 2 MiB page unmapped");
	CHECK(unmapped(0), "address 0 unmapped (PD[0] empty)");
	CHECK(unmapped(0xc0000000ull), "PDPT[3] empty");
	CHECK(unmapped(0x0000008000000000ull), "PML4[1] empty");
	/* NULL out-pointers are allowed. */
	CHECK(pt_translate(&pt, VA_2M, NULL, NULL, NULL), "translate with NULL outputs");

	/* A PAT bit (12) in a large page is not part of the frame address. */
	tbl(pd_phys)[3] = 0x0c000000ull | PTE_PAT_LARGE | PTE_P | PTE_PS;
	CHECK(tr_is(0x600000 + 0x234, 0x0c000234, PTE_P | PTE_PS, ~0ull, 2),
	      "PAT bit 12 of a 2 MiB page not in the address");
	tbl(pd_phys)[3] = 0;
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

static void test_map(void)
{
	uint64_t va = 0xffff800001234000ull, pa = 0x5678000, pa2;
	uint64_t *e4, *e1;

	check_set_prefix("map");
	setup();
	CHECK(unmapped(va), "high-half va unmapped first");
	CHECK_EQ_U64(pt_map(&pt, va, pa, PTE_W | PTE_NX), PT_OK, "map in an empty PML4 slot");
	CHECK_EQ_U64(n_allocs, 3, "PDPT, PD and PT allocated");
	CHECK(tr_is(va, pa, PTE_P | PTE_W | PTE_NX, ~0ull, 1), "translates, level 1");
	CHECK(tr_is(va + 0xfff, pa + 0xfff, PTE_P | PTE_W | PTE_NX, ~0ull, 1),
	      "last byte of the page");
	CHECK(unmapped(va + PAGE_SIZE), "next page still unmapped");
	CHECK(unmapped(va - PAGE_SIZE), "previous page still unmapped");

	/* The tables are where the index bits say: PML4[256] PDPT[0] PD[9]
	 * PT[0x34] for 0xffff800001234000. */
	e4 = &tbl(pt.root)[256];
	CHECK(*e4 & PTE_P, "PML4[256] present");
	CHECK((*e4 & (PTE_P | PTE_W)) == (PTE_P | PTE_W) && !(*e4 & PTE_PS),
	      "intermediate entries are P|W tables");
	e1 = &tbl(tbl(tbl(*e4)[0])[9])[0x34];
	CHECK_EQ_U64(*e1, pa | PTE_P | PTE_W | PTE_NX, "PTE at PT[0x34] holds pa|P|W|NX");
	CHECK(pt_entry(&pt, va, 1) == e1, "pt_entry(level 1) is that slot");
	CHECK(pt_entry(&pt, va, 4) == e4, "pt_entry(level 4) is PML4[256]");

	/* A neighbour in the same PT allocates nothing. */
	n_allocs = 0;
	CHECK_EQ_U64(pt_map(&pt, va + PAGE_SIZE, 0x9000, 0), PT_OK, "map the next page");
	CHECK_EQ_U64(n_allocs, 0, "no new table for a neighbour");
	CHECK(tr_is(va + PAGE_SIZE, 0x9000, PTE_P, ~0ull, 1), "read-only, executable page");
	CHECK(tr_is(va, pa, PTE_P | PTE_W | PTE_NX, ~0ull, 1), "first page unchanged");

	/* Remapping replaces the PTE wholesale. */
	pa2 = 0xabc000;
	CHECK_EQ_U64(pt_map(&pt, va, pa2, PTE_U), PT_OK, "remap");
	CHECK_EQ_U64(n_allocs, 0, "remap allocates nothing");
	CHECK(tr_is(va, pa2, PTE_P | PTE_U, ~0ull, 1), "remapped: new pa, only U");

	/* Flags outside PTE_ATTRS are not stored: no PS (= PAT in a PTE), no
	 * address bits, no A/D; P is always set. */
	CHECK_EQ_U64(pt_map(&pt, va, pa, PTE_W | PTE_PS | PTE_A | PTE_D | 0x000ffffffffff000ull),
		     PT_OK, "map with stray flag bits");
	CHECK_EQ_U64(*pt_entry(&pt, va, 1), pa | PTE_P | PTE_W,
		     "stray bits dropped, address intact");
	CHECK_EQ_U64(pt_map(&pt, va, pa, PTE_ATTRS), PT_OK, "map with every attribute");
	CHECK_EQ_U64(*pt_entry(&pt, va, 1), pa | PTE_P | PTE_ATTRS, "every attribute kept");

	/* Index edges: the very top page, the top of the lower half, page 0. */
	CHECK_EQ_U64(pt_map(&pt, 0xfffffffffffff000ull, 0x7000, PTE_W), PT_OK, "map top page");
	CHECK(tr_is(0xffffffffffffffffull, 0x7fff, PTE_P | PTE_W, ~0ull, 1),
	      "top page: PML4[511] PDPT[511] PD[511] PT[511]");
	CHECK_EQ_U64(pt_map(&pt, 0x00007ffffffff000ull, 0x8000, 0), PT_OK,
		     "map top of lower half");
	CHECK(tr_is(0x00007fffffffffffull, 0x8fff, PTE_P, ~0ull, 1), "PML4[255] ... PT[511]");
	CHECK_EQ_U64(pt_map(&pt, 0, 0x1000, 0), PT_OK, "map page 0 (PD[0] missing)");
	CHECK(tr_is(0x10, 0x1010, PTE_P, ~0ull, 1), "page 0");
	CHECK(tr_is(VA_2M, PA_2M, F_2M | PTE_PS, ~0ull, 2), "neighbouring 2 MiB page intact");
	/* A large physical address (bit 51). */
	CHECK_EQ_U64(pt_map(&pt, 0x1000, 0x000ffffffffff000ull, 0), PT_OK, "map pa 2^52 - 4K");
	CHECK(tr_is(0x1abc, 0x000ffffffffffabcull, PTE_P, ~0ull, 1), "52-bit pa kept");

	/* Errors. */
	n_allocs = 0;
	CHECK_EQ_U64(pt_map(&pt, va + 0x800, pa, 0), PT_UNALIGNED, "unaligned va");
	CHECK_EQ_U64(pt_map(&pt, va, pa + 8, 0), PT_UNALIGNED, "unaligned pa");
	CHECK_EQ_U64(pt_map(&pt, 0x0000800000000000ull, pa, 0), PT_NONCANONICAL,
		     "map at 0x0000800000000000");
	CHECK_EQ_U64(pt_map(&pt, 0xffff7ffffffff000ull, pa, 0), PT_NONCANONICAL,
		     "map at 0xffff7ffffffff000");
	CHECK_EQ_U64(n_allocs, 0, "rejected maps allocate nothing");
	CHECK(tr_is(va, pa, PTE_P | PTE_ATTRS, ~0ull, 1), "rejected maps changed nothing");
	/* 0x0000800000000000 would alias PML4[256] if bit 47 were all that
	 * counted: it must not have been written there. */
	CHECK(unmapped(0xffff800000000000ull), "no alias written for the non-canonical va");
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

/* Every 4 KiB page of [va, va + 2 MiB) except `skip` translates to
 * pa + i * 4K, level 1, with attribute bits `f` and no PS. */
static bool all_4k(uint64_t va, uint64_t pa, uint64_t f, unsigned skip)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < 512; i++) {
		uint64_t got_pa, got_f;
		unsigned lv;

		if (i == skip)
			continue;
		if (!pt_translate(&pt, va + i * PAGE_SIZE + 0x7b8, &got_pa, &got_f, &lv) ||
		    got_pa != pa + i * PAGE_SIZE + 0x7b8 || lv != 1 ||
		    (got_f & CMP_BITS) != (f & CMP_BITS) || (got_f & PTE_PS)) {
			if (bad++ < 3)
				printf("      page %u: pa 0x%llx flags 0x%llx level %u\n", i,
				       (unsigned long long)got_pa,
				       (unsigned long long)got_f, lv);
		}
	}
	return bad == 0;
}

static void test_split_2m(void)
{
	uint64_t va = VA_2M + 5 * PAGE_SIZE, *pde;
	static const unsigned probe[] = { 0, 1, 4, 6, 255, 256, 510, 511 };

	check_set_prefix("split 2M");
	setup();
	CHECK_EQ_U64(pt_map(&pt, va, 0x9999000, PTE_W), PT_OK, "map page 5 inside a 2 MiB page");
	CHECK_EQ_U64(n_allocs, 1, "one page table allocated");
	CHECK(tr_is(va + 0x10, 0x9999010, PTE_P | PTE_W, ~0ull, 1), "page 5: new mapping");
	for (unsigned i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		uint64_t off = probe[i] * PAGE_SIZE + 0x123;

		CHECK(tr_is(VA_2M + off, PA_2M + off, F_2M, CMP_BITS | PTE_PS, 1),
		      "page %u: same pa, same attributes, 4 KiB", probe[i]);
	}
	CHECK(all_4k(VA_2M, PA_2M, F_2M, 5), "all 511 other pages: same pa and attributes");
	pde = pt_entry(&pt, VA_2M, 2);
	CHECK(pde && !(*pde & PTE_PS) && (*pde & PTE_P) && (*pde & PTE_W),
	      "PDE now a present, writable table");
	CHECK(pde && !(*pde & PTE_NX), "PDE does not restrict (no NX on the table)");
	CHECK(pde && (*pde & PTE_ADDR) >= PHYS_BASE && (*pde & PTE_ADDR) < PHYS_END,
	      "PDE points into the simulated memory");
	CHECK(tr_is(VA_2M_B, PA_2M_B, F_2M_B | PTE_PS, ~0ull, 2), "next 2 MiB page not split");
	CHECK(unmapped(VA_2M - PAGE_SIZE), "page below still unmapped");

	/* A second map in the split range reuses the table. */
	n_allocs = 0;
	CHECK_EQ_U64(pt_map(&pt, VA_2M, 0x1000, 0), PT_OK, "map page 0 of the split range");
	CHECK_EQ_U64(n_allocs, 0, "no second split");
	CHECK(tr_is(VA_2M + PAGE_SIZE, PA_2M + PAGE_SIZE, F_2M, CMP_BITS, 1), "page 1 intact");

	/* The user bit of a user 2 MiB page survives on the PDE, so the
	 * leaves' U is not masked by the table above them. */
	CHECK_EQ_U64(pt_map(&pt, VA_2M_B + 511 * PAGE_SIZE, 0x2000, PTE_U), PT_OK,
		     "map the last page of the user 2 MiB page");
	pde = pt_entry(&pt, VA_2M_B, 2);
	CHECK(pde && (*pde & PTE_U), "PDE of a split user page keeps U");
	CHECK(all_4k(VA_2M_B, PA_2M_B, F_2M_B, 511), "user page: 511 others intact (G, U kept)");
	CHECK(tr_is(VA_2M_B + 511 * PAGE_SIZE, 0x2000, PTE_P | PTE_U, ~0ull, 1),
	      "last page: new mapping");

	/* Memory type: a PAT bit set on the 2 MiB page (bit 12) must reappear
	 * as bit 7 of each 4 KiB PTE, or the split changes caching. */
	tbl(pd_phys)[3] = 0x0c000000ull | PTE_PAT_LARGE | PTE_PCD | PTE_P | PTE_W | PTE_PS;
	CHECK_EQ_U64(pt_map(&pt, 0x600000, 0x3000, PTE_W), PT_OK, "split a 2 MiB page with PAT");
	{
		uint64_t *pte = pt_entry(&pt, 0x601000, 1);

		CHECK(pte && (*pte & PTE_ADDR) == 0x0c001000, "PAT page: frame of page 1");
		if (!CHECK(pte && (*pte & PTE_PAT_4K), "PAT page: 4 KiB PTE keeps PAT (bit 7)"))
			printf("      PTE 0x%llx\n", pte ? (unsigned long long)*pte : 0ull);
	}
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

static void test_split_1g(void)
{
	uint64_t va = VA_1G + 3 * LARGE_2M + 7 * PAGE_SIZE, *pdpte;
	static const unsigned probe[] = { 0, 1, 2, 4, 255, 510, 511 };
	unsigned bad = 0;

	check_set_prefix("split 1G");
	setup();
	CHECK_EQ_U64(pt_map(&pt, va, 0x4444000, PTE_W | PTE_NX), PT_OK,
		     "map a page inside a 1 GiB page");
	CHECK_EQ_U64(n_allocs, 2, "a PD (1G split) and a PT (2M split)");
	CHECK(tr_is(va, 0x4444000, PTE_P | PTE_W | PTE_NX, ~0ull, 1), "new mapping");
	for (unsigned i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		uint64_t off = probe[i] * LARGE_2M + 0x54321;

		CHECK(tr_is(VA_1G + off, PA_1G + off, F_1G | PTE_PS, CMP_BITS | PTE_PS, 2),
		      "2 MiB slice %u: same pa and attributes, level 2", probe[i]);
	}
	for (unsigned i = 0; i < 512; i++) {
		uint64_t off = i * LARGE_2M;

		if (i != 3 && !tr_is(VA_1G + off, PA_1G + off, F_1G | PTE_PS,
				     CMP_BITS | PTE_PS, 2))
			bad++;
	}
	CHECK_EQ_U64(bad, 0, "all 511 other 2 MiB slices intact");
	CHECK(all_4k(VA_1G + 3 * LARGE_2M, PA_1G + 3 * LARGE_2M, F_1G, 7),
	      "slice 3: the 511 other 4 KiB pages intact");
	pdpte = pt_entry(&pt, VA_1G, 3);
	CHECK(pdpte && !(*pdpte & PTE_PS) && (*pdpte & PTE_U),
	      "PDPTE is a table now and keeps U");
	CHECK(tr_is(VA_1G_B + 0x1000, PA_1G_B + 0x1000, F_1G_B | PTE_PS, ~0ull, 3),
	      "the other 1 GiB page untouched");
	CHECK(tr_is(VA_2M, PA_2M, F_2M | PTE_PS, ~0ull, 2), "the 2 MiB pages untouched");

	/* 1 GiB -> 2 MiB keeps a PAT bit 12 in each 2 MiB entry. */
	tbl(pdpt_phys)[3] = 0x40000000ull | PTE_PAT_LARGE | PTE_P | PTE_PS;
	CHECK_EQ_U64(pt_protect(&pt, 0xc0000000ull + 5 * LARGE_2M, PTE_W, 0), PT_OK,
		     "protect inside a 1 GiB page with PAT");
	{
		uint64_t *pde = pt_entry(&pt, 0xc0000000ull + 6 * LARGE_2M, 2);

		CHECK(pde && (*pde & PTE_PS) && (*pde & PTE_ADDR & ~(LARGE_2M - 1)) ==
		      0x40000000ull + 6 * LARGE_2M, "PAT 1G page: 2 MiB slice 6 frame");
		if (!CHECK(pde && (*pde & PTE_PAT_LARGE), "PAT 1G page: 2 MiB entry keeps PAT (bit 12)"))
			printf("      PDE 0x%llx\n", pde ? (unsigned long long)*pde : 0ull);
	}
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

static void test_unmap(void)
{
	uint64_t va = 0x0000123456789000ull;

	check_set_prefix("unmap");
	setup();
	CHECK_EQ_U64(pt_map(&pt, va, 0x1234000, PTE_W), PT_OK, "map");
	CHECK_EQ_U64(pt_map(&pt, va + PAGE_SIZE, 0x1235000, PTE_W), PT_OK, "map neighbour");
	CHECK_EQ_U64(pt_unmap(&pt, va), PT_OK, "unmap");
	CHECK(unmapped(va), "translate fails after unmap");
	CHECK(unmapped(va + 0xfff), "whole page gone");
	CHECK(pt_entry(&pt, va, 1) && *pt_entry(&pt, va, 1) == 0, "PTE cleared to 0");
	CHECK(tr_is(va + PAGE_SIZE, 0x1235000, PTE_P | PTE_W, ~0ull, 1), "neighbour still mapped");
	CHECK_EQ_U64(pt_unmap(&pt, va), PT_NOT_MAPPED, "unmap again: not mapped");
	CHECK_EQ_U64(pt_unmap(&pt, 0x0000700000000000ull), PT_NOT_MAPPED,
		     "unmap under a missing PML4 entry");
	CHECK_EQ_U64(pt_unmap(&pt, 0x1000), PT_NOT_MAPPED, "unmap under a missing PD entry");
	CHECK_EQ_U64(pt_unmap(&pt, 0x0000800000000000ull), PT_NONCANONICAL, "non-canonical");
	CHECK_EQ_U64(pt_unmap(&pt, 0xffff000000000000ull), PT_NONCANONICAL, "non-canonical (high)");
	CHECK_EQ_U64(n_allocs, 3, "3 tables for the maps; failed unmaps allocate nothing");

	/* Unmapping inside a 2 MiB page splits it and removes one page. */
	n_allocs = 0;
	CHECK_EQ_U64(pt_unmap(&pt, VA_2M + 511 * PAGE_SIZE), PT_OK, "unmap last page of 2 MiB");
	CHECK_EQ_U64(n_allocs, 1, "one table for the split");
	CHECK(unmapped(VA_2M + 511 * PAGE_SIZE), "that page gone");
	CHECK(all_4k(VA_2M, PA_2M, F_2M, 511), "the 511 others intact");
	CHECK_EQ_U64(pt_unmap(&pt, VA_2M + 511 * PAGE_SIZE), PT_NOT_MAPPED, "and again");

	/* Inside a 1 GiB page: two splits. */
	n_allocs = 0;
	CHECK_EQ_U64(pt_unmap(&pt, VA_1G_B), PT_OK, "unmap first page of 1 GiB");
	CHECK_EQ_U64(n_allocs, 2, "two tables for the splits");
	CHECK(unmapped(VA_1G_B), "that page gone");
	CHECK(tr_is(VA_1G_B + PAGE_SIZE, PA_1G_B + PAGE_SIZE, F_1G_B, CMP_BITS | PTE_PS, 1),
	      "second page intact, 4 KiB");
	CHECK(tr_is(VA_1G_B + LARGE_2M, PA_1G_B + LARGE_2M, F_1G_B | PTE_PS, CMP_BITS | PTE_PS, 2),
	      "second 2 MiB slice intact, level 2");
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

static void test_protect(void)
{
	uint64_t va = 0xffffc00000042000ull;

	check_set_prefix("protect");
	setup();
	CHECK_EQ_U64(pt_map(&pt, va, 0x42000, PTE_W), PT_OK, "map writable");
	CHECK_EQ_U64(pt_protect(&pt, va, PTE_NX, PTE_W), PT_OK, "set NX, clear W");
	CHECK(tr_is(va, 0x42000, PTE_P | PTE_NX, ~0ull, 1), "read-only, NX");
	CHECK_EQ_U64(pt_protect(&pt, va, PTE_W, PTE_NX), PT_OK, "set W, clear NX");
	CHECK(tr_is(va, 0x42000, PTE_P | PTE_W, ~0ull, 1), "writable, executable");
	CHECK_EQ_U64(pt_protect(&pt, va + 0x234, PTE_G | PTE_PCD, 0), PT_OK,
		     "unaligned va names its page");
	CHECK(tr_is(va, 0x42000, PTE_P | PTE_W | PTE_G | PTE_PCD, ~0ull, 1), "G and PCD set");
	CHECK_EQ_U64(pt_protect(&pt, va, PTE_W, PTE_W), PT_OK, "set and clear the same bit");
	CHECK(tr_is(va, 0x42000, PTE_P | PTE_G | PTE_PCD, ~0ull, 1), "clear wins");
	/* Bits outside PTE_ATTRS are not touched: P, PS (= PAT), address. */
	CHECK_EQ_U64(pt_protect(&pt, va, PTE_PS | PTE_A | 0x000ffffffffff000ull,
				PTE_P | PTE_ADDR), PT_OK, "protect with stray bits");
	CHECK_EQ_U64(*pt_entry(&pt, va, 1), 0x42000 | PTE_P | PTE_G | PTE_PCD,
		     "P and address kept, PS/A not set");

	/* Inside a large page: only the one page changes. */
	CHECK_EQ_U64(pt_protect(&pt, VA_2M + 100 * PAGE_SIZE, 0, PTE_W | PTE_NX), PT_OK,
		     "protect one page of a 2 MiB page");
	CHECK(tr_is(VA_2M + 100 * PAGE_SIZE, PA_2M + 100 * PAGE_SIZE,
		    F_2M & ~(PTE_W | PTE_NX), CMP_BITS | PTE_PS, 1), "that page changed");
	CHECK(all_4k(VA_2M, PA_2M, F_2M, 100), "the others keep W and NX");

	CHECK_EQ_U64(pt_protect(&pt, va + PAGE_SIZE, PTE_W, 0), PT_NOT_MAPPED,
		     "protect an unmapped page");
	CHECK_EQ_U64(pt_protect(&pt, 0x0000700000000000ull, PTE_W, 0), PT_NOT_MAPPED,
		     "protect under a missing table");
	CHECK_EQ_U64(pt_protect(&pt, 0x0000800000000000ull, PTE_W, 0), PT_NONCANONICAL,
		     "protect non-canonical");
	CHECK(unmapped(va + PAGE_SIZE), "failed protect mapped nothing");
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

static void test_translate_errors(void)
{
	check_set_prefix("translate");
	setup();
	/* Non-canonical addresses whose low 48 bits hit a real mapping. */
	CHECK(unmapped(0x0000000000000000ull | (1ull << 48) | VA_2M),
	      "bit 48 set over the 2 MiB page: rejected");
	CHECK(unmapped(0x8000000000000000ull | VA_1G), "bit 63 set over the 1 GiB page: rejected");
	CHECK(unmapped(0x0000800000000000ull), "0x0000800000000000 rejected");

	/* A non-present entry with garbage in it is not followed. */
	tbl(pt.root)[5] = 0xdeadbeef000ull;		/* P clear */
	CHECK(unmapped(5ull << 39), "non-present PML4E with an address is not followed");
	tbl(pd_phys)[7] = PA_2M | PTE_PS | PTE_W;	/* P clear */
	CHECK(unmapped(7 * LARGE_2M), "non-present 2 MiB entry not mapped");
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

static void test_entry(void)
{
	uint64_t va = 0x0000000080000000ull + 0x3000;	/* PDPT[2], 1 GiB page B */
	uint64_t *e;

	check_set_prefix("pt_entry");
	setup();
	e = pt_entry(&pt, VA_2M, 2);
	CHECK(e == &tbl(pd_phys)[1], "level 2 of the 2 MiB page: PD[1]");
	CHECK(e && *e == (PA_2M | F_2M | PTE_PS), "PDE value");
	CHECK(pt_entry(&pt, VA_2M, 1) == NULL, "level 1 under a 2 MiB page: NULL");
	CHECK(pt_entry(&pt, va, 3) == &tbl(pdpt_phys)[2], "level 3 of the 1 GiB page: PDPT[2]");
	CHECK(pt_entry(&pt, va, 2) == NULL, "level 2 under a 1 GiB page: NULL");
	CHECK(pt_entry(&pt, va, 1) == NULL, "level 1 under a 1 GiB page: NULL");
	CHECK(pt_entry(&pt, VA_2M, 4) == &tbl(pt.root)[0], "level 4: PML4[0]");
	CHECK(pt_entry(&pt, VA_2M, 3) == &tbl(pdpt_phys)[0], "level 3: PDPT[0]");

	/* Missing tables. */
	CHECK(pt_entry(&pt, 0x0000500000000000ull, 4) == &tbl(pt.root)[160],
	      "level 4 always exists: PML4[160]");
	CHECK(pt_entry(&pt, 0x0000500000000000ull, 3) == NULL, "PDPT missing: NULL");
	CHECK(pt_entry(&pt, 0x0000500000000000ull, 1) == NULL, "all missing: NULL");
	CHECK(pt_entry(&pt, 0x3000, 2) == &tbl(pd_phys)[0], "PD[0] slot exists (empty)");
	CHECK(pt_entry(&pt, 0x3000, 1) == NULL, "PD[0] empty: no PT");

	/* After a map, the level-1 slot is the live PTE: writing it changes
	 * what translate sees. */
	CHECK_EQ_U64(pt_map(&pt, 0x3000, 0x77000, 0), PT_OK, "map 0x3000");
	e = pt_entry(&pt, 0x3000, 1);
	CHECK(e && *e == (0x77000 | PTE_P), "PTE value");
	CHECK(e == &tbl(tbl(pd_phys)[0])[3], "PTE is PT[3] under PD[0]");
	if (e)
		*e |= PTE_U;
	CHECK(tr_is(0x3000, 0x77000, PTE_P | PTE_U, ~0ull, 1), "write through pt_entry seen");
	CHECK(pt_entry(&pt, 0x4000, 1) == e + 1, "next va, next slot");
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

/* Translations of a set of addresses, to compare before and after. */
struct snap { uint64_t pa[12], fl[12]; bool ok[12]; };
static const uint64_t snap_va[12] = {
	VA_2M, VA_2M + 0x1ff000, VA_2M_B + 0x5000, VA_1G, VA_1G + 0x3fffffff,
	VA_1G + 0x20000000, VA_1G_B, VA_1G_B + 0x12345000, 0xffff800000000000ull,
	0x0000400000000000ull, 0x3000, 0x0000008000000000ull,
};

static void take(struct snap *s)
{
	for (unsigned i = 0; i < 12; i++) {
		s->pa[i] = s->fl[i] = 0;
		s->ok[i] = pt_translate(&pt, snap_va[i], &s->pa[i], &s->fl[i], NULL);
		s->fl[i] &= CMP_BITS;	/* a completed split legally drops PS */
	}
}

static bool same(const struct snap *a, const struct snap *b)
{
	bool eq = true;

	for (unsigned i = 0; i < 12; i++)
		if (a->ok[i] != b->ok[i] || a->pa[i] != b->pa[i] || a->fl[i] != b->fl[i]) {
			printf("      va 0x%llx changed\n", (unsigned long long)snap_va[i]);
			eq = false;
		}
	return eq;
}

static void test_nomem(void)
{
	struct snap before, after;
	uint64_t pdpte, pde, *e;

	check_set_prefix("nomem");
	setup();
	CHECK_EQ_U64(pt_map(&pt, 0x3000, 0x3000, PTE_W), PT_OK, "a 4 KiB mapping to keep");
	take(&before);

	/* New va in an empty PML4 slot needs 3 tables; only 1 or 2 given. */
	alloc_budget = 1;
	CHECK_EQ_U64(pt_map(&pt, 0x0000400000000000ull, 0x1000, 0), PT_NOMEM,
		     "fails when the 2nd table cannot be allocated");
	take(&after);
	CHECK(same(&before, &after), "existing mappings untouched");
	CHECK(unmapped(0x0000400000000000ull), "nothing half-mapped");
	alloc_budget = 1;
	CHECK_EQ_U64(pt_map(&pt, 0x0000400000000000ull, 0x1000, 0), PT_NOMEM,
		     "fails again at the 3rd table");
	CHECK(unmapped(0x0000400000000000ull), "still nothing mapped");
	alloc_budget = 1;
	CHECK_EQ_U64(pt_map(&pt, 0x0000400000000000ull, 0x1000, 0), PT_OK,
		     "succeeds once the tables exist (walk reuses them)");
	CHECK(tr_is(0x0000400000000000ull, 0x1000, PTE_P, ~0ull, 1), "and translates");
	take(&before);

	/* Split of a 2 MiB page with no memory: PDE unchanged, bit for bit. */
	pde = tbl(pd_phys)[1];
	alloc_budget = 0;
	CHECK_EQ_U64(pt_map(&pt, VA_2M + PAGE_SIZE, 0x5000, 0), PT_NOMEM, "2 MiB split fails");
	CHECK_EQ_U64(tbl(pd_phys)[1], pde, "2 MiB PDE unchanged");
	CHECK_EQ_U64(pt_unmap(&pt, VA_2M_B), PT_NOMEM, "unmap in a 2 MiB page fails");
	CHECK(tr_is(VA_2M_B, PA_2M_B, F_2M_B | PTE_PS, ~0ull, 2), "that page still mapped, 2 MiB");
	CHECK_EQ_U64(pt_protect(&pt, VA_2M, 0, PTE_W), PT_NOMEM, "protect in a 2 MiB page fails");
	CHECK(tr_is(VA_2M, PA_2M, F_2M | PTE_PS, ~0ull, 2), "still writable");

	/* 1 GiB page: the first split succeeds, the second fails. */
	pdpte = tbl(pdpt_phys)[1];
	CHECK_EQ_U64(pt_map(&pt, VA_1G + 0x1000, 0x6000, 0), PT_NOMEM, "1 GiB split, no memory");
	CHECK_EQ_U64(tbl(pdpt_phys)[1], pdpte, "1 GiB PDPTE unchanged");
	alloc_budget = 1;
	CHECK_EQ_U64(pt_map(&pt, VA_1G + 0x1000, 0x6000, 0), PT_NOMEM,
		     "1 GiB -> 2 MiB split done, 2 MiB -> 4 KiB fails");
	take(&after);
	CHECK(same(&before, &after), "every translation the same (pa and attributes)");
	CHECK(tr_is(VA_1G + 0x1000, PA_1G + 0x1000, F_1G | PTE_PS, CMP_BITS | PTE_PS, 2),
	      "target page keeps its old mapping");
	CHECK_EQ_U64(n_failed_allocs, 7, "seven allocations refused in all");

	/* Memory back: everything works and the half-split page finishes. */
	alloc_budget = N_PAGES;
	CHECK_EQ_U64(pt_map(&pt, VA_1G + 0x1000, 0x6000, 0), PT_OK, "retry with memory");
	CHECK(tr_is(VA_1G + 0x1000, 0x6000, PTE_P, ~0ull, 1), "mapped");
	CHECK(tr_is(VA_1G, PA_1G, F_1G, CMP_BITS | PTE_PS, 1), "page before it intact");
	e = pt_entry(&pt, VA_1G + 0x1000, 1);
	CHECK(e && *e == (0x6000 | PTE_P), "PTE");
	CHECK_EQ_U64(n_bad_p2v, 0, "p2v only ever given table pages");
}

int main(void)
{
	sim = aligned_alloc(PAGE_SIZE, N_PAGES * PAGE_SIZE);
	if (!sim)
		return 1;
	test_canonical();
	test_presets();
	test_map();
	test_split_2m();
	test_split_1g();
	test_unmap();
	test_protect();
	test_translate_errors();
	test_entry();
	test_nomem();
	free(sim);
	return check_summary();
}
