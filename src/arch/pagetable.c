#include "arch/pagetable.h"
#include <stddef.h>

static unsigned index_at(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

bool pt_canonical(uint64_t va)
{
	/* 4-level paging: bits 63:48 must copy bit 47. */
	return ((int64_t)(va << 16) >> 16) == (int64_t)va;
}

static uint64_t *table(const struct pt_ctx *pt, uint64_t entry_or_root)
{
	return pt->p2v(pt->ctx, entry_or_root & PTE_ADDR);
}

uint64_t *pt_entry(const struct pt_ctx *pt, uint64_t va, unsigned level)
{
	uint64_t *t = table(pt, pt->root);

	for (unsigned l = 4; l > level; l--) {
		uint64_t e = t[index_at(va, l)];

		if (!(e & PTE_P) || (l <= 3 && (e & PTE_PS)))
			return NULL;
		t = table(pt, e);
	}
	return &t[index_at(va, level)];
}

bool pt_translate(const struct pt_ctx *pt, uint64_t va, uint64_t *pa,
		  uint64_t *flags, unsigned *level)
{
	uint64_t *t = table(pt, pt->root);

	if (!pt_canonical(va))
		return false;
	for (unsigned l = 4; l >= 1; l--) {
		uint64_t e = t[index_at(va, l)];
		uint64_t size = 1ull << (12 + 9 * (l - 1));

		if (!(e & PTE_P))
			return false;
		if (l == 1 || (l <= 3 && (e & PTE_PS))) {
			/* Large-page frame addresses also exclude the PAT bit
			 * (bit 12), which is inside the offset mask here. */
			if (pa)
				*pa = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			if (flags)
				*flags = e & ~PTE_ADDR;
			if (level)
				*level = l;
			return true;
		}
		t = table(pt, e);
	}
	return false;
}

/*
 * Replace the large page in *e (level 3 or 2) with a table of 512 entries
 * of the next size down covering the same range with the same attributes.
 */
static int split(struct pt_ctx *pt, uint64_t *e, unsigned level)
{
	uint64_t child_size = 1ull << (12 + 9 * (level - 2));
	uint64_t base = *e & PTE_ADDR & ~(child_size * 512 - 1);
	uint64_t attrs = *e & ~PTE_ADDR & ~PTE_PS;
	/* The PAT bit of a 1 GiB or 2 MiB entry is bit 12; in a 4 KiB entry
	 * it is bit 7 (where PS sits in the others). Carry it over so the
	 * split pages keep their memory type. */
	bool pat = *e & PTE_PAT_LARGE;
	uint64_t child_bits = level - 1 > 1 ? PTE_PS | (pat ? PTE_PAT_LARGE : 0)
					    : (pat ? PTE_PAT_4K : 0);
	uint64_t phys = pt->alloc(pt->ctx);
	uint64_t *t;

	if (!phys)
		return PT_NOMEM;
	t = pt->p2v(pt->ctx, phys);
	for (unsigned i = 0; i < 512; i++)
		t[i] = (base + i * child_size) | attrs | child_bits;
	/* The parent's entry keeps its permissive bits; the leaves hold the
	 * attributes. Writing it last publishes a complete table. */
	*e = phys | PTE_P | PTE_W | (attrs & PTE_U);
	return PT_OK;
}

/* The PTE for va, creating tables and splitting large pages on the way. */
static int walk_create(struct pt_ctx *pt, uint64_t va, uint64_t **pte)
{
	uint64_t *t = table(pt, pt->root);

	if (!pt_canonical(va))
		return PT_NONCANONICAL;
	for (unsigned l = 4; l > 1; l--) {
		uint64_t *e = &t[index_at(va, l)];

		if (!(*e & PTE_P)) {
			uint64_t phys = pt->alloc(pt->ctx);

			if (!phys)
				return PT_NOMEM;
			*e = phys | PTE_P | PTE_W;
		} else if (l <= 3 && (*e & PTE_PS)) {
			int r = split(pt, e, l);

			if (r)
				return r;
		}
		t = table(pt, *e);
	}
	*pte = &t[index_at(va, 1)];
	return PT_OK;
}

int pt_map(struct pt_ctx *pt, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte;
	int r;

	if ((va | pa) & (PAGE_SIZE - 1))
		return PT_UNALIGNED;
	r = walk_create(pt, va, &pte);
	if (r)
		return r;
	*pte = (pa & PTE_ADDR) | (flags & PTE_ATTRS) | PTE_P;
	return PT_OK;
}

/* Like walk_create, but never creates a missing table. */
static int walk_existing(struct pt_ctx *pt, uint64_t va, uint64_t **pte)
{
	uint64_t *t = table(pt, pt->root);

	if (!pt_canonical(va))
		return PT_NONCANONICAL;
	for (unsigned l = 4; l > 1; l--) {
		uint64_t *e = &t[index_at(va, l)];

		if (!(*e & PTE_P))
			return PT_NOT_MAPPED;
		if (l <= 3 && (*e & PTE_PS)) {
			int r = split(pt, e, l);

			if (r)
				return r;
		}
		t = table(pt, *e);
	}
	*pte = &t[index_at(va, 1)];
	return (**pte & PTE_P) ? PT_OK : PT_NOT_MAPPED;
}

int pt_unmap(struct pt_ctx *pt, uint64_t va)
{
	uint64_t *pte;
	int r = walk_existing(pt, va & ~(PAGE_SIZE - 1), &pte);

	if (r)
		return r;
	*pte = 0;
	return PT_OK;
}

int pt_protect(struct pt_ctx *pt, uint64_t va, uint64_t set, uint64_t clear)
{
	uint64_t *pte;
	int r = walk_existing(pt, va & ~(PAGE_SIZE - 1), &pte);

	if (r)
		return r;
	*pte = (*pte | (set & PTE_ATTRS)) & ~(clear & PTE_ATTRS);
	return PT_OK;
}
