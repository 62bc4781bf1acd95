/*
 * patched.c - the benchmarks' view of the image's own patched call sites
 * (image only; the host has none). src/irqflags keeps one dedicated site
 * per operation, patched at boot like every irq_* site of the image, and
 * copies it with its relative call re-encoded (irqflags.h, "Patched sites
 * for the benchmark table"); this file maps the benchmark primitives onto
 * it and guards the kernel's own flag around the runs.
 */
#include "bench/patched.h"
#include "irqflags/irqflags.h"

static int op_of(enum bench_prim prim)
{
	switch (prim) {
	case PRIM_KERNEL_DISABLE: return IRQF_OP_DISABLE;
	case PRIM_KERNEL_ENABLE: return IRQF_OP_ENABLE;
	case PRIM_KERNEL_SAVE: return IRQF_OP_SAVE;
	case PRIM_KERNEL_RESTORE: return IRQF_OP_RESTORE;
	default: return -1;
	}
}

int bench_patched_site(enum bench_prim prim, uint8_t *dst, size_t room, int *insns)
{
	struct irqflags_site_ref ref;
	int op = op_of(prim);
	size_t n;

	*insns = -1;	/* padding and call targets are the patcher's business */
	if (op < 0 || !irqflags_initialized() || irqflags_bench_site((unsigned)op, &ref) < 0)
		return -1;
	if (!dst)
		return (int)ref.len;
	/* 0: no room, or the site's call cannot reach its target from dst */
	n = irqflags_site_copy(&ref, dst, room);
	return n ? (int)n : -1;
}

const char *bench_patched_mode(void)
{
	return irqflags_initialized() ? irqflags_mode_name(irqflags_mode()) : NULL;
}

unsigned long bench_patched_guard_begin(void)
{
	return irqflags_initialized() ? irq_save() : 0;
}

void bench_patched_guard_end(unsigned long flags)
{
	if (irqflags_initialized())
		irq_restore(flags);
}
