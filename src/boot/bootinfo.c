/*
 * bootinfo.c - multiboot1 and multiboot2 information, read defensively:
 * every length is checked against what the structure claims before a byte
 * is read, so a broken loader gives a message, not a wild read.
 */
#include "boot/bootinfo.h"
#include <stdio.h>
#include <string.h>

/* multiboot1 info flags (multiboot spec 0.6.96, section 3.3) */
#define MB1_INFO_MEM		(1u << 0)
#define MB1_INFO_CMDLINE	(1u << 2)
#define MB1_INFO_MMAP		(1u << 6)
#define MB1_INFO_LOADER		(1u << 9)
#define MB1_INFO_FRAMEBUFFER	(1u << 12)
#define MB1_INFO_FB_OFF		88	/* framebuffer address .. type */
#define MB1_INFO_COLOR_OFF	112	/* colour info */
#define MB1_INFO_SIZE		118

/* multiboot2 tag types (multiboot2 spec, section 3.6) */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER		2
#define MB2_TAG_MEMINFO		4
#define MB2_TAG_MMAP		6
#define MB2_TAG_FRAMEBUFFER	8
#define MB2_TAG_EFI64		12
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15

#define MB2_INFO_MAX		(1u << 20)	/* sanity bound on total_size */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Copy a NUL-terminated string of at most `max` bytes at phys. */
static void copy_str(phys_reader_t rd, void *ctx, uint64_t phys, char *dst,
		     size_t dstlen, size_t max)
{
	size_t i;

	dst[0] = '\0';
	for (i = 0; i + 1 < dstlen && i < max; i++) {
		const char *c = rd(ctx, phys + i, 1);

		if (!c || !*c)
			break;
		dst[i] = *c;
	}
	dst[i] = '\0';
}

static void add_mmap(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (bi->n_mmap == BOOTINFO_MMAP_MAX) {
		bi->mmap_truncated = true;
		return;
	}
	bi->mmap[bi->n_mmap].base = base;
	bi->mmap[bi->n_mmap].len = len;
	bi->mmap[bi->n_mmap].type = type;
	bi->n_mmap++;
}

/* The physical address space is at most 52 bits (SDM vol. 3, 4.1.4). */
#define PHYS_LIMIT	(1ull << 52)

void bootinfo_check_fb(struct boot_fb *fb)
{
	unsigned bytes = (fb->bpp + 7u) / 8u;
	uint64_t line, size;

	fb->usable = false;
	if (fb->err[0])
		return;
	if (fb->width == 0 || fb->height == 0 || fb->pitch == 0) {
		snprintf(fb->err, sizeof(fb->err), "framebuffer %ux%u pitch %u is empty",
			 fb->width, fb->height, fb->pitch);
		return;
	}
	switch (fb->type) {
	case FB_TYPE_EGA_TEXT:
		if (fb->width > BOOTFB_TEXT_COLS_MAX || fb->height > BOOTFB_TEXT_ROWS_MAX) {
			snprintf(fb->err, sizeof(fb->err), "EGA text %ux%u exceeds the "
				 "%ux%u cells a text mode has", fb->width, fb->height,
				 BOOTFB_TEXT_COLS_MAX, BOOTFB_TEXT_ROWS_MAX);
			return;
		}
		if (fb->bpp != 16 && fb->bpp != 0) {
			snprintf(fb->err, sizeof(fb->err), "EGA text framebuffer with %u bpp "
				 "(a cell is 16 bits)", fb->bpp);
			return;
		}
		bytes = 2;
		break;
	case FB_TYPE_RGB: {
		const uint8_t pos[3] = { fb->red_pos, fb->green_pos, fb->blue_pos };
		const uint8_t len[3] = { fb->red_size, fb->green_size, fb->blue_size };

		if (fb->bpp < 8 || fb->bpp > 32) {
			snprintf(fb->err, sizeof(fb->err), "RGB framebuffer with %u bpp",
				 fb->bpp);
			return;
		}
		for (unsigned i = 0; i < 3; i++)
			if (len[i] == 0 || len[i] > 16 || pos[i] + len[i] > fb->bpp) {
				snprintf(fb->err, sizeof(fb->err), "RGB field %u: position %u "
					 "size %u does not fit in %u bpp", i, pos[i], len[i],
					 fb->bpp);
				return;
			}
		break;
	}
	case FB_TYPE_INDEXED:
		if (fb->bpp == 0 || fb->bpp > 8) {
			snprintf(fb->err, sizeof(fb->err), "indexed framebuffer with %u bpp",
				 fb->bpp);
			return;
		}
		break;
	default:
		snprintf(fb->err, sizeof(fb->err), "framebuffer type %u is not defined",
			 fb->type);
		return;
	}
	if (fb->type != FB_TYPE_EGA_TEXT &&
	    (fb->width > BOOTFB_PIXELS_MAX || fb->height > BOOTFB_PIXELS_MAX)) {
		snprintf(fb->err, sizeof(fb->err), "framebuffer %ux%u exceeds %ux%u pixels",
			 fb->width, fb->height, BOOTFB_PIXELS_MAX, BOOTFB_PIXELS_MAX);
		return;
	}
	/* width and height are below 2^32: line and size cannot wrap 64 bits. */
	line = (uint64_t)fb->width * bytes;
	if (fb->pitch < line) {
		snprintf(fb->err, sizeof(fb->err), "framebuffer pitch %u is shorter than "
			 "a line of %u x %u bytes", fb->pitch, fb->width, bytes);
		return;
	}
	size = (uint64_t)fb->pitch * fb->height;
	if (size > BOOTFB_BYTES_MAX) {
		snprintf(fb->err, sizeof(fb->err), "framebuffer pitch %u x %u lines = %llu "
			 "MiB exceeds %llu MiB", fb->pitch, fb->height,
			 (unsigned long long)(size >> 20),
			 (unsigned long long)(BOOTFB_BYTES_MAX >> 20));
		return;
	}
	if (fb->addr == 0 || fb->addr >= PHYS_LIMIT || size > PHYS_LIMIT - fb->addr) {
		snprintf(fb->err, sizeof(fb->err), "framebuffer at 0x%llx size 0x%llx is "
			 "outside physical memory", (unsigned long long)fb->addr,
			 (unsigned long long)size);
		return;
	}
	fb->usable = true;
}

/* The common framebuffer fields, the same layout in multiboot1 (info
 * offset 88) and multiboot2 (tag offset 8): u64 address, u32 pitch, width,
 * height, u8 bpp, u8 type. */
static void read_fb_common(struct boot_fb *fb, const uint8_t *p)
{
	fb->present = true;
	fb->addr = rd64(p);
	fb->pitch = rd32(p + 8);
	fb->width = rd32(p + 12);
	fb->height = rd32(p + 16);
	fb->bpp = p[20];
	fb->type = p[21];
}

static void read_fb_rgb(struct boot_fb *fb, const uint8_t *c)
{
	fb->red_pos = c[0];
	fb->red_size = c[1];
	fb->green_pos = c[2];
	fb->green_size = c[3];
	fb->blue_pos = c[4];
	fb->blue_size = c[5];
}

/*
 * Multiboot2 tag 8. The spec's prose shows one reserved byte after the
 * type, but its own multiboot2.h and GRUB (the loader that exists) use a
 * u16, so the colour information starts at offset 32: for RGB six bytes
 * (position and size of red, green, blue), for indexed a u16 count and
 * that many 3-byte palette entries.
 */
static void parse_mb2_fb(const uint8_t *tag, uint32_t size, struct boot_fb *fb)
{
	memset(fb, 0, sizeof(*fb));
	fb->present = true;
	if (size < 32) {
		snprintf(fb->err, sizeof(fb->err), "multiboot2 framebuffer tag of %u "
			 "bytes (at least 32)", size);
		return;
	}
	read_fb_common(fb, tag + 8);
	if (fb->type == FB_TYPE_RGB) {
		if (size < 38) {
			snprintf(fb->err, sizeof(fb->err), "multiboot2 RGB framebuffer tag "
				 "of %u bytes has no colour fields (at least 38)", size);
			return;
		}
		read_fb_rgb(fb, tag + 32);
	} else if (fb->type == FB_TYPE_INDEXED) {
		uint32_t n = size >= 34 ? (uint32_t)(tag[32] | tag[33] << 8) : 0;

		if (size < 34 || n > (size - 34) / 3) {
			snprintf(fb->err, sizeof(fb->err), "multiboot2 indexed framebuffer "
				 "tag of %u bytes cannot hold its %u palette entries", size, n);
			return;
		}
	}
	bootinfo_check_fb(fb);
}

static int parse_mb1(uint64_t info, phys_reader_t rd, void *ctx,
		     struct boot_info *bi, char *err, size_t errlen)
{
	const uint8_t *mbi = rd(ctx, info, 88);
	uint32_t flags;

	if (!mbi) {
		snprintf(err, errlen, "multiboot1 info at 0x%llx is not readable",
			 (unsigned long long)info);
		return -1;
	}
	flags = rd32(mbi);
	if (flags & MB1_INFO_MEM) {
		bi->mem_lower_kb = rd32(mbi + 4);
		bi->mem_upper_kb = rd32(mbi + 8);
	}
	if (flags & MB1_INFO_CMDLINE) {
		copy_str(rd, ctx, rd32(mbi + 16), bi->cmdline, sizeof(bi->cmdline),
			 BOOTINFO_CMDLINE_MAX * 4);
		bi->have_cmdline = true;
	}
	if (flags & MB1_INFO_LOADER)
		copy_str(rd, ctx, rd32(mbi + 64), bi->loader, sizeof(bi->loader), 256);
	if (flags & MB1_INFO_FRAMEBUFFER) {
		/* The framebuffer fields extend the info past the 88 bytes read
		 * above; a loader that sets the flag must provide them. */
		const uint8_t *full = rd(ctx, info, MB1_INFO_SIZE);

		bi->fb.present = true;
		if (!full) {
			snprintf(bi->fb.err, sizeof(bi->fb.err), "multiboot1 framebuffer "
				 "fields at 0x%llx are not readable",
				 (unsigned long long)(info + MB1_INFO_FB_OFF));
		} else {
			read_fb_common(&bi->fb, full + MB1_INFO_FB_OFF);
			/* Colour info: RGB fields, or a palette address and
			 * count (not read: indexed is not drawn on). The spec's
			 * prose puts it at 110, right after the type byte, but
			 * its multiboot.h (which GRUB uses) has a union with a
			 * u32 there, aligned to 112; GRUB under UEFI leaves 110
			 * and 111 zero. */
			if (bi->fb.type == FB_TYPE_RGB)
				read_fb_rgb(&bi->fb, full + MB1_INFO_COLOR_OFF);
			bootinfo_check_fb(&bi->fb);
		}
	}
	if (flags & MB1_INFO_MMAP) {
		uint64_t p = rd32(mbi + 48), end = p + rd32(mbi + 44);

		/* Each entry: u32 size (not counting itself), u64 base, u64
		 * length, u32 type. */
		while (p + 4 <= end) {
			const uint8_t *e = rd(ctx, p, 4);
			uint32_t size;

			if (!e)
				break;
			size = rd32(e);
			if (size < 20 || p + 4 + size > end) {
				snprintf(err, errlen, "multiboot1 memory map entry at 0x%llx "
					 "has bad size %u", (unsigned long long)p, size);
				return -1;
			}
			e = rd(ctx, p, 4 + size);
			if (!e)
				break;
			add_mmap(bi, rd64(e + 4), rd64(e + 12), rd32(e + 20));
			p += 4 + size;
		}
	}
	return 0;
}

static int parse_mb2_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi,
			  char *err, size_t errlen)
{
	uint32_t entry_size = rd32(tag + 8);
	uint32_t off;

	if (entry_size < 24 || (entry_size & 7)) {
		snprintf(err, errlen, "multiboot2 memory map has bad entry size %u",
			 entry_size);
		return -1;
	}
	/* size >= 16 and off <= size: the subtraction cannot wrap, where
	 * off + entry_size could for a huge entry_size. */
	for (off = 16; entry_size <= size - off; off += entry_size)
		add_mmap(bi, rd64(tag + off), rd64(tag + off + 8), rd32(tag + off + 16));
	return 0;
}

static int parse_mb2(uint64_t info, phys_reader_t rd, void *ctx,
		     struct boot_info *bi, char *err, size_t errlen)
{
	const uint8_t *hdr = rd(ctx, info, 8);
	const uint8_t *mbi;
	uint32_t total, off;

	if (!hdr) {
		snprintf(err, errlen, "multiboot2 info at 0x%llx is not readable",
			 (unsigned long long)info);
		return -1;
	}
	total = rd32(hdr);
	if (total < 16 || total > MB2_INFO_MAX || !(mbi = rd(ctx, info, total))) {
		snprintf(err, errlen, "multiboot2 info has implausible size %u", total);
		return -1;
	}
	/* Tags start at offset 8 and are 8-byte aligned. */
	for (off = 8; off + 8 <= total;) {
		const uint8_t *tag = mbi + off;
		uint32_t type = rd32(tag), size = rd32(tag + 4);

		if (type == MB2_TAG_END)
			return 0;
		/* off + 8 <= total here, so total - off cannot wrap; off + size
		 * could, for a size near 2^32. */
		if (size < 8 || size > total - off) {
			snprintf(err, errlen, "multiboot2 tag %u at offset %u has bad size %u",
				 type, off, size);
			return -1;
		}
		switch (type) {
		case MB2_TAG_CMDLINE: {
			size_t n = size - 8;

			if (n >= sizeof(bi->cmdline))
				n = sizeof(bi->cmdline) - 1;
			memcpy(bi->cmdline, tag + 8, n);
			bi->cmdline[n] = '\0';
			bi->have_cmdline = true;
			break;
		}
		case MB2_TAG_LOADER: {
			size_t n = size - 8;

			if (n >= sizeof(bi->loader))
				n = sizeof(bi->loader) - 1;
			memcpy(bi->loader, tag + 8, n);
			bi->loader[n] = '\0';
			break;
		}
		case MB2_TAG_MEMINFO:
			if (size >= 16) {
				bi->mem_lower_kb = rd32(tag + 8);
				bi->mem_upper_kb = rd32(tag + 12);
			}
			break;
		case MB2_TAG_MMAP:
			if (size < 16 || parse_mb2_mmap(tag, size, bi, err, errlen) < 0) {
				if (size < 16)
					snprintf(err, errlen, "multiboot2 memory map tag too short");
				return -1;
			}
			break;
		case MB2_TAG_EFI64:
			bi->efi = true;
			break;
		case MB2_TAG_FRAMEBUFFER:
			/* A bad framebuffer tag costs the screen, not the run:
			 * the reason goes to the machine report. */
			parse_mb2_fb(tag, size, &bi->fb);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* Prefer the 2.0+ copy when the loader gives both. */
			if (type == MB2_TAG_ACPI_NEW || bi->rsdp_tag != MB2_TAG_ACPI_NEW) {
				size_t n = size - 8;

				if (n > sizeof(bi->rsdp))
					n = sizeof(bi->rsdp);
				memcpy(bi->rsdp, tag + 8, n);
				bi->rsdp_len = n;
				bi->rsdp_tag = type;
			}
			break;
		}
		off += (size + 7) & ~7u;
	}
	snprintf(err, errlen, "multiboot2 info has no end tag");
	return -1;
}

int bootinfo_parse(uint32_t magic, uint64_t info_phys, phys_reader_t rd,
		   void *ctx, struct boot_info *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (magic == MB2_BOOT_MAGIC) {
		out->protocol = 2;
		return parse_mb2(info_phys, rd, ctx, out, err, errlen);
	}
	if (magic == MB1_BOOT_MAGIC) {
		out->protocol = 1;
		return parse_mb1(info_phys, rd, ctx, out, err, errlen);
	}
	snprintf(err, errlen, "unknown boot loader magic 0x%08x", magic);
	return -1;
}

/* [a, a + alen) and [b, b + blen) share a byte: one start lies inside
 * the other range. Unsigned differences, so no end is computed that could
 * wrap (a loader's map entry may claim up to 2^64 bytes). */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (alen == 0 || blen == 0)
		return false;
	return a - b < blen || b - a < alen;
}

int bootinfo_check_device_range(const struct boot_info *bi, uint64_t addr,
				uint64_t len, uint64_t img_start, uint64_t img_end,
				char *err, size_t errlen)
{
	if (len == 0 || addr + len < addr) {
		snprintf(err, errlen, "0x%llx size 0x%llx is not a range",
			 (unsigned long long)addr, (unsigned long long)len);
		return -1;
	}
	if (img_end > img_start && overlaps(addr, len, img_start, img_end - img_start)) {
		snprintf(err, errlen, "0x%llx-0x%llx overlaps the image at 0x%llx-0x%llx",
			 (unsigned long long)addr, (unsigned long long)(addr + len),
			 (unsigned long long)img_start, (unsigned long long)img_end);
		return -1;
	}
	for (unsigned i = 0; i < bi->n_mmap; i++) {
		const struct mmap_entry *e = &bi->mmap[i];

		if (e->type == MMAP_AVAILABLE && overlaps(addr, len, e->base, e->len)) {
			snprintf(err, errlen, "0x%llx-0x%llx overlaps available RAM at "
				 "0x%llx size 0x%llx (memory map)", (unsigned long long)addr,
				 (unsigned long long)(addr + len),
				 (unsigned long long)e->base, (unsigned long long)e->len);
			return -1;
		}
	}
	/* No map: multiboot1's mem_lower (from 0) and mem_upper (from 1 MiB)
	 * are the available RAM the loader knows of. */
	if (bi->n_mmap == 0 &&
	    (overlaps(addr, len, 0, bi->mem_lower_kb << 10) ||
	     overlaps(addr, len, 1ull << 20, bi->mem_upper_kb << 10))) {
		snprintf(err, errlen, "0x%llx-0x%llx overlaps available RAM (mem_lower "
			 "%llu KiB, mem_upper %llu KiB)", (unsigned long long)addr,
			 (unsigned long long)(addr + len),
			 (unsigned long long)bi->mem_lower_kb,
			 (unsigned long long)bi->mem_upper_kb);
		return -1;
	}
	return 0;
}

uint64_t bootinfo_available_bytes(const struct boot_info *bi)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < bi->n_mmap; i++)
		if (bi->mmap[i].type == MMAP_AVAILABLE)
			sum += bi->mmap[i].len;
	return sum;
}
