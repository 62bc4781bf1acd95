# irqlab image and host tests. Called by build.sh, which sets PICOLIBC and
# LWIP_SRC to the fetched, checksummed dependency trees in the cache.
#
#   make PICOLIBC=<prefix> LWIP_SRC=<lwip-2.1.3 dir>   -> build/irqlab.elf ...
#   make unit                                          -> build/unit/*

PICOLIBC ?=
LWIP_SRC ?=
B        := build
VERSION  := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

CC       := gcc
LD       := ld
OBJCOPY  := objcopy
GCC_INC  := $(shell $(CC) -print-file-name=include)
LIBGCC   := $(shell $(CC) -print-libgcc-file-name)

WARN     := -Wall -Wextra -Werror
# -fno-omit-frame-pointer: the exception report walks the RBP chain.
# -mno-red-zone: interrupts and NMIs push onto the interrupted stack.
# The image is one RWX load segment: everything is identity mapped with
# 2 MiB pages at boot, so finer ELF permissions would not be enforced.
KCFLAGS  := -std=gnu11 -O2 -g -ffreestanding -mno-red-zone -fno-pic -fno-PIE \
	    -fno-stack-protector -fno-omit-frame-pointer \
	    -mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables \
	    -mcmodel=small -nostdinc -isystem $(PICOLIBC)/include \
	    -isystem $(GCC_INC) -I. -Isrc -Isrc/net/lwip_port \
	    -I$(LWIP_SRC)/src/include -DIRQLAB_VERSION='"$(VERSION)"' \
	    -MMD -MP
# Code reachable from exception, interrupt and NMI entry never touches
# SSE/x87 registers, so entry need not save them (docs/design.md, "FPU").
GPR_ONLY := -mgeneral-regs-only

# Directories whose code can run in trap, interrupt or NMI context: built
# general-registers-only (docs/design.md). Everything else may use SSE.
GPR_DIRS  := src/arch src/mem src/lib src/nmi src/irqflags src/record src/pci drivers
# Exceptions: printf-style functions whose callers pass doubles (a double in
# `...` travels in XMM registers); from trap context they are called only
# between fpu_save() and fpu_restore(), like printf itself.
SSE_FILES := src/lib/report.c src/record/emit.c
ARCH_SRCS := $(filter-out $(SSE_FILES),$(foreach d,$(GPR_DIRS),$(wildcard $(d)/*.c)))
KERN_SRCS := $(filter-out $(ARCH_SRCS),$(shell find src -name '*.c' | sort))
ASM_SRCS  := $(wildcard boot/*.S src/arch/*.S src/nmi/*.S)

include src/net/lwip.mk
LWIP_OBJS := $(patsubst $(LWIP_SRC)/%.c,$(B)/lwip/%.o,$(LWIP_CSRCS))

OBJS := $(patsubst %.S,$(B)/k/%.o,$(ASM_SRCS)) \
	$(patsubst %.c,$(B)/k/%.o,$(ARCH_SRCS) $(KERN_SRCS)) $(LWIP_OBJS)

.PHONY: all unit clean FORCE check-deps
check-deps:
	@test -n "$(PICOLIBC)" -a -n "$(LWIP_SRC)" || \
		{ echo "PICOLIBC and LWIP_SRC are not set: run ./build.sh, not make" >&2; exit 1; }
all: $(B)/irqlab.elf $(B)/irqlab32.elf
-include drivers/font.mk

# irqlab.debug.elf keeps the DWARF for addr2line and gdb; the image that
# boots is the same file without it.
$(B)/irqlab.elf: $(B)/irqlab.debug.elf
	$(OBJCOPY) --strip-debug $< $@

$(B)/irqlab.debug.elf: check-deps $(OBJS) boot/kernel.ld $(PICOLIBC)/lib/libc.a
	$(LD) -n -nostdlib -z noexecstack --no-warn-rwx-segments -T boot/kernel.ld -Map=$(B)/irqlab.map -o $@ \
		$(filter %.o,$^) $(PICOLIBC)/lib/libc.a $(LIBGCC)

# QEMU's -kernel only loads multiboot v1 images from ELF32 files; the code
# inside is the same 64-bit image (kvm-unit-tests does the same).
$(B)/irqlab32.elf: $(B)/irqlab.elf
	$(OBJCOPY) -O elf32-i386 $< $@

# -fno-tree-loop-distribute-patterns: src/lib/string.c must not become
# calls to itself.
$(patsubst %.c,$(B)/k/%.o,$(ARCH_SRCS)): $(B)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(WARN) $(GPR_ONLY) -fno-tree-loop-distribute-patterns -c $< -o $@
$(B)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(WARN) -c $< -o $@
$(B)/k/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@
# Third-party code: our flags, but its warnings are not ours to fail on.
$(B)/lwip/%.o: $(LWIP_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(GPR_ONLY) -w -c $< -o $@

# ---- host unit tests: pure-logic modules built for Linux with ASan/UBSan.
HCFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined \
	   -fno-sanitize-recover=all -fno-omit-frame-pointer -I. -Isrc \
	   -DIRQLAB_HOST_TEST
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))
unit: $(UNIT_TESTS)
# Each test_X.c lists the modules it links in a line "// uses: a.c b.c".
$(B)/unit/%: tests/unit/%.c tests/unit/check.h FORCE
	@mkdir -p $(dir $@)
	$(CC) $(HCFLAGS) -o $@ $< $$(sed -n 's|^// uses: ||p' $<)

clean:
	rm -rf $(B)

-include $(shell find $(B)/k $(B)/lwip -name '*.d' 2>/dev/null)
