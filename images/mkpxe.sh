#!/usr/bin/env bash
# images/mkpxe.sh OUTDIR [CMDLINE] [TIMEOUT_S]
# A TFTP tree for PXE: GRUB's network core images for BIOS
# (boot/grub/i386-pc/core.0) and UEFI (boot/grub/x86_64-efi/core.efi),
# both reading the one boot/grub/grub.cfg, which boots boot/irqlab.elf with
# multiboot2 and CMDLINE (or the command line of boot/machines/MAC.cfg).
# iPXE cannot load multiboot2 kernels, hence GRUB. Setup: docs/pxe.md.
# OUTDIR/boot/machines/ is the user's and survives rebuilds.
set -euo pipefail
die() { echo "mkpxe: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 3 ] && [ -n "$1" ] ||
	die "usage: images/mkpxe.sh OUTDIR [CMDLINE] [TIMEOUT_S]"
out=${1%/} cmdline=${2:-} timeout=${3:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
elf=$top/build/irqlab.elf
cfg_in=$top/images/grub-pxe.cfg.in
[ -f "$elf" ] || die "$elf missing: build first (./build.sh)"
command -v grub-mknetdir >/dev/null ||
	die "grub-mknetdir missing: install package grub-common"
[ -f /usr/lib/grub/i386-pc/pxeboot.img ] ||
	die "/usr/lib/grub/i386-pc missing: install package grub-pc-bin"
[ -f /usr/lib/grub/x86_64-efi/efinet.mod ] ||
	die "/usr/lib/grub/x86_64-efi missing: install package grub-efi-amd64-bin"
. "$top/images/cmdline-check.sh"
check_grub_cmdline "$cmdline"
case "$timeout" in ''|*[!0-9]*) die "timeout '$timeout' is not a whole number of seconds" ;; esac

# Rebuild only when the kernel, the menu, this script or GRUB changed.
stamp="$out.stamp"
want=$(cat "$elf" "$cfg_in" "$top/images/mkpxe.sh" "$top/images/cmdline-check.sh" | sha256sum | cut -c1-16)
want="$want|$(grub-mknetdir --version)|$cmdline|$timeout"
if [ -f "$out/boot/grub/grub.cfg" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
mkdir -p "$out/boot/machines"
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# No locales, fonts or themes: the menu is text on serial and console.
grub-mknetdir --net-directory="$tmp" --subdir=boot/grub \
	--locales= --fonts= --themes= >"$out.log" 2>&1 ||
	{ cat "$out.log" >&2; die "grub-mknetdir failed"; }
for p in i386-pc/core.0 x86_64-efi/core.efi; do
	[ -f "$tmp/boot/grub/$p" ] || die "grub-mknetdir made no boot/grub/$p"
done
# grub-mknetdir also writes a grub.cfg per platform directory, used only
# when a core image's prefix is that directory; point them at the shared
# file by an absolute path (its stub's path is relative).
printf 'source /boot/grub/grub.cfg\n' >"$tmp/boot/grub/i386-pc/grub.cfg"
printf 'source /boot/grub/grub.cfg\n' >"$tmp/boot/grub/x86_64-efi/grub.cfg"
sed -e "s|@CMDLINE@|$cmdline|g" -e "s|@TIMEOUT@|$timeout|g" \
	"$cfg_in" >"$tmp/boot/grub/grub.cfg"
cp "$elf" "$tmp/boot/irqlab.elf"
rm -rf "$out/boot/grub" "$out/boot/irqlab.elf"
mv "$tmp/boot/grub" "$out/boot/grub"
mv "$tmp/boot/irqlab.elf" "$out/boot/irqlab.elf"
echo "$want" >"$stamp"
