/*
 * fbcon.h - character cells on a linear RGB framebuffer (16, 24 or 32
 * bits per pixel, channel positions from the loader), drawn with a PSF
 * font. Cell (0,0) is at pixel (0,0); the right and bottom margins that
 * do not hold a whole cell stay background. Write-only: the framebuffer
 * is never read.
 */
#ifndef IRQLAB_DRIVERS_FBCON_H
#define IRQLAB_DRIVERS_FBCON_H
#include <stddef.h>
#include <stdint.h>
#include "boot/bootinfo.h"
#include "drivers/font.h"

/* Light grey on black, the VGA text mode's default attribute 07. */
#define FBCON_FG_RGB	0xaaaaaau
#define FBCON_BG_RGB	0x000000u

struct fbcon {
	uint8_t *base;
	uint32_t pitch, width, height;
	unsigned bytes_pp;		/* 2, 3 or 4 */
	uint32_t fg, bg;		/* pixel values */
	const struct font *font;
	unsigned cols, rows;
	int fast;			/* 32 bpp, 8-wide font, 8-byte aligned */
};

/* Checks fb (RGB, 15/16/24/32 bpp, fits a cell) and fills fc. Returns 0,
 * or -1 with the reason in err. base is where the pixels are mapped. */
int fbcon_setup(struct fbcon *fc, void *base, const struct boot_fb *fb,
		const struct font *font, char *err, size_t errlen);
/* Every pixel to background, margins included. */
void fbcon_clear(struct fbcon *fc);
/* screen_backend draw: ctx is the struct fbcon. */
void fbcon_draw(void *ctx, unsigned row, unsigned col, unsigned char c);
/* The pixel value of an 0xRRGGBB colour in fb's layout. */
uint32_t fbcon_pixel(const struct boot_fb *fb, uint32_t rgb);

#endif
