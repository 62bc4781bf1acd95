/*
 * vgatext.c - the VGA text buffer, and probing for it. Register numbers:
 * IBM VGA technical reference (graphics controller at 0x3ce/0x3cf, CRT
 * controller at 0x3d4/0x3d5 in colour mode, 0x3b4/0x3b5 in mono, selected
 * by bit 0 of the Miscellaneous Output register, read at 0x3cc).
 */
#include "drivers/vgatext.h"
#include <stdio.h>

void vgatext_clear(struct vgatext *vt)
{
	for (unsigned r = 0; r < vt->rows; r++)
		for (unsigned c = 0; c < vt->cols; c++)
			vt->base[(size_t)r * vt->pitch_cells + c] = VGATEXT_ATTR << 8 | ' ';
}

void vgatext_draw(void *ctx, unsigned row, unsigned col, unsigned char c)
{
	struct vgatext *vt = ctx;

	if (row >= vt->rows || col >= vt->cols)
		return;
	vt->base[(size_t)row * vt->pitch_cells + col] = VGATEXT_ATTR << 8 | c;
}

#ifndef IRQLAB_HOST_TEST
#include "arch/cpu.h"
#include "drivers/font.h"

#define VGA_MISC_READ	0x3cc
#define VGA_GC_INDEX	0x3ce
#define VGA_GC_DATA	0x3cf
#define VGA_GC_MISC	0x06
#define GC_MISC_GRAPHICS	0x01	/* 0: alphanumeric (text) mode */
#define GC_MISC_MAP(v)		(((v) >> 2) & 3)	/* 2: b0000 32K, 3: b8000 32K */
#define CRTC_HDISP_END	0x01
#define CRTC_OVERFLOW	0x07
#define CRTC_MAX_SCAN	0x09
#define CRTC_CURSOR_START	0x0a
#define CURSOR_DISABLE	0x20
#define CRTC_VDISP_END	0x12
#define VGA_SEQ_INDEX	0x3c4
#define VGA_SEQ_DATA	0x3c5
#define SEQ_MAP_MASK	0x02
#define SEQ_CHARMAP	0x03
#define SEQ_MEM_MODE	0x04
#define GC_READ_MAP	0x04
#define GC_MODE		0x05
#define FONT_SLOT_BYTES	32	/* the character generator's stride per glyph */

static uint16_t crtc_port(void)
{
	return inb(VGA_MISC_READ) & 1 ? 0x3d4 : 0x3b4;
}

static uint8_t crtc_read(uint16_t port, uint8_t idx)
{
	outb(port, idx);
	return inb(port + 1);
}

int vgatext_probe(uint64_t *addr, unsigned *cols, unsigned *rows, char *why,
		  size_t whylen)
{
	uint8_t gr6, ov, idx;
	uint16_t crtc;
	unsigned vdisp, char_h;

	outb(VGA_GC_INDEX, VGA_GC_MISC);
	idx = inb(VGA_GC_INDEX);
	if ((idx & 0x0f) != VGA_GC_MISC) {
		snprintf(why, whylen, "no VGA (graphics controller index reads 0x%02x)", idx);
		return -1;
	}
	gr6 = inb(VGA_GC_DATA);
	if (gr6 & GC_MISC_GRAPHICS) {
		snprintf(why, whylen, "VGA is in a graphics mode (GR6 0x%02x)", gr6);
		return -1;
	}
	if (GC_MISC_MAP(gr6) < 2) {
		snprintf(why, whylen, "VGA text buffer not at 0xb0000/0xb8000 (GR6 0x%02x)",
			 gr6);
		return -1;
	}
	*addr = GC_MISC_MAP(gr6) == 3 ? 0xb8000 : 0xb0000;
	crtc = crtc_port();
	*cols = crtc_read(crtc, CRTC_HDISP_END) + 1u;
	ov = crtc_read(crtc, CRTC_OVERFLOW);
	vdisp = crtc_read(crtc, CRTC_VDISP_END) | (ov & 0x02) << 7 | (ov & 0x40) << 3;
	char_h = (crtc_read(crtc, CRTC_MAX_SCAN) & 0x1f) + 1u;
	*rows = (vdisp + 1) / char_h;
	/* 0xb8000 holds 32 KiB: 16384 cells. */
	if (*cols < 40 || *cols > 132 || *rows < 25 || *rows > 60) {
		snprintf(why, whylen, "VGA text geometry %ux%u is implausible", *cols, *rows);
		return -1;
	}
	return 0;
}

static uint8_t reg_read(uint16_t port, uint8_t idx)
{
	outb(port, idx);
	return inb(port + 1);
}

static void reg_write(uint16_t port, uint8_t idx, uint8_t v)
{
	outb(port, idx);
	outb(port + 1, v);
}

int vgatext_load_font(const struct font *f, volatile uint8_t *legacy_window,
		      char *why, size_t whylen)
{
	unsigned char_h = (crtc_read(crtc_port(), CRTC_MAX_SCAN) & 0x1f) + 1u;
	uint8_t map_mask, mem_mode, read_map, mode, misc;
	volatile uint8_t *slot0;

	if (f->width != 8 || f->height != char_h || f->height > FONT_SLOT_BYTES) {
		snprintf(why, whylen, "font %ux%u does not fit the %u-line text cell",
			 f->width, f->height, char_h);
		return -1;
	}
	/* SR3 picks two of the eight 8 KiB font blocks in plane 2: map A
	 * (bits 5,3,2) for cells whose attribute has bit 3 set, map B (bits
	 * 4,1,0) for the others, so attribute 07 shows map B. Point both at
	 * block 0 and load the font there: every attribute then shows it,
	 * whatever the BIOS left in SR3, and bit 3 is plain intensity. */
	slot0 = legacy_window;
	reg_write(VGA_SEQ_INDEX, SEQ_CHARMAP, 0x00);
	map_mask = reg_read(VGA_SEQ_INDEX, SEQ_MAP_MASK);
	mem_mode = reg_read(VGA_SEQ_INDEX, SEQ_MEM_MODE);
	read_map = reg_read(VGA_GC_INDEX, GC_READ_MAP);
	mode = reg_read(VGA_GC_INDEX, GC_MODE);
	misc = reg_read(VGA_GC_INDEX, VGA_GC_MISC);

	/* Plane 2 alone, linear (no odd/even), at 0xa0000 for 64K: the
	 * layout of the font plane, one 32-byte slot per character. */
	reg_write(VGA_SEQ_INDEX, SEQ_MAP_MASK, 0x04);
	reg_write(VGA_SEQ_INDEX, SEQ_MEM_MODE, 0x07);
	reg_write(VGA_GC_INDEX, GC_READ_MAP, 0x02);
	reg_write(VGA_GC_INDEX, GC_MODE, 0x00);
	reg_write(VGA_GC_INDEX, VGA_GC_MISC, 0x04);
	for (unsigned c = 0; c < 256; c++) {
		const uint8_t *g = font_glyph(f, (unsigned char)c);

		for (unsigned y = 0; y < FONT_SLOT_BYTES; y++)
			slot0[c * FONT_SLOT_BYTES + y] =
				g && y < f->height && c != ' ' ? g[y] : 0;
	}
	/* Back to text mode's odd/even access of planes 0 and 1 at 0xb8000. */
	reg_write(VGA_SEQ_INDEX, SEQ_MAP_MASK, map_mask);
	reg_write(VGA_SEQ_INDEX, SEQ_MEM_MODE, mem_mode);
	reg_write(VGA_GC_INDEX, GC_READ_MAP, read_map);
	reg_write(VGA_GC_INDEX, GC_MODE, mode);
	reg_write(VGA_GC_INDEX, VGA_GC_MISC, misc);
	return 0;
}

void vgatext_hide_cursor(void)
{
	uint16_t crtc = crtc_port();
	uint8_t v = crtc_read(crtc, CRTC_CURSOR_START);

	outb(crtc + 1, v | CURSOR_DISABLE);
}
#endif
