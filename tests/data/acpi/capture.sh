#!/usr/bin/env bash
# tests/data/acpi/capture.sh - capture QEMU's ACPI tables through the image
# itself (dump=acpi prints "ACPIDUMP SIG PHYS LEN HEX" lines) into the
# tables.bin fixtures of tests/unit/test_acpi.c. Run after a build; commit
# the result when QEMU's tables should be re-captured.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
for m in pc q35; do
	log=$(mktemp)
	qemu-system-x86_64 -M "$m" -accel tcg -cpu qemu64 -m 128 -smp 2 -display none \
		-monitor none -serial "file:$log" -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$top/build/irqlab32.elf" -append "dump=acpi tests=none" </dev/null || true
	mkdir -p "$top/tests/data/acpi/qemu-$m"
	# Records: u64 phys, u32 len, bytes (README.md); RSDP first.
	tr -d '\r' <"$log" | perl -ne '
		next unless /^ACPIDUMP (\S+) 0x([0-9a-f]+) (\d+) ([0-9a-f]*)$/;
		my ($phys, $len, $hex) = (hex($2), $3, $4);
		die "length mismatch for $1\n" if length($hex) != 2 * $len;
		print pack("Q<L<", $phys, $len), pack("H*", $hex);
	' >"$top/tests/data/acpi/qemu-$m/tables.bin"
	rm -f "$log"
	echo "qemu-$m: $(stat -c %s "$top/tests/data/acpi/qemu-$m/tables.bin") bytes"
done
