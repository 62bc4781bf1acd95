/*
 * font.c - PSF1 and PSF2 parsing. Layouts (from the kbd project's psf.h,
 * which is what setfont reads):
 *   PSF1: u8 magic[2] = 36 04, u8 mode, u8 charsize (= height; width 8);
 *         256 glyphs, 512 if mode & 1; Unicode table if mode & 2 (or 4):
 *         per glyph, u16 code points, 0xfffe starts sequences, 0xffff ends.
 *   PSF2: u32 magic 0x864ab572, version, headersize, flags (1: Unicode
 *         table), length (glyphs), charsize (bytes per glyph), height,
 *         width; Unicode table per glyph in UTF-8, 0xfe starts sequences,
 *         0xff ends.
 * Every offset is checked against len before it is read.
 */
#include "drivers/font.h"
#include <stdio.h>
#include <string.h>

#define PSF1_MAGIC0	0x36
#define PSF1_MAGIC1	0x04
#define PSF1_MODE512	0x01
#define PSF1_MODEHASTAB	0x02
#define PSF1_MODESEQ	0x04
#define PSF1_SEPARATOR	0xffffu
#define PSF1_STARTSEQ	0xfffeu

#define PSF2_MAGIC	0x864ab572u
#define PSF2_HAS_UNICODE_TABLE	0x01u
#define PSF2_SEPARATOR	0xffu
#define PSF2_STARTSEQ	0xfeu
#define PSF2_HEADER	32u

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A single code point (not part of a sequence) maps to glyph g. Only the
 * first glyph claiming a code point keeps it. */
static void map_cp(struct font *f, uint32_t cp, unsigned g)
{
	if (cp < 256 && f->map[cp] == FONT_NO_GLYPH)
		f->map[cp] = (uint16_t)g;
}

static int psf1_table(struct font *f, const uint8_t *p, size_t left)
{
	for (unsigned g = 0; g < f->n_glyphs; g++) {
		bool in_seq = false;

		for (;;) {
			uint32_t u;

			if (left < 2)
				return -1;
			u = p[0] | p[1] << 8;
			p += 2;
			left -= 2;
			if (u == PSF1_SEPARATOR)
				break;
			if (u == PSF1_STARTSEQ)
				in_seq = true;
			else if (!in_seq)
				map_cp(f, u, g);
		}
	}
	return 0;
}

/* One UTF-8 code point at p (at most left bytes): its length, or 0. */
static unsigned utf8(const uint8_t *p, size_t left, uint32_t *cp)
{
	unsigned n, i;
	uint32_t v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) { n = 2; v = p[0] & 0x1f; }
	else if ((p[0] & 0xf0) == 0xe0) { n = 3; v = p[0] & 0x0f; }
	else if ((p[0] & 0xf8) == 0xf0) { n = 4; v = p[0] & 0x07; }
	else return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	*cp = v;
	return n;
}

static int psf2_table(struct font *f, const uint8_t *p, size_t left)
{
	for (unsigned g = 0; g < f->n_glyphs; g++) {
		bool in_seq = false;

		for (;;) {
			uint32_t cp;
			unsigned n;

			if (left < 1)
				return -1;
			if (p[0] == PSF2_SEPARATOR) {
				p++;
				left--;
				break;
			}
			if (p[0] == PSF2_STARTSEQ) {
				in_seq = true;
				p++;
				left--;
				continue;
			}
			n = utf8(p, left, &cp);
			if (n == 0)
				return -1;
			if (!in_seq)
				map_cp(f, cp, g);
			p += n;
			left -= n;
		}
	}
	return 0;
}

int font_parse(const uint8_t *data, size_t len, struct font *f, char *err,
	       size_t errlen)
{
	size_t hdr, glyph_end;
	bool table;
	int r = 0;

	memset(f, 0, sizeof(*f));
	if (!data || len < 4) {
		snprintf(err, errlen, "font: %zu bytes is too short for a PSF header", len);
		return -1;
	}
	if (data[0] == PSF1_MAGIC0 && data[1] == PSF1_MAGIC1) {
		f->version = 1;
		f->width = 8;
		f->height = data[3];
		f->n_glyphs = data[2] & PSF1_MODE512 ? 512 : 256;
		table = data[2] & (PSF1_MODEHASTAB | PSF1_MODESEQ);
		hdr = 4;
		f->row_bytes = 1;
		f->glyph_bytes = f->height;
	} else if (len >= PSF2_HEADER && le32(data) == PSF2_MAGIC) {
		f->version = 2;
		hdr = le32(data + 8);
		table = le32(data + 12) & PSF2_HAS_UNICODE_TABLE;
		f->n_glyphs = le32(data + 16);
		f->glyph_bytes = le32(data + 20);
		f->height = le32(data + 24);
		f->width = le32(data + 28);
		if (le32(data + 4) != 0) {
			snprintf(err, errlen, "font: PSF2 version %u (only 0 exists)",
				 le32(data + 4));
			return -1;
		}
		if (hdr < PSF2_HEADER || hdr > len) {
			snprintf(err, errlen, "font: PSF2 header size %zu in a %zu-byte file",
				 hdr, len);
			return -1;
		}
		if (f->width == 0 || f->width > FONT_WIDTH_MAX) {
			snprintf(err, errlen, "font: glyph width %u (1..%u supported)",
				 f->width, FONT_WIDTH_MAX);
			return -1;
		}
		f->row_bytes = (f->width + 7) / 8;
		/* Compare in 64 bits: height is a u32 from the file. */
		if ((uint64_t)f->row_bytes * f->height != f->glyph_bytes) {
			snprintf(err, errlen, "font: %u bytes per glyph for %ux%u pixels",
				 f->glyph_bytes, f->width, f->height);
			return -1;
		}
	} else {
		snprintf(err, errlen, "font: not a PSF file (magic %02x %02x %02x %02x; "
			 "PSF1 is 36 04, PSF2 is 72 b5 4a 86)", data[0], data[1], data[2],
			 data[3]);
		return -1;
	}
	if (f->height == 0 || f->height > FONT_HEIGHT_MAX) {
		snprintf(err, errlen, "font: glyph height %u (1..%u supported)", f->height,
			 FONT_HEIGHT_MAX);
		return -1;
	}
	if (f->n_glyphs == 0 || f->n_glyphs > 65536) {
		snprintf(err, errlen, "font: %u glyphs (1..65536 supported)", f->n_glyphs);
		return -1;
	}
	/* glyph_bytes <= 4 * 64 and n_glyphs <= 65536: no overflow. */
	glyph_end = hdr + (size_t)f->glyph_bytes * f->n_glyphs;
	if (glyph_end > len) {
		snprintf(err, errlen, "font: truncated: %u glyphs of %u bytes need %zu "
			 "bytes, the file has %zu", f->n_glyphs, f->glyph_bytes, glyph_end, len);
		return -1;
	}
	f->glyphs = data + hdr;
	for (unsigned i = 0; i < 256; i++)
		f->map[i] = FONT_NO_GLYPH;
	if (table) {
		r = f->version == 1 ? psf1_table(f, data + glyph_end, len - glyph_end)
				    : psf2_table(f, data + glyph_end, len - glyph_end);
		if (r < 0) {
			snprintf(err, errlen, "font: Unicode table is truncated or not "
				 "valid %s", f->version == 1 ? "UCS-2" : "UTF-8");
			return -1;
		}
		f->has_unicode = true;
	} else {
		/* No table: glyph i is character i (the VGA ROM's order). */
		for (unsigned i = 0; i < 256 && i < f->n_glyphs; i++)
			f->map[i] = (uint16_t)i;
	}
	return 0;
}

const uint8_t *font_glyph(const struct font *f, unsigned char c)
{
	unsigned g = f->map[c];

	if (g == FONT_NO_GLYPH)
		g = f->map['?'];
	if (g == FONT_NO_GLYPH || g >= f->n_glyphs)
		return NULL;
	return f->glyphs + (size_t)g * f->glyph_bytes;
}
