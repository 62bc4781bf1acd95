/*
 * screen_setup.c - choose the display (image only; screen.c, fbcon.c and
 * vgatext.c are also built for host tests, this file is not).
 *
 *   loader framebuffer, RGB        -> fbcon with the build-time PSF font
 *   loader framebuffer, EGA text   -> VGA text at the loader's address
 *   multiboot1, no framebuffer     -> VGA text if the hardware says it is
 *                                     in text mode (vgatext_probe)
 *   anything else                  -> none, with the reason
 *
 * screen=off on the command line (docs/cmdline.md) skips all of it.
 * 0xb8000 is touched only in the middle two cases. Under UEFI there is no
 * text mode: GRUB passes the GOP framebuffer, or nothing, and a multiboot2
 * boot without a framebuffer tag is never probed (a UEFI machine may
 * decode nothing, or RAM, at 0xb8000).
 */
#ifndef IRQLAB_HOST_TEST
#include "drivers/screen.h"
#include "drivers/fbcon.h"
#include "drivers/font.h"
#include "drivers/vgatext.h"
#include "arch/paging.h"
#include "boot/bootinfo.h"
#include "config.h"
#include "platform.h"
#include <stdio.h>

static const char *const screen_choices[] = { "auto", "off", NULL };
CONFIG_OPTION(opt_screen, "screen", OPT_ENUM, screen_choices, 0, 0, "auto",
	      "text console on the loader's framebuffer or VGA text: auto, or off "
	      "(serial and debugcon only)");

/* The PSF font, linked in by drivers/font.mk (drivers/font_psf.S). Weak:
 * without it the image still links and says "no font". */
extern const uint8_t font_psf_start[] __attribute__((weak));
extern const uint8_t font_psf_end[] __attribute__((weak));
extern const char font_psf_name[] __attribute__((weak));

static enum { SCREEN_NONE, SCREEN_FB, SCREEN_VGA } kind;
static char why_none[160];
static struct font font;
static struct fbcon fbc;
static struct vgatext vgat;
static const struct boot_fb *fbinfo;
static const struct boot_info *binfo;
static uint64_t vga_addr;

extern char _image_start[], _image_end[];

/* A display region must be device memory: not RAM the page allocator
 * hands out (map_mmio would make it uncached, the clear would wipe it),
 * not the image. The loader's word is all there is to go on. */
static int check_range(const char *what, uint64_t addr, uint64_t len)
{
	char err[128];

	if (bootinfo_check_device_range(binfo, addr, len, (uintptr_t)_image_start,
					(uintptr_t)_image_end, err, sizeof(err)) == 0)
		return 0;
	snprintf(why_none, sizeof(why_none), "%s not used: %s", what, err);
	return -1;
}

static bool have_font;
static char vga_font[96];

static int load_font(char *err, size_t errlen)
{
	if (have_font)
		return 0;
	if (!font_psf_start || !font_psf_end) {
		snprintf(err, errlen, "no font linked into the image (drivers/font.mk)");
		return -1;
	}
	if (font_parse(font_psf_start, (size_t)(font_psf_end - font_psf_start), &font,
		       err, errlen) < 0)
		return -1;
	have_font = true;
	return 0;
}

static int setup_fb(const struct boot_fb *fb)
{
	char err[128];
	uint64_t size = (uint64_t)fb->pitch * fb->height;
	int r;

	if (check_range("loader's framebuffer", fb->addr, size) < 0)
		return -1;
	if (load_font(why_none, sizeof(why_none)) < 0)
		return -1;
	if (fbcon_setup(&fbc, (void *)(uintptr_t)fb->addr, fb, &font, err,
			sizeof(err)) < 0) {
		snprintf(why_none, sizeof(why_none), "%s", err);
		return -1;
	}
	/* Uncached: there is no write-combining PAT entry in the image, and
	 * the boot map's write-back would let MTRRs decide. */
	r = map_mmio(fb->addr, size);
	if (r) {
		snprintf(why_none, sizeof(why_none), "mapping the framebuffer at 0x%llx: %s",
			 (unsigned long long)fb->addr, pt_strerror(r));
		return -1;
	}
	fbcon_clear(&fbc);
	return 0;
}

/* `probed`: the VGA registers were seen (vgatext_probe), so its font
 * plane can be loaded too. A loader's EGA-text tag alone does not say the
 * registers are there (a non-VGA text device), so the ROM font stays. */
static int setup_vga(uint64_t addr, unsigned pitch_cells, unsigned cols, unsigned rows,
		     bool probed)
{
	uint64_t size = (uint64_t)pitch_cells * 2 * rows;
	char err[128];
	int r;

	/* The screen model holds at most SCREEN_*_MAX cells; the rest of a
	 * bigger text screen is neither cleared nor drawn. */
	if (cols > SCREEN_COLS_MAX)
		cols = SCREEN_COLS_MAX;
	if (rows > SCREEN_ROWS_MAX)
		rows = SCREEN_ROWS_MAX;
	if (check_range("VGA text buffer", addr, size) < 0)
		return -1;
	r = map_mmio(addr, size);
	if (r) {
		snprintf(why_none, sizeof(why_none), "mapping VGA text at 0x%llx: %s",
			 (unsigned long long)addr, pt_strerror(r));
		return -1;
	}
	snprintf(vga_font, sizeof(vga_font), "the card's own font");
	if (probed && load_font(err, sizeof(err)) == 0 &&
	    bootinfo_check_device_range(binfo, 0xa0000, 0x10000, (uintptr_t)_image_start,
					(uintptr_t)_image_end, err, sizeof(err)) == 0 &&
	    (r = map_mmio(0xa0000, 0x10000)) == 0 &&
	    vgatext_load_font(&font, (volatile uint8_t *)0xa0000, err, sizeof(err)) == 0)
		snprintf(vga_font, sizeof(vga_font), "font %s %ux%u loaded",
			 font_psf_name ? font_psf_name : "?", font.width, font.height);
	else if (probed)
		snprintf(vga_font, sizeof(vga_font), "the card's own font (%s)",
			 r ? pt_strerror(r) : err);
	vgat.base = (volatile uint16_t *)(uintptr_t)addr;
	vgat.pitch_cells = pitch_cells;
	vgat.cols = cols;
	vgat.rows = rows;
	vga_addr = addr;
	/* The CRT controller is a VGA port: touched only when the probe saw
	 * a VGA answer (a loader's EGA-text tag alone does not say so). */
	if (probed)
		vgatext_hide_cursor();
	vgatext_clear(&vgat);
	return 0;
}

/* The loader said EGA text: load our font only if a VGA answers there. */
static bool vga_probe_ok(void)
{
	uint64_t addr;
	unsigned cols, rows;
	char why[96];

	return vgatext_probe(&addr, &cols, &rows, why, sizeof(why)) == 0;
}

void screen_init(const struct boot_info *bi)
{
	const struct boot_fb *fb = &bi->fb;
	struct screen_backend be;

	kind = SCREEN_NONE;
	fbinfo = fb;
	binfo = bi;
	if (opt_screen.u == 1) {
		snprintf(why_none, sizeof(why_none), "screen=off");
	} else if (fb->present && !fb->usable) {
		snprintf(why_none, sizeof(why_none), "loader's framebuffer not used: %s",
			 fb->err);
	} else if (fb->present && fb->type == FB_TYPE_RGB) {
		if (setup_fb(fb) == 0)
			kind = SCREEN_FB;
	} else if (fb->present && fb->type == FB_TYPE_EGA_TEXT) {
		if (setup_vga(fb->addr, fb->pitch / 2, fb->width, fb->height,
			      vga_probe_ok()) == 0)
			kind = SCREEN_VGA;
	} else if (fb->present) {
		snprintf(why_none, sizeof(why_none), "indexed-colour framebuffer %ux%ux%u "
			 "is not drawn on", fb->width, fb->height, fb->bpp);
	} else if (bi->protocol == 1 && acpi_ok && acpi.have_fadt &&
		   (acpi.fadt_iapc_boot_arch & ACPI_IAPC_NO_VGA)) {
		/* Multiboot1 has no EFI flag; the FADT is the firmware's own
		 * word that ports 0x3b0-0x3df and 0xa0000 decode nothing. Only
		 * in effect when ACPI was read before screen_init(). */
		snprintf(why_none, sizeof(why_none), "no framebuffer from the loader, and "
			 "ACPI FADT says VGA not present (IAPC_BOOT_ARCH bit 2): not probed");
	} else if (bi->protocol == 1) {
		uint64_t addr;
		unsigned cols, rows;

		if (vgatext_probe(&addr, &cols, &rows, why_none, sizeof(why_none)) == 0 &&
		    setup_vga(addr, cols, cols, rows, true) == 0)
			kind = SCREEN_VGA;
	} else {
		snprintf(why_none, sizeof(why_none), "the loader gave no framebuffer");
	}

	switch (kind) {
	case SCREEN_FB:
		be.draw = fbcon_draw;
		be.ctx = &fbc;
		screen_attach(&be, fbc.cols, fbc.rows);
		break;
	case SCREEN_VGA:
		be.draw = vgatext_draw;
		be.ctx = &vgat;
		screen_attach(&be, vgat.cols, vgat.rows);
		break;
	case SCREEN_NONE:
		screen_detach();
		break;
	}
}

const char *screen_describe(char *buf, size_t n)
{
	switch (kind) {
	case SCREEN_FB:
		snprintf(buf, n, "framebuffer %ux%ux%u RGB at 0x%llx, font %s %ux%u "
			 "PSF%u, %ux%u cells", fbinfo->width, fbinfo->height, fbinfo->bpp,
			 (unsigned long long)fbinfo->addr,
			 font_psf_name ? font_psf_name : "?", font.width, font.height,
			 font.version, fbc.cols < SCREEN_COLS_MAX ? fbc.cols : SCREEN_COLS_MAX,
			 fbc.rows < SCREEN_ROWS_MAX ? fbc.rows : SCREEN_ROWS_MAX);
		break;
	case SCREEN_VGA:
		snprintf(buf, n, "VGA text %ux%u at 0x%llx, %s", vgat.cols, vgat.rows,
			 (unsigned long long)vga_addr, vga_font);
		break;
	default:
		snprintf(buf, n, "none (%s)", why_none[0] ? why_none : "not set up");
		break;
	}
	return buf;
}
#endif
