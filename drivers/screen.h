/*
 * screen.h - the text console on screen: everything console_putc prints,
 * drawn on the loader's framebuffer (drivers/fbcon.c) or in VGA text mode
 * (drivers/vgatext.c), scrolling. docs/screen.md has the whole story.
 *
 * The text lives in a shadow buffer of cells; the display is only ever
 * written, never read back (framebuffer reads are uncached and slow), and
 * a scroll redraws only the cells whose character changed.
 *
 * Reentrancy: console output can come from NMI and trap context in the
 * middle of another screen_putc. Only the outermost screen_putc draws;
 * a nested one (NMI, #PF inside a print) appends its bytes to a small
 * queue that the outermost one drains before it returns. So a drawing is
 * never interrupted by another drawing, and nothing is garbled; a nested
 * context that never returns (a fatal report in an NMI that interrupted
 * a print) relies on screen_flush_final(), called on every way out.
 */
#ifndef IRQLAB_DRIVERS_SCREEN_H
#define IRQLAB_DRIVERS_SCREEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;

#define SCREEN_COLS_MAX	256
#define SCREEN_ROWS_MAX	128
#define SCREEN_TAB	8

/* A display: draw(ctx, row, col, c) puts character c in a cell. */
struct screen_backend {
	void (*draw)(void *ctx, unsigned row, unsigned col, unsigned char c);
	void *ctx;
};

/* Start drawing on `be`, already cleared to blank; replays what was
 * printed before. cols and rows are clipped to the maxima above. */
void screen_attach(const struct screen_backend *be, unsigned cols, unsigned rows);
/* No screen: forget the early output, ignore what comes. */
void screen_detach(void);
void screen_putc(char c);
/* Draw whatever nested contexts queued, even if an outer screen_putc
 * never finishes (the run is ending from inside it). */
void screen_flush_final(void);
/* Bytes lost: early output past its buffer, nested output past its queue. */
uint64_t screen_dropped(void);

/* Image only (drivers/screen_setup.c): choose and set up the display from
 * what the loader said; call after paging_init() (it maps the display
 * uncached). Prints nothing; screen_describe() says what it chose. */
void screen_init(const struct boot_info *bi);
/* "framebuffer 1024x768x32 RGB at 0xfd000000, font Lat15-VGA16 8x16,
 * 128x48 cells", "VGA text 80x25 at 0xb8000", "none (why)". */
const char *screen_describe(char *buf, size_t n);

#endif
