#!/usr/bin/env bash
# images/mkiso.sh OUT.iso [CMDLINE] [TIMEOUT_S]
# A BIOS + UEFI hybrid ISO (grub-mkrescue) booting build/irqlab.elf with
# multiboot2. Also fit for `dd` to a USB stick.
set -euo pipefail
out=$1 cmdline=${2:-} timeout=${3:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
elf=$top/build/irqlab.elf
[ -f "$elf" ] || { echo "mkiso: $elf missing: build first" >&2; exit 1; }
. "$top/images/cmdline-check.sh"
check_grub_cmdline "$cmdline"
# Rebuild only when the kernel or the menu changed.
stamp="$out.stamp"
want=$(cat "$elf" "$top/images/grub.cfg.in" | sha256sum | cut -c1-16)"|$cmdline|$timeout"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub"
cp "$elf" "$root/boot/irqlab.elf"
sed -e "s|@CMDLINE@|$cmdline|g" -e "s|@TIMEOUT@|$timeout|g" \
	"$top/images/grub.cfg.in" >"$root/boot/grub/grub.cfg"
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$root" >"$out.log" 2>&1 ||
	{ cat "$out.log" >&2; echo "mkiso: grub-mkrescue failed" >&2; exit 1; }
echo "$want" >"$stamp"
