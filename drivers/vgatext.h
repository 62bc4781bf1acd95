/*
 * vgatext.h - VGA (EGA-compatible) text mode: a 16-bit cell per character,
 * low byte the code (the card's own font, code page 437 on PCs), high
 * byte the attribute. Write-only, like the framebuffer console.
 */
#ifndef IRQLAB_DRIVERS_VGATEXT_H
#define IRQLAB_DRIVERS_VGATEXT_H
#include <stddef.h>
#include <stdint.h>

#define VGATEXT_ATTR	0x07	/* light grey on black */

struct vgatext {
	volatile uint16_t *base;
	unsigned pitch_cells, cols, rows;
};

void vgatext_clear(struct vgatext *vt);
/* screen_backend draw: ctx is the struct vgatext. */
void vgatext_draw(void *ctx, unsigned row, unsigned col, unsigned char c);

/*
 * Image only. Is there a VGA, in text mode, right now? Asks the hardware,
 * not memory: the graphics controller's index register must read back
 * (no device: the bus floats to 0xff), its Miscellaneous register (GR6)
 * must say "alphanumeric" with the buffer at 0xb8000 (or 0xb0000), and the
 * CRT controller gives the geometry (columns from Horizontal Display End,
 * rows from Vertical Display End over the character height). Returns 0
 * with address and size, or -1 with the reason in why.
 */
int vgatext_probe(uint64_t *addr, unsigned *cols, unsigned *rows, char *why,
		  size_t whylen);
/* Turns the blinking hardware cursor off (CRTC cursor start bit 5). */
void vgatext_hide_cursor(void);

struct font;
/*
 * Loads the PSF font into the card's character generator (plane 2, font
 * block 0, with the Character Map Select register set so that both maps
 * A and B are block 0), so
 * text mode shows the same glyphs as the framebuffer console and a
 * screenshot decodes with the same font: cell byte b shows the font's
 * glyph for b (Latin-1), not the ROM's code page 437. `legacy_window` is
 * where 0xa0000 is mapped. Only for 8-pixel fonts as tall as the current
 * character cell; returns 0, or -1 with the reason (the ROM font stays).
 */
int vgatext_load_font(const struct font *f, volatile uint8_t *legacy_window,
		      char *why, size_t whylen);

#endif
