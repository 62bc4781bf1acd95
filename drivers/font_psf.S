/*
 * font_psf.S - the console font, included at build time by drivers/font.mk
 * (never committed: the file comes from Debian's console-setup-linux).
 * FONT_PSF_PATH and FONT_NAME are set by that makefile fragment; the Makefile's
 * generic rules never assemble this file (drivers/*.S is not in ASM_SRCS).
 */
	.section .rodata.font, "a"
	.balign 16
	.globl font_psf_start, font_psf_end, font_psf_name
font_psf_start:
	.incbin FONT_PSF_PATH
font_psf_end:
font_psf_name:
	.asciz FONT_NAME
