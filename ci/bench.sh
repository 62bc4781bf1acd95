#!/usr/bin/env bash
# ci/bench.sh - figures about the image itself (./build.sh bench). Prints
# numbers; asserts nothing. Under TCG the times are the emulator's, not a
# machine's: compare them run to run on one host only.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
runs=${BENCH_RUNS:-5}

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2); else print "n/a"}'; }

# Milliseconds from starting QEMU to the image's first line ("irqlab ...
# machine report"), for one boot.
first_output_ms() {
	local start line
	start=$(date +%s%N)
	timeout -k 2 120 qemu-system-x86_64 -M pc -accel tcg -cpu qemu64 -m 64 \
		-display none -monitor none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" </dev/null 2>/dev/null |
	while IFS= read -r line; do
		case "$line" in *irqlab\ *machine\ report*)
			echo $((($(date +%s%N) - start) / 1000000)); cat >/dev/null; break ;;
		esac
	done
}

bash images/mkiso.sh build/bench.iso "tests=none" 0 || exit 1

echo "== image"
printf '  %-34s %8d bytes   (target <= 1 MiB)\n' "build/irqlab.elf (boots)" "$(stat -c %s build/irqlab.elf)"
printf '  %-34s %8d bytes\n' "build/irqlab.debug.elf (+ DWARF)" "$(stat -c %s build/irqlab.debug.elf)"
printf '  %-34s %8d bytes\n' "build/irqlab.iso" "$(stat -c %s build/irqlab.iso)"
size -A build/irqlab.elf | awk '$1 ~ /^\.(text|rodata|data|bss)$/ {printf "  %-34s %8d bytes\n", "section " $1, $2}'
echo "  (picolibc and lwIP are linked in)"

echo "== boot to first output under TCG (median of $runs; -M pc -cpu qemu64 -m 64)"
k=$(for i in $(seq "$runs"); do first_output_ms -kernel build/irqlab32.elf -append tests=none; done | median)
i=$(for n in $(seq "$runs"); do first_output_ms -cdrom build/bench.iso -boot d; done | median)
printf '  %-34s %8s ms   (target <= 2000 ms)\n' "-kernel (multiboot1, no GRUB)" "$k"
printf '  %-34s %8s ms\n' "ISO as CD (SeaBIOS + GRUB)" "$i"

echo "== record log (host mode, gcc -O2, no sanitizers)"
gcc -std=gnu11 -O2 -I. -Isrc -o build/bench-record-log tests/unit/test_record_log.c src/record/log.c &&
	build/bench-record-log | grep '^#' | sed 's/^# /  /; s/ (ASan.*//'

echo "== records out of the image, one run (virtio-net, collector on loopback; TCG)"
port=$((20000 + RANDOM % 20000))
build/host/collector --bind 127.0.0.1 --port "$port" --db build/bench.sqlite \
	--out-dir build/bench-runs --exit-after-runs 1 --timeout-s 120 --quiet \
	>build/bench-collector.out 2>&1 &
cpid=$!
sleep 0.3
timeout 120 qemu-system-x86_64 -M q35 -accel tcg -cpu max -m 256 -display none \
	-monitor none -serial file:build/bench-rate.log -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0 -kernel build/irqlab32.elf \
	-append "tests=record_rate collector=10.0.2.2:$port" </dev/null
wait "$cpid"
tr -d '\r' <build/bench-rate.log | grep -E '^INFO: record_rate: records per second' | sed 's/^INFO: record_rate: /  /'
grep -E 'records/s' build/bench-collector.out | sed 's/^ */  collector: /'

echo "== memory, default run in 64 MiB"
log=build/bench-run.log
timeout 120 qemu-system-x86_64 -M pc -accel tcg -cpu qemu64 -m 64 -display none \
	-monitor none -serial "file:$log" -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel build/irqlab32.elf </dev/null
st=$?
grep -E '^irqlab: memory used' "$log" | tr -d '\r' | sed 's/^/  /'
grep -E '^SUMMARY' "$log" | tr -d '\r' | sed 's/^/  /'
echo "  QEMU exit status $st (1 = image exit code 0: the complete run fits in 64 MiB)"
