/*
 * bootinfo.h - what the multiboot loader told us, copied out of its
 * structures before anything can overwrite them (the page allocator hands
 * out memory the loader used).
 */
#ifndef IRQLAB_BOOT_BOOTINFO_H
#define IRQLAB_BOOT_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB1_BOOT_MAGIC	0x2badb002u
#define MB2_BOOT_MAGIC	0x36d76289u

#define BOOTINFO_CMDLINE_MAX	1024
#define BOOTINFO_MMAP_MAX	128

/* Memory map entry types, the same numbers in multiboot1, 2 and E820. */
#define MMAP_AVAILABLE		1
#define MMAP_RESERVED		2
#define MMAP_ACPI_RECLAIMABLE	3
#define MMAP_ACPI_NVS		4
#define MMAP_BAD		5

struct mmap_entry {
	uint64_t base, len;
	uint32_t type;
};

/*
 * Bounds on what a loader may describe. Real modes stop well below these
 * (8K UHD is 7680x4320, 32 bpp: 127 MiB); anything past them is a broken
 * description, and taking it at its word would have the screen console
 * map (page tables for every 4 KiB) and clear that much memory.
 */
#define BOOTFB_PIXELS_MAX	16384u		/* width and height, RGB/indexed */
#define BOOTFB_TEXT_COLS_MAX	256u		/* EGA text, characters */
#define BOOTFB_TEXT_ROWS_MAX	128u
#define BOOTFB_BYTES_MAX	(256ull << 20)	/* pitch * height */

/* Framebuffer types of multiboot2 tag 8 (and multiboot1 info bit 12). */
#define FB_TYPE_INDEXED		0
#define FB_TYPE_RGB		1
#define FB_TYPE_EGA_TEXT	2

/*
 * The loader's framebuffer. `present` means the loader described one;
 * `err` is set (and `usable` false) when the description is malformed or
 * impossible (a pitch shorter than a line, RGB fields outside the pixel,
 * a size that wraps): the screen console then says why it is not used.
 * For EGA text, width and height are in characters and bpp is 16.
 */
struct boot_fb {
	bool present, usable;
	uint8_t type, bpp;
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
	char err[96];
};

struct boot_info {
	int protocol;			/* 1 or 2 */
	char cmdline[BOOTINFO_CMDLINE_MAX];
	bool have_cmdline;
	char loader[64];		/* boot loader name, "" if not given */
	unsigned n_mmap;
	struct mmap_entry mmap[BOOTINFO_MMAP_MAX];
	bool mmap_truncated;
	uint64_t mem_lower_kb, mem_upper_kb;
	unsigned rsdp_tag;		/* 14 (ACPI 1.0), 15 (2.0+) or 0 */
	uint8_t rsdp[64];		/* copy of the RSDP from the loader */
	size_t rsdp_len;
	bool efi;			/* loader reported an EFI system table */
	struct boot_fb fb;
};

/* Physical memory reader: pointer to `len` readable bytes at `phys`, or
 * NULL. The image maps identity; host tests map buffers. */
typedef const void *(*phys_reader_t)(void *ctx, uint64_t phys, size_t len);

/* Returns 0, or -1 with a message in err (wrong magic, malformed info). */
int bootinfo_parse(uint32_t magic, uint64_t info_phys, phys_reader_t rd,
		   void *ctx, struct boot_info *out, char *err, size_t errlen);

/* Checks a framebuffer description filled in from a loader's fields:
 * sets fb->usable, or fb->err with the reason. Exposed for tests. */
void bootinfo_check_fb(struct boot_fb *fb);

/* Is [addr, addr + len) clear of memory the loader called available
 * (the memory map, or mem_lower/mem_upper without one) and of
 * [img_start, img_end)? A framebuffer there is RAM the page allocator
 * hands out, or the image itself. Returns 0, or -1 with the reason. */
int bootinfo_check_device_range(const struct boot_info *bi, uint64_t addr,
				uint64_t len, uint64_t img_start, uint64_t img_end,
				char *err, size_t errlen);

/* Sum of available memory in bytes. */
uint64_t bootinfo_available_bytes(const struct boot_info *bi);

#endif
