/*
 * test_screencheck.c - the screen console's drawing code (drivers/screen.c,
 * fbcon.c, font.c, as built into the image) rendering into memory, read
 * back by the screenshot checker's decoder (host/screencheck), plus the
 * checker's own negative controls.
 *
 * The font is the one the image links: build/font.psf when it exists,
 * else Debian's Lat15-VGA16 decompressed with gzip (console-setup-linux).
 * Expected screens come from a deliberately simple reference terminal
 * here (a grid, memmove to scroll), not from the code under test.
 */
// uses: drivers/font.c drivers/screen.c drivers/fbcon.c drivers/vgatext.c src/boot/bootinfo.c host/screencheck/decode.c host/screencheck/ppm.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "boot/bootinfo.h"
#include "drivers/fbcon.h"
#include "drivers/font.h"
#include "drivers/screen.h"
#include "host/screencheck/decode.h"
#include "host/screencheck/ppm.h"

extern bool screen_test_no_queue;
extern void (*screen_test_reserve_window)(void);

#define SYS_FONT	"/usr/share/consolefonts/Lat15-VGA16.psf.gz"
#define OTHER_FONT	"/usr/share/consolefonts/Lat15-Fixed16.psf.gz"

static uint8_t *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0, got;
	uint8_t *b = malloc(cap);

	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			b = realloc(b, cap *= 2);
	}
	*len = n;
	return b;
}

static uint8_t *load_font_file(const char *psf, const char *gz, size_t *len)
{
	FILE *f = psf ? fopen(psf, "rb") : NULL;
	uint8_t *b;
	char cmd[256];

	if (f) {
		b = read_all(f, len);
		fclose(f);
		return b;
	}
	snprintf(cmd, sizeof(cmd), "gzip -dc %s", gz);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	b = read_all(f, len);
	if (pclose(f) != 0 || *len == 0) {
		free(b);
		return NULL;
	}
	return b;
}

static struct font font;

/* ---- reference terminal */

#define REF_COLS_MAX	256
#define REF_ROWS_MAX	128

static char ref[REF_ROWS_MAX][REF_COLS_MAX];
static unsigned ref_cols, ref_rows, ref_r, ref_c;

static void ref_reset(unsigned cols, unsigned rows)
{
	ref_cols = cols;
	ref_rows = rows;
	ref_r = ref_c = 0;
	memset(ref, ' ', sizeof(ref));
}

static void ref_newline(void)
{
	ref_c = 0;
	if (++ref_r == ref_rows) {
		memmove(ref[0], ref[1], sizeof(ref[0]) * (ref_rows - 1));
		memset(ref[ref_rows - 1], ' ', sizeof(ref[0]));
		ref_r--;
	}
}

static void ref_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n') {
			ref_newline();
		} else if (*s == '\r') {
			ref_c = 0;
		} else if (*s == '\t') {
			ref_c = (ref_c / 8 + 1) * 8;
			if (ref_c >= ref_cols)
				ref_newline();
		} else if (*s == '\b') {
			if (ref_c)
				ref_c--;
		} else {
			if (ref_c == ref_cols)
				ref_newline();
			ref[ref_r][ref_c++] = *s;
		}
	}
}

/* The reference screen as screencheck prints it. */
static void ref_text(char *out)
{
	for (unsigned r = 0; r < ref_rows; r++) {
		unsigned n = ref_cols;

		while (n && ref[r][n - 1] == ' ')
			n--;
		memcpy(out, ref[r], n);
		out += n;
		*out++ = '\n';
	}
	*out = 0;
}

/* ---- a framebuffer in memory */

struct memfb {
	struct boot_fb fb;
	uint8_t *pix;
	struct fbcon fc;
	uint8_t *rgb;			/* the "screenshot" */
	struct image im;
};

static int memfb_make(struct memfb *m, unsigned w, unsigned h, unsigned bpp,
		      unsigned pitch_pad, const uint8_t pos[6])
{
	char err[128];

	memset(m, 0, sizeof(*m));
	m->fb.present = true;
	m->fb.type = FB_TYPE_RGB;
	m->fb.bpp = (uint8_t)bpp;
	m->fb.width = w;
	m->fb.height = h;
	m->fb.pitch = w * ((bpp + 7) / 8) + pitch_pad;
	m->fb.addr = 0x80000000;		/* only checked, never used */
	m->fb.red_pos = pos[0];
	m->fb.red_size = pos[1];
	m->fb.green_pos = pos[2];
	m->fb.green_size = pos[3];
	m->fb.blue_pos = pos[4];
	m->fb.blue_size = pos[5];
	bootinfo_check_fb(&m->fb);
	/* Poison: anything the console fails to draw shows up. */
	m->pix = malloc((size_t)m->fb.pitch * h + 8);
	memset(m->pix, 0x5a, (size_t)m->fb.pitch * h + 8);
	if (fbcon_setup(&m->fc, m->pix, &m->fb, &font, err, sizeof(err)) < 0) {
		printf("      fbcon_setup: %s\n", err);
		return -1;
	}
	fbcon_clear(&m->fc);
	return 0;
}

/* Screenshot: each pixel value becomes a colour (distinct values stay
 * distinct), cropped to whole cells as the image draws them. */
static void memfb_shot(struct memfb *m)
{
	unsigned bytes = (m->fb.bpp + 7) / 8;
	unsigned w = m->fc.cols * font.width, h = m->fc.rows * font.height;

	free(m->rgb);
	m->rgb = malloc((size_t)w * h * 3);
	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++) {
			const uint8_t *p = m->pix + (size_t)y * m->fb.pitch + (size_t)x * bytes;
			uint32_t v = 0;
			uint8_t *o = m->rgb + ((size_t)y * w + x) * 3;

			memcpy(&v, p, bytes);
			o[0] = (uint8_t)(v >> 16);
			o[1] = (uint8_t)(v >> 8);
			o[2] = (uint8_t)v;
		}
	m->im.width = w;
	m->im.height = h;
	m->im.rgb = m->rgb;
}

static void memfb_free(struct memfb *m)
{
	free(m->pix);
	free(m->rgb);
}

/* ---- the transcript: more lines than the screen, a SUMMARY at the end */

static char transcript[64 * 1024];
static const char summary[] = "SUMMARY: 12 tests, 0 failures, 1 skipped";

static void make_transcript(unsigned lines)
{
	size_t n = 0;

	transcript[0] = 0;
	for (unsigned i = 0; i < lines; i++)
		n += (size_t)snprintf(transcript + n, sizeof(transcript) - n,
				      "PASS: apic: line %u of the run {\"k\":%u, \"v\":\"%.*s\"}\n",
				      i, i * 7919 % 1000, (int)(i % 90),
				      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789!#$%&()*+,-./:;<=>?@[]^_`|~abcdefghijklmn");
	snprintf(transcript + n, sizeof(transcript) - n, "%s\n--- DONE: 0 ---\n", summary);
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static char *decode_text(const struct image *im, unsigned *unknown)
{
	struct decoded d;
	char err[256];

	if (decode_screen_auto(im, &font, 0, &d, err, sizeof(err)) < 0) {
		printf("      decode: %s\n", err);
		*unknown = ~0u;
		return NULL;
	}
	*unknown = d.unknown;
	return d.text;
}

/* Renders the transcript at one pixel format and decodes it back. */
static void test_format(const char *what, unsigned w, unsigned h, unsigned bpp,
			unsigned pad, const uint8_t pos[6], int want_fast)
{
	static char want[REF_ROWS_MAX * (REF_COLS_MAX + 1) + 1];
	struct memfb m;
	unsigned unknown;
	char *got;

	if (!CHECK(memfb_make(&m, w, h, bpp, pad, pos) == 0, "%s: set up", what))
		return;
	CHECK(m.fc.fast == want_fast, "%s: fast path %s", what, want_fast ? "on" : "off");
	screen_attach(&(struct screen_backend){ fbcon_draw, &m.fc }, m.fc.cols, m.fc.rows);
	for (const char *p = transcript; *p; p++)
		screen_putc(*p);
	memfb_shot(&m);
	ref_reset(m.fc.cols, m.fc.rows);
	ref_puts(transcript);
	ref_text(want);
	got = decode_text(&m.im, &unknown);
	CHECK(got && unknown == 0, "%s: every cell decodes (%u unknown)", what, unknown);
	CHECK(got && has_line(got, summary), "%s: SUMMARY line on screen", what);
	if (!CHECK(got && strcmp(got, want) == 0, "%s: whole screen equals the reference "
		   "terminal (%ux%u, scrolled)", what, m.fc.cols, m.fc.rows) && got)
		printf("      got:\n%s      want:\n%s", got, want);
	/* Margins right of and below the last whole cell: background, not
	 * the poison. */
	{
		unsigned bytes = (bpp + 7) / 8, bad = 0;
		uint32_t bg = fbcon_pixel(&m.fb, FBCON_BG_RGB);

		for (unsigned y = 0; y < h; y++)
			for (unsigned x = m.fc.cols * font.width; x < w; x++) {
				uint32_t v = 0;

				memcpy(&v, m.pix + (size_t)y * m.fb.pitch + x * bytes, bytes);
				bad += v != bg;
			}
		CHECK(bad == 0, "%s: right margin cleared to background (%u pixels not)",
		      what, bad);
	}
	free(got);
	memfb_free(&m);
}

static const uint8_t xrgb8888[6] = { 16, 8, 8, 8, 0, 8 };
static const uint8_t bgr888[6] = { 0, 8, 8, 8, 16, 8 };
static const uint8_t rgb565[6] = { 11, 5, 5, 6, 0, 5 };

static void test_formats(void)
{
	check_set_prefix("render");
	make_transcript(150);
	test_format("32 bpp 1024x768", 1024, 768, 32, 0, xrgb8888, 1);
	test_format("32 bpp, pitch +4 (no 8-byte stores)", 640, 480, 32, 4, xrgb8888, 0);
	test_format("24 bpp BGR 800x600", 800, 600, 24, 0, bgr888, 0);
	test_format("16 bpp 565, 644x486 (margins)", 644, 486, 16, 8, rgb565, 0);
}

/* Control characters, wrapping, escape sequences: against the reference
 * (ESC sequences removed by hand, the reference does not know them). */
static void test_controls(void)
{
	static char want[REF_ROWS_MAX * (REF_COLS_MAX + 1) + 1];
	static const char in[] = "abc\rX\nA\tB\tC\nabcd\b\bZ\n\033[1;31mred\033[0m text\n"
				 "0123456789012345678901234567890123456789wrapped\n\a\x01\x7f"
				 "after controls\n\b\bstart";
	static const char ref_in[] = "abc\rX\nA\tB\tC\nabcd\b\bZ\nred text\n"
				     "0123456789012345678901234567890123456789wrapped\n"
				     "after controls\n\b\bstart";
	struct memfb m;
	unsigned unknown;
	char *got;

	check_set_prefix("controls");
	if (memfb_make(&m, 320, 160, 32, 0, xrgb8888) < 0)
		return;
	screen_attach(&(struct screen_backend){ fbcon_draw, &m.fc }, m.fc.cols, m.fc.rows);
	for (const char *p = in; *p; p++)
		screen_putc(*p);
	memfb_shot(&m);
	ref_reset(m.fc.cols, m.fc.rows);
	ref_puts(ref_in);
	ref_text(want);
	got = decode_text(&m.im, &unknown);
	if (!CHECK(got && strcmp(got, want) == 0, "\\r \\t \\b, wrap at %u columns, ESC "
		   "sequences and other controls dropped", m.fc.cols) && got)
		printf("      got:\n%s      want:\n%s", got, want);
	CHECK(got && strstr(got, "Xbc\nA       B       C\nabZd\nred text\n"),
	      "spelled out: Xbc / tab stops at 8 / abZd / red text");
	free(got);
	memfb_free(&m);
}

/* ---- nesting: an "NMI" prints from inside a draw */

static unsigned long nest_draws, nest_at;
static size_t nest_index, cur_index, nest_from;
static bool nest_done;

/* Counts draws from transcript byte nest_from on: the last lines, whose
 * effect is still on the screen at the end. */
static void nest_draw(void *ctx, unsigned row, unsigned col, unsigned char c)
{
	if (!nest_done && cur_index >= nest_from && ++nest_draws == nest_at) {
		nest_done = true;
		nest_index = cur_index;
		for (const char *p = "<NMI 7>\n"; *p; p++)
			screen_putc(*p);
	}
	fbcon_draw(ctx, row, col, c);
}

/* 1 when the screen equals the reference with the NMI's text inserted
 * after the byte being printed when it came, 0 when not, -1 when there
 * were fewer than `at` draws. */
static int nest_run(unsigned long at, struct memfb *m, char *want)
{
	static char expect[sizeof(transcript) + 16];
	unsigned unknown;
	char *got;
	bool ok;

	nest_draws = 0;
	nest_at = at;
	nest_done = false;
	fbcon_clear(&m->fc);
	screen_attach(&(struct screen_backend){ nest_draw, &m->fc }, m->fc.cols, m->fc.rows);
	for (cur_index = 0; transcript[cur_index]; cur_index++)
		screen_putc(transcript[cur_index]);
	if (!nest_done)
		return -1;
	memcpy(expect, transcript, nest_index + 1);
	strcpy(expect + nest_index + 1, "<NMI 7>\n");
	strcat(expect, transcript + nest_index + 1);
	memfb_shot(m);
	ref_reset(m->fc.cols, m->fc.rows);
	ref_puts(expect);
	ref_text(want);
	got = decode_text(&m->im, &unknown);
	ok = got && strcmp(got, want) == 0;
	free(got);
	return ok;
}

static void test_nesting(void)
{
	static char want[REF_ROWS_MAX * (REF_COLS_MAX + 1) + 1];
	unsigned runs = 0, ok = 0, bad_without = 0, runs_without = 0;
	struct memfb m;
	int r;

	check_set_prefix("nesting");
	make_transcript(40);
	/* From the start of the 6th line from the end (the screen has 8). */
	nest_from = strlen(transcript);
	for (unsigned nl = 0; nest_from > 0 && nl < 7; nest_from--)
		nl += transcript[nest_from - 1] == '\n';
	if (memfb_make(&m, 320, 128, 32, 0, xrgb8888) < 0)
		return;
	/* Every 17th draw: plain characters and the middle of scroll redraws
	 * (each newline here scrolls: 8 rows x 40 columns compared). */
	for (unsigned long at = 1; (r = nest_run(at, &m, want)) >= 0; at += 17) {
		runs++;
		ok += r;
	}
	CHECK(runs > 50 && ok == runs, "an NMI printing inside any of %u draws: screen "
	      "exact, its line after the byte in progress (%u ok)", runs, ok);
	CHECK_EQ_U64(screen_dropped(), 0, "nothing dropped");

	/* Negative control: without the queue the nested print draws over the
	 * outer one; the same comparison must fail. */
	screen_test_no_queue = true;
	for (unsigned long at = 1; (r = nest_run(at, &m, want)) >= 0; at += 17) {
		runs_without++;
		bad_without += !r;
	}
	screen_test_no_queue = false;
	CHECK(bad_without > 0, "negative control: without the queue %u of "
	      "%u runs differ", bad_without, runs_without);
	memfb_free(&m);
}

/* ---- the checker's negative controls */

static void test_decoder_negative(const uint8_t *other_data, size_t other_len)
{
	struct memfb m;
	unsigned unknown, w, h;
	char *got;
	uint8_t *shift;

	check_set_prefix("decoder");
	make_transcript(10);
	if (memfb_make(&m, 640, 160, 32, 0, xrgb8888) < 0)
		return;
	screen_attach(&(struct screen_backend){ fbcon_draw, &m.fc }, m.fc.cols, m.fc.rows);
	for (const char *p = transcript; *p; p++)
		screen_putc(*p);
	memfb_shot(&m);
	w = m.im.width;
	h = m.im.height;
	got = decode_text(&m.im, &unknown);
	CHECK(got && has_line(got, summary), "control: unmodified shot has the SUMMARY line");
	free(got);

	/* Shifted right by one pixel (left column repeated) and down by one. */
	shift = malloc((size_t)w * h * 3);
	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++)
			memcpy(shift + ((size_t)y * w + x) * 3,
			       m.rgb + ((size_t)y * w + (x ? x - 1 : 0)) * 3, 3);
	got = decode_text(&(struct image){ w, h, shift }, &unknown);
	CHECK(got && !strstr(got, "SUMMARY") && unknown > 0,
	      "shifted 1 pixel right: no SUMMARY (%u unknown cells)", unknown);
	free(got);
	for (unsigned y = 0; y < h; y++)
		memcpy(shift + (size_t)y * w * 3, m.rgb + (size_t)(y ? y - 1 : 0) * w * 3,
		       (size_t)w * 3);
	got = decode_text(&(struct image){ w, h, shift }, &unknown);
	CHECK(got && !has_line(got, summary), "shifted 1 pixel down: no SUMMARY line "
	      "(%u unknown cells)", unknown);
	free(got);

	/* One pixel of the 'M' of SUMMARY flipped: that cell is '?'. */
	{
		const char *t;
		unsigned row = 0;

		got = decode_text(&m.im, &unknown);
		t = strstr(got, summary);
		for (const char *p = got; p < t; p++)
			row += *p == '\n';
		free(got);
		memcpy(shift, m.rgb, (size_t)w * h * 3);
		{
			uint8_t *p = shift + ((size_t)(row * 16 + 7) * w + 2 * 8 + 4) * 3;

			p[0] ^= 0xaa;
			p[1] ^= 0xaa;
			p[2] ^= 0xaa;
		}
		got = decode_text(&(struct image){ w, h, shift }, &unknown);
		CHECK(got && !has_line(got, summary) && unknown == 1 &&
		      strstr(got, "SU?MARY"), "one pixel flipped in 'M': SU?MARY, 1 unknown");
		free(got);
	}

	/* Another 8x16 font: the same pixels do not decode to the line. */
	{
		struct font other;
		struct decoded d;
		char err[256];

		if (CHECK(other_data && font_parse(other_data, other_len, &other, err,
						   sizeof(err)) == 0, "other font parses")) {
			int r = decode_screen_auto(&m.im, &other, 0, &d, err, sizeof(err));

			CHECK(r == 0 && !has_line(d.text, summary) && d.unknown > 0,
			      "wrong font (Lat15-Fixed16): no SUMMARY line (%u unknown cells)",
			      d.unknown);
			decoded_free(&d);
		}
	}

	/* Sizes that are not whole cells: refused with a reason. */
	{
		struct decoded d;
		char err[256];

		CHECK(decode_screen(&(struct image){ w - 1, h, m.rgb }, &font, 8, 0, &d, err,
				    sizeof(err)) < 0 && strstr(err, "multiple"),
		      "width 639: not a multiple of the cell");
		CHECK(decode_screen(&(struct image){ w, h - 3, m.rgb }, &font, 8, 0, &d, err,
				    sizeof(err)) < 0 && strstr(err, "multiple"),
		      "height 157: not a multiple of the cell");
		CHECK(decode_screen(&(struct image){ w, h - 3, m.rgb }, &font, 8,
				    DECODE_MARGINS, &d, err, sizeof(err)) == 0 &&
		      d.rows == h / 16 - 1 && has_line(d.text, summary),
		      "height 157 with DECODE_MARGINS: 9 whole rows read, SUMMARY there");
		decoded_free(&d);
	}
	free(shift);
	memfb_free(&m);
}

/* A VGA-text-like shot: 9-pixel cells, the 9th column background, as
 * QEMU draws text mode with the font the image loads. */
static void test_vga_cells(void)
{
	static const char line0[] = "irqlab: VGA text";
	unsigned w = 80 * 9, h = 25 * 16, unknown;
	uint8_t *rgb = calloc((size_t)w * h, 3);
	char *got;

	check_set_prefix("vga cells");
	for (unsigned i = 0; i < sizeof(summary) - 1 || i < sizeof(line0) - 1; i++)
		for (unsigned row = 0; row < 2; row++) {
			const char *s = row ? summary : line0;
			const uint8_t *g;

			if (i >= strlen(s))
				continue;
			g = font_glyph(&font, (unsigned char)s[i]);
			for (unsigned y = 0; y < 16; y++)
				for (unsigned x = 0; x < 8; x++)
					if (font_pixel(&font, g, x, y))
						memset(rgb + ((size_t)(row * 16 + y) * w + i * 9 + x) * 3,
						       0xaa, 3);
		}
	got = decode_text(&(struct image){ w, h, rgb }, &unknown);
	CHECK(got && unknown == 0 && !strncmp(got, "irqlab: VGA text\nSUMMARY: 12", 28),
	      "720x400: 9-pixel cells chosen, both lines read");
	free(got);
	free(rgb);
}

/* ---- the queue at its limit, and the largest screen */

static unsigned char grid[SCREEN_ROWS_MAX][SCREEN_COLS_MAX];
static unsigned grid_cols, grid_rows, grid_outside, grid_draws;
static bool grid_fill_now;

static void grid_reset(unsigned cols, unsigned rows)
{
	grid_cols = cols;
	grid_rows = rows;
	grid_outside = 0;
	memset(grid, ' ', sizeof(grid));
}

static void grid_text(char *out)
{
	for (unsigned r = 0; r < grid_rows; r++) {
		unsigned n = grid_cols;

		while (n && grid[r][n - 1] == ' ')
			n--;
		memcpy(out, grid[r], n);
		out += n;
		*out++ = '\n';
	}
	*out = 0;
}

/* A deeper nesting striking inside a reservation: takes one slot. */
static void deeper_nmi(void)
{
	screen_putc('Y');
}

/* Draw of the outer 'A': an "NMI" prints 1023 bytes (the queue holds
 * 1024), then one more, 'X', during whose reservation a deeper "NMI"
 * prints 'Y' and takes the last slot. 'X' must be dropped; claiming a slot
 * anyway would land on the first undrained byte. */
static void grid_draw(void *ctx, unsigned row, unsigned col, unsigned char c)
{
	(void)ctx;
	grid_draws++;
	if (row >= grid_rows || col >= grid_cols) {
		grid_outside++;
		return;
	}
	grid[row][col] = c;
	if (grid_fill_now) {
		grid_fill_now = false;
		for (unsigned i = 0; i < 1023; i++)
			screen_putc(i % 64 == 63 ? '\n' : (char)('a' + i % 26));
		screen_test_reserve_window = deeper_nmi;
		screen_putc('X');
		screen_test_reserve_window = NULL;
	}
}

static void test_queue_limit(void)
{
	static char want[REF_ROWS_MAX * (REF_COLS_MAX + 1) + 1];
	static char got[SCREEN_ROWS_MAX * (SCREEN_COLS_MAX + 1) + 1];
	static char expect[2048];
	uint64_t dropped0;
	size_t n = 0;

	check_set_prefix("queue");
	grid_reset(80, 40);
	screen_attach(&(struct screen_backend){ grid_draw, NULL }, 80, 40);
	dropped0 = screen_dropped();
	grid_fill_now = true;
	screen_putc('A');
	expect[n++] = 'A';
	for (unsigned i = 0; i < 1023; i++)
		expect[n++] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	expect[n++] = 'Y';
	expect[n] = 0;
	ref_reset(80, 40);
	ref_puts(expect);
	ref_text(want);
	grid_text(got);
	CHECK(!grid_fill_now && strcmp(got, want) == 0, "queue full, a deeper nesting "
	      "takes the last slot inside a reservation: every queued byte shown once, "
	      "in order");
	CHECK_EQ_U64(screen_dropped() - dropped0, 1, "the byte with no slot is counted "
		     "as dropped");

	/* The largest screen the model holds: no draw outside it, whatever
	 * the cursor does at the last row and column. */
	grid_reset(SCREEN_COLS_MAX, SCREEN_ROWS_MAX);
	screen_attach(&(struct screen_backend){ grid_draw, NULL }, SCREEN_COLS_MAX + 5,
		      SCREEN_ROWS_MAX + 5);
	make_transcript(200);
	for (const char *p = transcript; *p; p++)
		screen_putc(*p);
	for (unsigned i = 0; i < 3 * SCREEN_COLS_MAX; i++)
		screen_putc(i % 7 == 6 ? '\t' : 'w');
	screen_flush_final();
	ref_reset(SCREEN_COLS_MAX, SCREEN_ROWS_MAX);
	ref_puts(transcript);
	for (unsigned i = 0; i < 3 * SCREEN_COLS_MAX; i++)
		ref_puts(i % 7 == 6 ? "\t" : "w");
	ref_text(want);
	grid_text(got);
	CHECK(grid_outside == 0 && strcmp(got, want) == 0, "%ux%u (attached as %ux%u): "
	      "clipped, screen equals the reference, no draw outside (%u)",
	      SCREEN_COLS_MAX, SCREEN_ROWS_MAX, SCREEN_COLS_MAX + 5, SCREEN_ROWS_MAX + 5,
	      grid_outside);
	/* After a final flush with no print in progress the screen is given
	 * back: later output still draws. */
	grid_draws = 0;
	screen_putc('\n');
	screen_putc('Q');
	CHECK(grid_draws > 0, "output after screen_flush_final still draws (%u draws)",
	      grid_draws);
}

/* ---- the font's glyphs, pinned */

/* Lat15-VGA16 (the IBM VGA 8x16 glyphs), written out here from the
 * font's pictures so that a wrong byte -> glyph mapping in font_glyph,
 * which the image and the checker share, cannot render and read back the
 * same wrong glyph unnoticed. 0xe9 and 0xb0 are stored at glyphs 130 and
 * 248 (code page 437 order): only the Unicode table finds them. */
static const struct { unsigned char c; const char *rows[16]; } pins[] = {
	{ 'S', { "........", "........", ".#####..", "##...##.", "##...##.", ".##.....",
		 "..###...", "....##..", ".....##.", "##...##.", "##...##.", ".#####..",
		 "........", "........", "........", "........" } },
	{ 'U', { "........", "........", "##...##.", "##...##.", "##...##.", "##...##.",
		 "##...##.", "##...##.", "##...##.", "##...##.", "##...##.", ".#####..",
		 "........", "........", "........", "........" } },
	{ 'M', { "........", "........", "##...##.", "###.###.", "#######.", "#######.",
		 "##.#.##.", "##...##.", "##...##.", "##...##.", "##...##.", "##...##.",
		 "........", "........", "........", "........" } },
	{ '0', { "........", "........", "..###...", ".##.##..", "##...##.", "##...##.",
		 "##.#.##.", "##.#.##.", "##...##.", "##...##.", ".##.##..", "..###...",
		 "........", "........", "........", "........" } },
	{ ':', { "........", "........", "........", "........", "...##...", "...##...",
		 "........", "........", "........", "...##...", "...##...", "........",
		 "........", "........", "........", "........" } },
	{ 0xe9, { "........", "........", "....##..", "...##...", "........", ".#####..",
		  "##...##.", "#######.", "##......", "##......", "##...##.", ".#####..",
		  "........", "........", "........", "........" } },
	{ 0xb0, { "........", "..###...", ".##.##..", ".##.##..", "..###...", "........",
		  "........", "........", "........", "........", "........", "........",
		  "........", "........", "........", "........" } },
};

/* Number of pinned glyphs font_glyph(f, .) gets wrong. */
static unsigned pins_wrong(const struct font *f, bool say)
{
	unsigned wrong = 0;

	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		const uint8_t *g = font_glyph(f, pins[i].c);
		bool ok = g && f->width == 8 && f->height == 16;

		for (unsigned y = 0; ok && y < 16; y++)
			for (unsigned x = 0; x < 8; x++)
				ok &= font_pixel(f, g, x, y) == (pins[i].rows[y][x] == '#');
		wrong += !ok;
		if (!ok && say)
			printf("      glyph for 0x%02x differs from its picture\n", pins[i].c);
	}
	return wrong;
}

static void test_glyph_pins(void)
{
	struct font bad;

	check_set_prefix("glyph pins");
	CHECK_EQ_U64(pins_wrong(&font, true), 0, "S U M 0 : \\xe9 \\xb0 are the pictured "
		     "Lat15-VGA16 glyphs");
	/* Negative controls: the mappings a font_glyph bug could produce. */
	bad = font;
	for (unsigned c = 0; c < 256; c++)
		bad.map[c] = (uint16_t)c;
	CHECK(pins_wrong(&bad, false) == 2, "control: byte = glyph index (Unicode table "
	      "ignored) gets 0xe9 and 0xb0 wrong");
	bad = font;
	for (unsigned c = 0x20; c < 0x7e; c++)
		bad.map[c] = font.map[c + 1];
	CHECK(pins_wrong(&bad, false) == 5, "control: ASCII off by one gets all 5 wrong");
}

/* A glyph drawn in two foreground colours is not that glyph. */
static void test_decoder_colours(void)
{
	struct memfb m;
	unsigned unknown, w;
	const uint8_t *g;
	char *got;
	uint8_t *pix = NULL;

	check_set_prefix("decoder colours");
	if (memfb_make(&m, 64, 16, 32, 0, xrgb8888) < 0)
		return;
	screen_attach(&(struct screen_backend){ fbcon_draw, &m.fc }, m.fc.cols, m.fc.rows);
	for (const char *p = "SUM0:"; *p; p++)
		screen_putc(*p);
	memfb_shot(&m);
	w = m.im.width;
	got = decode_text(&m.im, &unknown);
	CHECK(got && strncmp(got, "SUM0:\n", 6) == 0 && unknown == 0,
	      "control: one foreground colour reads SUM0:");
	free(got);
	/* Recolour the first set pixel of the 'S' to another non-background
	 * colour: the shape is intact, the colours are not. */
	g = font_glyph(&font, 'S');
	for (unsigned y = 0; !pix && y < font.height; y++)
		for (unsigned x = 0; !pix && x < font.width; x++)
			if (font_pixel(&font, g, x, y))
				pix = m.rgb + ((size_t)y * w + x) * 3;
	if (CHECK(pix != NULL, "'S' has a set pixel")) {
		pix[0] ^= 0x40;
		got = decode_text(&m.im, &unknown);
		CHECK(got && strncmp(got, "?UM0:\n", 6) == 0 && unknown == 1,
		      "'S' with one pixel in a second foreground colour reads '?' "
		      "(got %.5s)", got ? got : "");
		free(got);
	}
	memfb_free(&m);
}

/* ---- fonts */

static void put32le(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void test_fonts(const uint8_t *psf1, size_t len1)
{
	struct font f2;
	char err[256];
	uint8_t *psf2;
	size_t n;
	unsigned same = 0, dup = 0;

	check_set_prefix("font");
	CHECK(font.version == 1 && font.width == 8 && font.height == 16 && font.has_unicode,
	      "Lat15-VGA16: PSF1 8x16 with a Unicode table");
	for (unsigned c = 0x20; c < 0x7f; c++)
		for (unsigned d = c + 1; d < 0x7f; d++)
			dup += !memcmp(font_glyph(&font, (unsigned char)c),
				       font_glyph(&font, (unsigned char)d), font.glyph_bytes);
	CHECK_EQ_U64(dup, 0, "printable ASCII glyphs all distinct (decoding is unambiguous)");

	/* The same glyphs as PSF2, identity table in UTF-8 (0xe9 as 2 bytes). */
	n = 32 + 256 * 16;
	psf2 = calloc(1, n + 256 * 4);
	put32le(psf2, 0x864ab572u);
	put32le(psf2 + 8, 32);
	put32le(psf2 + 12, 1);
	put32le(psf2 + 16, 256);
	put32le(psf2 + 20, 16);
	put32le(psf2 + 24, 16);
	put32le(psf2 + 28, 8);
	for (unsigned c = 0; c < 256; c++) {
		const uint8_t *g = font_glyph(&font, (unsigned char)c);

		memcpy(psf2 + 32 + c * 16, g ? g : font_glyph(&font, '?'), 16);
		if (c < 0x80) {
			psf2[n++] = (uint8_t)c;
		} else {
			psf2[n++] = (uint8_t)(0xc0 | c >> 6);
			psf2[n++] = (uint8_t)(0x80 | (c & 0x3f));
		}
		psf2[n++] = 0xff;
	}
	CHECK(font_parse(psf2, n, &f2, err, sizeof(err)) == 0, "PSF2 parses");
	for (unsigned c = 0x20; c < 0x100; c++)
		same += !memcmp(font_glyph(&f2, (unsigned char)c),
				font_glyph(&font, (unsigned char)c) ?
				font_glyph(&font, (unsigned char)c) : font_glyph(&font, '?'), 16);
	CHECK_EQ_U64(same, 0x100 - 0x20, "PSF2: same glyph for every byte 0x20..0xff");

	/* Refusals, each with a reason. */
#define REFUSE(data, len, word, what) do { \
	struct font fx; char e[256] = ""; \
	int r = font_parse(data, len, &fx, e, sizeof(e)); \
	CHECK(r == -1 && strstr(e, word), "%s: refused (%s)", what, e); \
} while (0)
	REFUSE(psf1, 3, "short", "3 bytes");
	REFUSE((const uint8_t *)"P6\n1024 768\n255\n", 16, "not a PSF", "a PPM as a font");
	REFUSE(psf1, 4 + 100 * 16, "truncated", "PSF1 cut in the glyphs");
	REFUSE(psf1, 4 + 256 * 16 + 10, "Unicode", "PSF1 cut in the Unicode table");
	REFUSE(psf2, 32 + 255 * 16, "truncated", "PSF2 cut in the glyphs");
	REFUSE(psf2, n - 1, "Unicode", "PSF2 without its last separator");
	put32le(psf2 + 20, 15);
	REFUSE(psf2, n, "bytes per glyph", "PSF2 charsize 15 for 8x16");
	put32le(psf2 + 20, 16);
	put32le(psf2 + 28, 0);
	REFUSE(psf2, n, "width", "PSF2 width 0");
	put32le(psf2 + 28, 8);
	put32le(psf2 + 8, 1u << 30);
	REFUSE(psf2, n, "header size", "PSF2 header size 2^30");
	put32le(psf2 + 8, 32);
	put32le(psf2 + 16, 0x10000000u);
	REFUSE(psf2, n, "glyphs", "PSF2 2^28 glyphs");
	put32le(psf2 + 16, 256);
	put32le(psf2 + 4, 1);
	REFUSE(psf2, n, "version", "PSF2 version 1");
	put32le(psf2 + 4, 0);
	psf2[32 + 256 * 16] = 0xc3;		/* UTF-8 lead byte, then 0x01 */
	psf2[32 + 256 * 16 + 1] = 0x01;
	REFUSE(psf2, n, "Unicode", "PSF2 with broken UTF-8");
	{
		uint8_t h0[4] = { 0x36, 0x04, 0x02, 0 };

		REFUSE(h0, 4, "height", "PSF1 height 0");
	}
	CHECK(font_parse(psf1, len1, &f2, err, sizeof(err)) == 0, "control: the whole "
	      "PSF1 still parses");
#undef REFUSE
	free(psf2);
}

/* ---- PPM */

static void test_ppm(void)
{
	static const char good[] = "P6\n# QEMU\n2 1\n255\nabcdef";
	struct image im;
	char err[256];

	check_set_prefix("ppm");
	CHECK(ppm_parse((const uint8_t *)good, sizeof(good) - 1, &im, err, sizeof(err)) == 0 &&
	      im.width == 2 && im.height == 1 && im.rgb[0] == 'a' && im.rgb[5] == 'f',
	      "P6 with a comment parses");
#define BAD(s, word, what) do { \
	CHECK(ppm_parse((const uint8_t *)s, sizeof(s) - 1, &im, err, sizeof(err)) == -1 && \
	      strstr(err, word), "%s: refused (%s)", what, err); \
} while (0)
	BAD("P3\n2 1\n255\n1 2 3 4 5 6", "P6", "ASCII PPM (P3)");
	BAD("P6\n2 1\n65535\nabcdefabcdef", "maxval", "16-bit PPM");
	BAD("P6\n2 1\n255\nabcde", "needs", "one pixel byte short");
	BAD("P6\n2\n", "malformed", "header cut");
	BAD("P6\n0 1\n255\n", "size", "width 0");
	BAD("P6\n99999 99999\n255\n", "size", "99999x99999");
	BAD("", "P6", "empty file");
#undef BAD
}

int main(void)
{
	size_t len, other_len = 0;
	uint8_t *data = load_font_file("build/font.psf", SYS_FONT, &len);
	uint8_t *other = load_font_file(NULL, OTHER_FONT, &other_len);
	char err[256];

	if (!CHECK(data && font_parse(data, len, &font, err, sizeof(err)) == 0,
		   "the console font loads (build/font.psf or %s)", SYS_FONT))
		return check_summary();
	test_fonts(data, len);
	test_ppm();
	test_formats();
	test_controls();
	test_nesting();
	test_decoder_negative(other, other_len);
	test_vga_cells();
	test_queue_limit();
	test_glyph_pins();
	test_decoder_colours();
	free(data);
	free(other);
	return check_summary();
}
