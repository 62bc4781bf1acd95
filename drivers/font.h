/*
 * font.h - PSF console fonts (version 1 and 2, as in Debian's
 * console-setup fonts), shared by the image's screen console and the host
 * screenshot checker (host/screencheck). Pure parsing: no I/O.
 *
 * Bytes are mapped to glyphs through the font's Unicode table: byte b is
 * code point U+00b (ASCII, then Latin-1), so the text on screen is the
 * text printed on serial whatever order the font keeps its glyphs in.
 */
#ifndef IRQLAB_DRIVERS_FONT_H
#define IRQLAB_DRIVERS_FONT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FONT_WIDTH_MAX	32
#define FONT_HEIGHT_MAX	64
#define FONT_NO_GLYPH	0xffffu

struct font {
	unsigned version;		/* 1 or 2 */
	unsigned width, height;		/* pixels */
	unsigned row_bytes;		/* (width + 7) / 8 */
	unsigned glyph_bytes;		/* row_bytes * height */
	unsigned n_glyphs;
	const uint8_t *glyphs;
	bool has_unicode;
	uint16_t map[256];		/* byte -> glyph index or FONT_NO_GLYPH */
};

/* Parses a PSF file of `len` bytes (kept, not copied). Returns 0, or -1
 * with the reason in err (not a PSF file, truncated, absurd sizes). */
int font_parse(const uint8_t *data, size_t len, struct font *f, char *err,
	       size_t errlen);

/* Glyph bitmap for byte c: rows of row_bytes, most significant bit
 * leftmost. Unmapped bytes get the glyph of '?'; NULL if that is missing
 * too. */
const uint8_t *font_glyph(const struct font *f, unsigned char c);

/* Pixel (x, y) of a glyph. */
static inline bool font_pixel(const struct font *f, const uint8_t *g, unsigned x,
			      unsigned y)
{
	return g[y * f->row_bytes + x / 8] & (0x80u >> (x % 8));
}

#endif
