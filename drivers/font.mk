# drivers/font.mk - the screen console's font, taken at build time from
# Debian's console-setup-linux package (never committed). Included by the
# Makefile (`-include drivers/font.mk`, anywhere after B is set):
#
#   $(B)/font.psf          the font, decompressed (also read by
#                          build/host/screencheck --font)
#   $(B)/k/font/font_psf.o the font as an object, linked into the image
#
# FONT_PSF_GZ picks another PSF font (8 pixels wide draws fastest).
# Lat15-VGA16: the IBM VGA ROM's 8x16 glyphs with a Unicode table, the
# same shapes QEMU's VGA BIOS puts in text mode, so one font decodes both
# framebuffer and VGA text screenshots.
FONT_PSF_GZ ?= /usr/share/consolefonts/Lat15-VGA16.psf.gz
FONT_NAME   := $(basename $(basename $(notdir $(FONT_PSF_GZ))))

$(B)/font.psf: $(FONT_PSF_GZ)
	@test -r $< || { echo "font.mk: $< missing: install console-setup-linux" >&2; exit 1; }
	@mkdir -p $(dir $@)
	gzip -dc $< >$@.tmp && mv $@.tmp $@

$(B)/k/font/font_psf.o: drivers/font_psf.S $(B)/font.psf
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -D__ASSEMBLY__ -DFONT_PSF_PATH='"$(B)/font.psf"' \
		-DFONT_NAME='"$(FONT_NAME)"' -c $< -o $@

# An extra prerequisite of the link: its recipe links $(filter %.o,$^).
$(B)/irqlab.debug.elf: $(B)/k/font/font_psf.o
all: $(B)/font.psf
