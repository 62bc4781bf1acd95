/*
 * entry.S - from the multiboot loader's 32-bit protected mode to kmain()
 * in long mode.
 *
 * State on entry (multiboot1 and multiboot2 specs agree): 32-bit protected
 * mode, paging off, interrupts off, flat segments, %eax = loader magic,
 * %ebx = physical address of the boot information. No stack.
 *
 * Early paging identity-maps 0-4 GiB with 2 MiB pages, write-back; memory
 * types for MMIO come from the firmware's MTRRs until paging.c remaps the
 * device pages it uses as uncached.
 */
#define MB1_BOOT_MAGIC	0x2badb002
#define MB2_BOOT_MAGIC	0x36d76289

#define COM1		0x3f8
#define DEBUGCON	0xe9

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080

#define CR0_PE		(1 << 0)
#define CR0_MP		(1 << 1)
#define CR0_EM		(1 << 2)
#define CR0_WP		(1 << 16)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define CR4_OSFXSR	(1 << 9)
#define CR4_OSXMMEXCPT	(1 << 10)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)

#define BOOT_STACK_SIZE	(64 * 1024)

	.code32
	.section .text.boot32, "ax"
	.globl _start
_start:
	cli
	cld
	/* Keep the loader's values out of the registers rep stosb uses. */
	movl	%eax, %ebp
	movl	%ebx, %esi

	/* .bss holds the page tables and the stack: zero it first. */
	movl	$_bss_start, %edi
	movl	$_bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	$boot_stack_top, %esp

	movl	%ebp, boot_magic
	movl	%esi, boot_info

	cmpl	$MB2_BOOT_MAGIC, %ebp
	je	1f
	cmpl	$MB1_BOOT_MAGIC, %ebp
	je	1f
	movl	$msg_bad_magic, %esi
	call	early_puts32
	movl	%ebp, %eax
	call	early_puthex32
	movl	$msg_halt, %esi
	call	early_puts32
	jmp	halt32
1:
	/* Long mode: CPUID 0x80000001 EDX bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode
	movl	%edx, %ebx			/* keep NX (bit 20) for below */

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB
	 * pages covering 0-4 GiB. */
	movl	$boot_pdpt, %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, boot_pml4

	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd, %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, boot_pdpt(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	2b

	/* 2048 PDEs; entry i maps i * 2 MiB. The high dword (bits 32+ of
	 * the address) is zero below 4 GiB, already cleared with .bss. */
	xorl	%ecx, %ecx
3:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_W | PTE_PS), %eax
	movl	%eax, boot_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	3b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3

	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	btl	$20, %ebx			/* NX available? */
	jnc	4f
	orl	$EFER_NXE, %eax
4:	wrmsr

	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0

	/* Paging is on and EFER.LMA set; we are in compatibility mode until
	 * CS is a 64-bit code segment. */
	lgdt	boot_gdt_ptr
	ljmp	$0x08, $start64

no_long_mode:
	movl	$msg_no_lm, %esi
	call	early_puts32
halt32:
	cli
	hlt
	jmp	halt32

/*
 * Early console for the two failures above: COM1 (polled, at whatever rate
 * the firmware set; no UART reads back 0xff so the wait ends) and the
 * 0xe9 debug console. %esi = NUL-terminated string. Clobbers %eax, %edx.
 */
early_puts32:
	lodsb
	testb	%al, %al
	jz	2f
	movb	%al, %ah
	movw	$COM1 + 5, %dx
1:	inb	%dx, %al
	testb	$0x20, %al			/* LSR.THRE */
	jz	1b
	movb	%ah, %al
	movw	$COM1, %dx
	outb	%al, %dx
	outb	%al, $DEBUGCON
	jmp	early_puts32
2:	ret

/* Print %eax as 8 hex digits. Clobbers %eax, %ecx, %edx, %esi. */
early_puthex32:
	movl	$8, %ecx
	movl	%eax, %edx
1:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	movb	hexdigits(%eax), %al
	movb	%al, hexbuf
	pushl	%ecx
	pushl	%edx
	movl	$hexbuf, %esi
	call	early_puts32
	popl	%edx
	popl	%ecx
	loop	1b
	ret

	.code64
start64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorl	%eax, %eax
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	/* %rbp = 0 ends the frame-pointer chain the stack trace walks. */
	xorl	%ebp, %ebp

	/* SSE for the C library (picolibc is built for the x86-64 baseline,
	 * which has SSE2): no x87 emulation, FWAIT honours TS, FXSAVE/FXRSTOR
	 * and SSE enabled, SIMD exceptions reported as #XM. */
	movq	%cr0, %rax
	andq	$~CR0_EM, %rax
	orq	$CR0_MP, %rax
	movq	%rax, %cr0
	movq	%cr4, %rax
	orq	$(CR4_OSFXSR | CR4_OSXMMEXCPT), %rax
	movq	%rax, %cr4
	fninit
	ldmxcsr	default_mxcsr

	movl	boot_magic, %edi
	movl	boot_info, %esi
	call	kmain
1:	cli
	hlt
	jmp	1b

	.section .rodata
msg_bad_magic:	.asciz "irqlab: not started by a multiboot loader (magic "
msg_halt:	.asciz "); halting\r\n"
msg_no_lm:	.asciz "irqlab: this CPU has no long mode (x86-64); halting\r\n"
hexdigits:	.ascii "0123456789abcdef"
	.balign 4
default_mxcsr:	.long 0x1f80			/* all SIMD exceptions masked */

	.balign 8
boot_gdt:
	.quad 0				/* null */
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.data
	.balign 4
	.globl boot_magic, boot_info
boot_magic:	.long 0
boot_info:	.long 0
hexbuf:		.byte 0, 0

	.bss
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096
	.globl boot_stack, boot_stack_top
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
