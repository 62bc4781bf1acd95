/*
 * site.h - how an irq_* call site is laid out and recorded.
 *
 * Every irq_disable/irq_enable/irq_save/irq_restore expands to one inline
 * asm block of a fixed length per operation (IRQF_LEN_*), assembled with
 * the hard sequence padded to that length, and a 16-byte record in the
 * linker section `irqflags_sites` naming its address, length and
 * operation. The boot-time patcher (patch.c) walks the records and
 * rewrites each site in place; nothing ever decodes instructions to find
 * a site (Zach, seed 000 lines 1954-1957: disassembling backwards is
 * unsafe, x86 code must be marked with metadata).
 *
 * The section name is a C identifier, so GNU ld defines
 * __start_irqflags_sites/__stop_irqflags_sites for it even as an orphan;
 * boot/kernel.ld places it explicitly (docs/irqflags.md, "Integration").
 *
 * Register contract of every site, whatever is patched in (inline hard,
 * inline soft, or a call to a stub): only the condition codes change,
 * plus %rax for irq_save (the flags it returns); irq_restore takes the
 * flags in %rax and preserves it. A site may push on the stack (pushf,
 * call), which is safe because the image is built with -mno-red-zone.
 */
#ifndef IRQLAB_IRQFLAGS_SITE_H
#define IRQLAB_IRQFLAGS_SITE_H

/* Operations. */
#define IRQF_OP_DISABLE		0
#define IRQF_OP_ENABLE		1
#define IRQF_OP_SAVE		2
#define IRQF_OP_RESTORE		3
#define IRQF_NR_OPS		4

/*
 * Site lengths: the longest sequence any mode writes (patch.c lists the
 * bytes). disable: movb $1,%gs:mask (9). enable: movb $0,%gs:mask;
 * cmpb $0,%gs:pending; je; call replay (25). save: movzbl %gs:mask,%eax;
 * movb $1,%gs:mask; xor $1,%eax; shl $9,%eax (24). restore: testb $2,%ah;
 * setz %gs:mask; jz; cmpb $0,%gs:pending; je; call replay (30).
 */
#define IRQF_LEN_DISABLE	9
#define IRQF_LEN_ENABLE		25
#define IRQF_LEN_SAVE		24
#define IRQF_LEN_RESTORE	30
#define IRQF_LEN_MAX		30

/* Record flags: a site may be pinned to one mode or to the inline form
 * whatever the command line says (call stubs, test and benchmark loops). */
#define IRQF_FORCE_HARD		0x01
#define IRQF_FORCE_SOFT		0x02
#define IRQF_FORCE_INLINE	0x04

/* Record groups, for tests and benchmarks that look at their own sites. */
#define IRQF_GROUP_KERNEL	0	/* irq_* anywhere in the image */
#define IRQF_GROUP_STUB		1	/* call targets of the call variant */
#define IRQF_GROUP_BENCH	2	/* irqflags_bench_fn_* (irqflags.h) */
#define IRQF_GROUP_TORTURE	3	/* the soft-flag torture loop */
#define IRQF_GROUP_COST		4	/* the slow-path cost loops */

#define IRQF_STR_(x)		#x
#define IRQF_STR(x)		IRQF_STR_(x)

/*
 * One site: `insns` (the hard sequence, valid before the patcher runs)
 * padded with one-byte nops to `len`, and its record. The padding is
 * rewritten with the recommended multi-byte nops at boot. An `.error`
 * stops the build if `insns` outgrew the site.
 */
#define IRQF_SITE(op, len, flags, group, insns)				\
	"661:\n\t" insns "\n"						\
	"662:\n\t"							\
	".if (662b - 661b) > " IRQF_STR(len) "\n\t"			\
	".error \"irqflags site longer than " IRQF_STR(len) "\"\n\t"	\
	".endif\n\t"							\
	".skip " IRQF_STR(len) " - (662b - 661b), 0x90\n\t"		\
	".pushsection irqflags_sites, \"a\"\n\t"			\
	".balign 8\n\t"							\
	".quad 661b\n\t"						\
	".byte " IRQF_STR(len) ", " IRQF_STR(op) ", "			\
		IRQF_STR(flags) ", " IRQF_STR(group) ", 0, 0, 0, 0\n\t"	\
	".popsection\n\t"

/* The four sites with their build-time (hard) contents. Written as bytes
 * so the macros work in extended and top-level asm alike (no %% vs %):
 * 9c 58 fa = pushfq; popq %rax; cli.  50 9d = pushq %rax; popfq. */
#define IRQF_SITE_DISABLE(flags, group)					\
	IRQF_SITE(IRQF_OP_DISABLE, IRQF_LEN_DISABLE, flags, group, "cli")
#define IRQF_SITE_ENABLE(flags, group)					\
	IRQF_SITE(IRQF_OP_ENABLE, IRQF_LEN_ENABLE, flags, group, "sti")
#define IRQF_SITE_SAVE(flags, group)					\
	IRQF_SITE(IRQF_OP_SAVE, IRQF_LEN_SAVE, flags, group,		\
		  ".byte 0x9c, 0x58, 0xfa")
#define IRQF_SITE_RESTORE(flags, group)					\
	IRQF_SITE(IRQF_OP_RESTORE, IRQF_LEN_RESTORE, flags, group,	\
		  ".byte 0x50, 0x9d")

#ifndef __ASSEMBLY__
#include <stdint.h>

/* The record the macro above emits; 16 bytes, 8-aligned. */
struct irqflags_site {
	uint64_t addr;
	uint8_t len;
	uint8_t op;
	uint8_t flags;
	uint8_t group;
	uint8_t reserved[4];
};

_Static_assert(sizeof(struct irqflags_site) == 16, "site record is 16 bytes");

extern const struct irqflags_site __start_irqflags_sites[], __stop_irqflags_sites[];

/* Inline forms with explicit flags and group, for the test and benchmark
 * loops; the kernel's own calls are the irq_* functions in irqflags.h. */
#define irqf_disable_site(flags, group)					\
	asm volatile(IRQF_SITE_DISABLE(flags, group) : : : "memory", "cc")
#define irqf_enable_site(flags, group)					\
	asm volatile(IRQF_SITE_ENABLE(flags, group) : : : "memory", "cc")
#define irqf_save_site(var, flags, group)				\
	asm volatile(IRQF_SITE_SAVE(flags, group)			\
		     : "=a"(var) : : "memory", "cc")
#define irqf_restore_site(var, flags, group)				\
	asm volatile(IRQF_SITE_RESTORE(flags, group)			\
		     : : "a"(var) : "memory", "cc")
#endif

#endif
