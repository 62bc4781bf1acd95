/*
 * int3_sites.S - the torture's breakpoint sites (workload_int3.c).
 *
 *	uint64_t wl_int3_fn_normal(uint64_t x);	returns x + 1
 *	uint64_t wl_int3_fn_nmi(uint64_t x);	returns x + 1
 *
 * Each increments its argument with a 3-byte `incq %rax` at a global
 * label. Planting a breakpoint writes int3 (0xcc) over its first byte, as
 * a kprobe or a static-key patcher would; the #BP handler then emulates
 * the increment and continues after the 3 bytes. So the result tells
 * whether the breakpoint was handled exactly once: x + 1 (once), x
 * (skipped without emulation), x + 2 (twice).
 */
	.text
	.globl	wl_int3_fn_normal
	.balign	16
wl_int3_fn_normal:
	movq	%rdi, %rax
	.globl	wl_int3_site_normal
wl_int3_site_normal:
	incq	%rax				/* 48 ff c0 */
	ret

	.globl	wl_int3_fn_nmi
	.balign	16
wl_int3_fn_nmi:
	movq	%rdi, %rax
	.globl	wl_int3_site_nmi
wl_int3_site_nmi:
	incq	%rax				/* 48 ff c0 */
	ret
