/*
 * decode.h - recover the text on a screenshot by matching every character
 * cell against a PSF font's glyphs. Pure: no I/O (tests/unit links it).
 *
 * The screen is a grid of cells from pixel (0,0), cell_w x font height
 * pixels each. A cell holds character c when its pixels split into
 * exactly the glyph's shape: every pixel the glyph leaves clear has the
 * cell's background colour, every pixel the glyph sets has one other
 * colour, the same for all of them; columns past the glyph's width (the 9th column of VGA text) are
 * background. Nothing else matches: a shifted or damaged glyph, or another
 * font's glyph, decodes as '?'.
 */
#ifndef IRQLAB_HOST_SCREENCHECK_DECODE_H
#define IRQLAB_HOST_SCREENCHECK_DECODE_H
#include <stddef.h>
#include <stdint.h>
#include "drivers/font.h"

struct image {
	unsigned width, height;
	const uint8_t *rgb;		/* width * height * 3 bytes, rows top down */
};

struct decoded {
	unsigned cols, rows, cell_w;
	unsigned unknown;		/* cells that matched no glyph */
	char *text;			/* rows lines, each trimmed, '\n' ended */
};

/* Lets the image end in a partial column or row of cells (a framebuffer
 * of 800x600 holds 37.5 rows of 16 pixels); they are not decoded. */
#define DECODE_MARGINS	1u

/* Decodes with cells cell_w pixels wide (font width, or font width + 1
 * for VGA text's 9-dot cells). Returns 0, or -1 with the reason in err
 * (size not a multiple of the cell without DECODE_MARGINS, cell narrower
 * than the font, no memory). out->text is malloc'd: decoded_free(). */
int decode_screen(const struct image *im, const struct font *f, unsigned cell_w,
		  unsigned flags, struct decoded *out, char *err, size_t errlen);
/* Tries the font width and, for 8-pixel fonts, 9 (VGA text) and keeps
 * the one with fewer unknown cells. */
int decode_screen_auto(const struct image *im, const struct font *f, unsigned flags,
		       struct decoded *out, char *err, size_t errlen);
void decoded_free(struct decoded *d);

#endif
