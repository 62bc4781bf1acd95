/*
 * fbcon.c - glyphs into a linear framebuffer. The common case (32 bpp,
 * 8-pixel glyphs) writes each glyph row as four 8-byte stores from a
 * table of the 256 possible rows: on real hardware the framebuffer is
 * mapped uncached (map_mmio), where every store is a bus transaction, so
 * fewer, wider stores is what makes a scroll fast.
 */
#include "drivers/fbcon.h"
#include <stdio.h>

/* expand[bits] = 8 pixels (4 x u64) for a glyph row with those bits. */
static uint64_t expand[256][4];

static uint32_t channel(uint32_t v8, unsigned pos, unsigned size)
{
	uint32_t v = size <= 8 ? v8 >> (8 - size) : v8 << (size - 8);

	return v << pos;
}

uint32_t fbcon_pixel(const struct boot_fb *fb, uint32_t rgb)
{
	return channel(rgb >> 16 & 0xff, fb->red_pos, fb->red_size) |
	       channel(rgb >> 8 & 0xff, fb->green_pos, fb->green_size) |
	       channel(rgb & 0xff, fb->blue_pos, fb->blue_size);
}

int fbcon_setup(struct fbcon *fc, void *base, const struct boot_fb *fb,
		const struct font *font, char *err, size_t errlen)
{
	if (!fb->usable || fb->type != FB_TYPE_RGB) {
		snprintf(err, errlen, "framebuffer is not a usable RGB one (type %u%s%s)",
			 fb->type, fb->err[0] ? ": " : "", fb->err);
		return -1;
	}
	if (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32) {
		snprintf(err, errlen, "framebuffer depth %u bpp is not drawn (15, 16, 24 "
			 "and 32 are)", fb->bpp);
		return -1;
	}
	if (fb->width < font->width || fb->height < font->height) {
		snprintf(err, errlen, "framebuffer %ux%u is smaller than one %ux%u cell",
			 fb->width, fb->height, font->width, font->height);
		return -1;
	}
	fc->base = base;
	fc->pitch = fb->pitch;
	fc->width = fb->width;
	fc->height = fb->height;
	fc->bytes_pp = (fb->bpp + 7) / 8;
	fc->fg = fbcon_pixel(fb, FBCON_FG_RGB);
	fc->bg = fbcon_pixel(fb, FBCON_BG_RGB);
	fc->font = font;
	fc->cols = fb->width / font->width;
	fc->rows = fb->height / font->height;
	fc->fast = fc->bytes_pp == 4 && font->width == 8 &&
		   ((uintptr_t)base & 7) == 0 && (fb->pitch & 7) == 0;
	if (fc->fast)
		for (unsigned bits = 0; bits < 256; bits++)
			for (unsigned i = 0; i < 4; i++) {
				uint64_t lo = bits & (0x80u >> (2 * i)) ? fc->fg : fc->bg;
				uint64_t hi = bits & (0x40u >> (2 * i)) ? fc->fg : fc->bg;

				/* Little endian: the left pixel is the low word. */
				expand[bits][i] = lo | hi << 32;
			}
	return 0;
}

static void put_pixel(const struct fbcon *fc, volatile uint8_t *p, uint32_t v)
{
	switch (fc->bytes_pp) {
	case 4:
		*(volatile uint32_t *)p = v;
		break;
	case 3:
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		break;
	default:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	}
}

void fbcon_clear(struct fbcon *fc)
{
	for (uint32_t y = 0; y < fc->height; y++) {
		volatile uint8_t *line = fc->base + (size_t)y * fc->pitch;

		if (fc->fast && fc->bg == 0) {
			volatile uint64_t *q = (volatile uint64_t *)line;

			for (uint32_t x = 0; x < fc->width / 2; x++)
				q[x] = 0;
			if (fc->width & 1)
				put_pixel(fc, line + (size_t)(fc->width - 1) * 4, 0);
			continue;
		}
		for (uint32_t x = 0; x < fc->width; x++)
			put_pixel(fc, line + (size_t)x * fc->bytes_pp, fc->bg);
	}
}

void fbcon_draw(void *ctx, unsigned row, unsigned col, unsigned char c)
{
	const struct fbcon *fc = ctx;
	const struct font *f = fc->font;
	const uint8_t *g = font_glyph(f, c);
	volatile uint8_t *cell;

	/* Out-of-range cells are ignored, never written: a caller's state
	 * may be half updated when the run ends inside a print. */
	if (row >= fc->rows || col >= fc->cols)
		return;
	if (c == ' ')
		g = NULL;	/* blank whatever glyph the font has for space */
	cell = fc->base + (size_t)row * f->height * fc->pitch +
	       (size_t)col * f->width * fc->bytes_pp;
	for (unsigned y = 0; y < f->height; y++) {
		volatile uint8_t *line = cell + (size_t)y * fc->pitch;

		if (fc->fast) {
			const uint64_t *e = expand[g ? g[y] : 0];
			volatile uint64_t *q = (volatile uint64_t *)line;

			q[0] = e[0];
			q[1] = e[1];
			q[2] = e[2];
			q[3] = e[3];
			continue;
		}
		for (unsigned x = 0; x < f->width; x++)
			put_pixel(fc, line + (size_t)x * fc->bytes_pp,
				  g && font_pixel(f, g, x, y) ? fc->fg : fc->bg);
	}
}
