/*
 * Multiboot headers. Both live in one image: GRUB's `multiboot2` command
 * finds the v2 header, QEMU's -kernel (and GRUB's `multiboot`) the v1 one.
 * The entry code tells them apart by the magic in %eax.
 */
#define MB1_MAGIC	0x1badb002
#define MB1_PAGE_ALIGN	(1 << 0)	/* modules page aligned */
#define MB1_MEMINFO	(1 << 1)	/* we want mem_* and the memory map */
#define MB1_FLAGS	(MB1_PAGE_ALIGN | MB1_MEMINFO)

#define MB2_MAGIC	0xe85250d6
#define MB2_ARCH_I386	0		/* 32-bit protected mode entry */

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* Information request tag. Marked optional so a loader that lacks one
	 * type still boots us; the kernel says clearly what is missing. */
	.balign 8
	.word 1, 1			/* type 1, optional: the kernel checks */
	.long 8 + 5 * 4
	.long 1				/* boot command line */
	.long 6				/* memory map */
	.long 8				/* framebuffer info (screen console) */
	.long 14			/* ACPI 1.0 RSDP copy */
	.long 15			/* ACPI 2.0+ RSDP copy */

	/* Framebuffer tag (type 5), optional: a loader that cannot set a
	 * graphics mode still boots us, leaving text mode (tag 8 type 2) or
	 * nothing. 1024x768x32 rather than 0 ("loader's choice"): left to
	 * itself GRUB keeps or picks whatever mode it likes best, often the
	 * panel's native one, which makes every scroll redraw and every
	 * screenshot several times bigger and the cell count unpredictable;
	 * 1024x768 is offered by every VBE BIOS and GOP we know of, gives
	 * 128x48 cells of an 8x16 font, and 3 MiB to redraw through an
	 * uncached mapping. GRUB falls back to the nearest mode it has. */
	.balign 8
	.word 5, 1			/* type 5, optional */
	.long 20
	.long 1024			/* width */
	.long 768			/* height */
	.long 32			/* depth, bits per pixel */

	/* End tag. */
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:
