/*
 * screencheck - print the text on a screenshot of irqlab's screen.
 *
 *   screencheck --font build/font.psf [--cell-width N] [--margins] [--stats] SHOT.ppm
 *
 * SHOT.ppm is what QEMU's monitor `screendump` writes (P6). One line per
 * text row, trailing blanks trimmed, '?' for a cell that matches no glyph.
 * The cell width is the font's, or 9 for a VGA text screen (720x400 in
 * mode 3): without --cell-width both are tried and the better kept.
 * --margins accepts an image that is not a whole number of cells (the
 * image draws from pixel (0,0) and leaves the rest background). --stats
 * prints the grid and the number of unknown cells on stderr.
 * Exit status: 0 decoded, 2 bad input (unreadable or not a P6 PPM, not a
 * PSF font, image not a whole number of cells), 1 anything else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/font.h"
#include "host/screencheck/decode.h"
#include "host/screencheck/ppm.h"

#define EXIT_BAD_INPUT	2
#define FILE_MAX	(256u << 20)

static void usage(void)
{
	fprintf(stderr, "usage: screencheck --font FONT.psf [--cell-width N] [--margins] "
		"[--stats] SHOT.ppm\n");
	exit(EXIT_BAD_INPUT);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			if (cap >= FILE_MAX) {
				errno = EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				break;
			fclose(f);
			*len = n;
			return buf ? buf : malloc(1);
		}
	}
	fclose(f);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *font_path = NULL, *shot = NULL;
	unsigned cell_w = 0, flags = 0;
	int stats = 0;
	uint8_t *fdata, *idata;
	size_t flen, ilen;
	struct font font;
	struct image im;
	struct decoded d;
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--font") && i + 1 < argc) {
			font_path = argv[++i];
		} else if (!strcmp(argv[i], "--cell-width") && i + 1 < argc) {
			char *end;

			cell_w = (unsigned)strtoul(argv[++i], &end, 10);
			if (*end || cell_w == 0)
				usage();
		} else if (!strcmp(argv[i], "--margins")) {
			flags |= DECODE_MARGINS;
		} else if (!strcmp(argv[i], "--stats")) {
			stats = 1;
		} else if (argv[i][0] == '-' || shot) {
			usage();
		} else {
			shot = argv[i];
		}
	}
	if (!font_path || !shot)
		usage();
	fdata = slurp(font_path, &flen);
	if (!fdata) {
		fprintf(stderr, "screencheck: %s: %s\n", font_path, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	if (font_parse(fdata, flen, &font, err, sizeof(err)) < 0) {
		fprintf(stderr, "screencheck: %s: %s\n", font_path, err);
		return EXIT_BAD_INPUT;
	}
	idata = slurp(shot, &ilen);
	if (!idata) {
		fprintf(stderr, "screencheck: %s: %s\n", shot, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	if (ppm_parse(idata, ilen, &im, err, sizeof(err)) < 0) {
		fprintf(stderr, "screencheck: %s: %s\n", shot, err);
		return EXIT_BAD_INPUT;
	}
	if ((cell_w ? decode_screen(&im, &font, cell_w, flags, &d, err, sizeof(err))
		    : decode_screen_auto(&im, &font, flags, &d, err, sizeof(err))) < 0) {
		fprintf(stderr, "screencheck: %s: %s\n", shot, err);
		return strstr(err, "memory") ? 1 : EXIT_BAD_INPUT;
	}
	fputs(d.text, stdout);
	if (stats)
		fprintf(stderr, "screencheck: %ux%u cells of %ux%u pixels, %u unknown\n",
			d.cols, d.rows, d.cell_w, font.height, d.unknown);
	decoded_free(&d);
	free(idata);
	free(fdata);
	return 0;
}
