/*
 * decode.c - cell-by-cell glyph matching (decode.h). Each candidate
 * character (printable ASCII, the only bytes the image prints) becomes a
 * bitmap of cell_w x height bits; a cell becomes the bitmap "differs from
 * its top-left pixel", which is the glyph when that pixel is background
 * and the glyph's complement when it is foreground.
 */
#include "host/screencheck/decode.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_CHAR	0x20
#define LAST_CHAR	0x7e
#define N_CHARS		(LAST_CHAR - FIRST_CHAR + 1)

struct candidates {
	unsigned height, cell_w;
	uint64_t rows[N_CHARS][FONT_HEIGHT_MAX];	/* bit x = pixel x */
	int have[N_CHARS];
};

static void make_candidates(struct candidates *cd, const struct font *f, unsigned cell_w)
{
	memset(cd, 0, sizeof(*cd));
	cd->height = f->height;
	cd->cell_w = cell_w;
	for (unsigned i = 0; i < N_CHARS; i++) {
		unsigned char c = (unsigned char)(FIRST_CHAR + i);
		const uint8_t *g = f->map[c] == FONT_NO_GLYPH ? NULL : font_glyph(f, c);

		if (!g)
			continue;
		cd->have[i] = 1;
		for (unsigned y = 0; y < f->height; y++)
			for (unsigned x = 0; x < f->width; x++)
				if (font_pixel(f, g, x, y))
					cd->rows[i][y] |= 1ull << x;
	}
}

static uint32_t px(const struct image *im, unsigned x, unsigned y)
{
	const uint8_t *p = im->rgb + ((size_t)y * im->width + x) * 3;

	return (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
}

/* The character in the cell at pixel (x0, y0), or '?'. */
static char match_cell(const struct image *im, const struct candidates *cd,
		       unsigned x0, unsigned y0)
{
	uint64_t m[FONT_HEIGHT_MAX], full = cd->cell_w >= 64 ? ~0ull :
					    (1ull << cd->cell_w) - 1;
	uint32_t c0 = px(im, x0, y0), other = 0;
	int have_other = 0, two_colours = 1;

	for (unsigned y = 0; y < cd->height; y++) {
		m[y] = 0;
		for (unsigned x = 0; x < cd->cell_w; x++) {
			uint32_t c = px(im, x0 + x, y0 + y);

			if (c == c0)
				continue;
			m[y] |= 1ull << x;
			if (!have_other) {
				other = c;
				have_other = 1;
			} else if (c != other) {
				two_colours = 0;
			}
		}
	}
	/* Direct: top-left is background, set bits are the glyph, all in one
	 * foreground colour (the console draws a glyph in one colour; a cell
	 * whose "glyph" pixels differ among themselves is damage). */
	for (unsigned i = 0; two_colours && i < N_CHARS; i++) {
		unsigned y;

		if (!cd->have[i])
			continue;
		for (y = 0; y < cd->height && m[y] == cd->rows[i][y]; y++)
			;
		if (y == cd->height)
			return (char)(FIRST_CHAR + i);
	}
	/* Complement: top-left is foreground; then the background is the one
	 * other colour, so again the cell must have exactly two. */
	if (!have_other || !two_colours)
		return '?';
	for (unsigned i = 0; i < N_CHARS; i++) {
		unsigned y;

		if (!cd->have[i])
			continue;
		for (y = 0; y < cd->height && (~m[y] & full) == cd->rows[i][y]; y++)
			;
		if (y == cd->height)
			return (char)(FIRST_CHAR + i);
	}
	return '?';
}

int decode_screen(const struct image *im, const struct font *f, unsigned cell_w,
		  unsigned flags, struct decoded *out, char *err, size_t errlen)
{
	struct candidates *cd;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	if (cell_w < f->width || cell_w > 64) {
		snprintf(err, errlen, "cell width %u for a %u-pixel font", cell_w, f->width);
		return -1;
	}
	if (im->width < cell_w || im->height < f->height ||
	    (!(flags & DECODE_MARGINS) && (im->width % cell_w || im->height % f->height))) {
		snprintf(err, errlen, "image size %ux%u is not a multiple of the %ux%u cell",
			 im->width, im->height, cell_w, f->height);
		return -1;
	}
	out->cols = im->width / cell_w;
	out->rows = im->height / f->height;
	out->cell_w = cell_w;
	cd = malloc(sizeof(*cd));
	out->text = malloc((size_t)out->rows * (out->cols + 1) + 1);
	if (!cd || !out->text) {
		free(cd);
		free(out->text);
		out->text = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	make_candidates(cd, f, cell_w);
	for (unsigned r = 0; r < out->rows; r++) {
		size_t start = len;

		for (unsigned c = 0; c < out->cols; c++) {
			char ch = match_cell(im, cd, c * cell_w, r * f->height);

			out->unknown += ch == '?';
			out->text[len++] = ch;
		}
		while (len > start && out->text[len - 1] == ' ')
			len--;
		out->text[len++] = '\n';
	}
	out->text[len] = '\0';
	free(cd);
	return 0;
}

int decode_screen_auto(const struct image *im, const struct font *f, unsigned flags,
		       struct decoded *out, char *err, size_t errlen)
{
	struct decoded alt;
	char err2[256];
	int r;

	r = decode_screen(im, f, f->width, flags, out, err, errlen);
	if (f->width != 8 || decode_screen(im, f, 9, flags, &alt, err2, sizeof(err2)) < 0)
		return r;
	if (r < 0 || alt.unknown < out->unknown) {
		decoded_free(out);
		*out = alt;
		return 0;
	}
	decoded_free(&alt);
	return 0;
}

void decoded_free(struct decoded *d)
{
	free(d->text);
	d->text = NULL;
}
