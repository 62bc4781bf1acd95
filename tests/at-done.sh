#!/usr/bin/env bash
# tests/at-done.sh MON LOG TIMEOUT_S [screendump PPM] [halted] - what the
# runner does through QEMU's human monitor once an image has finished but
# QEMU is still running (on_done=halt). QEMU runs with -monitor pipe:MON
# (the FIFOs MON.in and MON.out made before it starts); LOG is the
# image's console log. Waits for the image's "--- DONE: N ---" line, then:
#   screendump PPM  takes a screenshot of the display into PPM;
#   halted          asks for the CPU state until it shows HLT=1 (the
#                   image ended in its halt loop, not spinning or reset);
# and always ends with `quit`. Exit 0 when everything asked for was seen;
# 1 with a reason on stderr otherwise (QEMU is told to quit either way).
set -uo pipefail
mon=${1:?monitor FIFO prefix}; log=${2:?console log}; timeout_s=${3:?timeout}
shift 3
ppm= want_halt=0
while [ $# -gt 0 ]; do
	case "$1" in
	screendump) ppm=${2:?screendump needs a file}; shift ;;
	halted) want_halt=1 ;;
	*) echo "at-done: unknown action '$1'" >&2; exit 1 ;;
	esac
	shift
done
for f in "$mon.in" "$mon.out"; do
	[ -p "$f" ] || { echo "at-done: $f is not a FIFO" >&2; exit 1; }
done
# Read-write opens never block on a FIFO; drain QEMU's answers into a
# file the checks below read.
exec 3<>"$mon.in" 4<>"$mon.out"
: >"$mon.log"
cat <&4 >>"$mon.log" &
drain=$!
st=0
finish() { printf 'quit\n' >&3; sleep 0.5; kill "$drain" 2>/dev/null; exit "$st"; }

end=$((SECONDS + timeout_s))
until tr -d '\r' 2>/dev/null <"$log" | grep -q -- '^--- DONE: [0-9] ---'; do
	if [ "$SECONDS" -ge "$end" ]; then
		echo "at-done: no '--- DONE' line in $log after ${timeout_s}s" >&2
		st=1; finish
	fi
	sleep 0.2
done
if [ "$want_halt" = 1 ]; then
	halted=0
	for _ in $(seq 1 25); do
		printf 'info registers\n' >&3
		sleep 0.2
		if grep -q 'HLT=1' "$mon.log"; then halted=1; break; fi
	done
	if [ "$halted" = 0 ]; then
		echo "at-done: the CPU never showed HLT=1 after the DONE line (last state: $(grep -o 'EIP=[0-9a-f]*\|RIP=[0-9a-f]*' "$mon.log" | tail -1))" >&2
		st=1
	fi
fi
if [ -n "$ppm" ]; then
	rm -f "$ppm"
	# Let the console's last line reach the screen, then capture.
	sleep 0.5
	printf 'screendump %s\n' "$ppm" >&3
	for _ in $(seq 1 50); do
		[ -s "$ppm" ] && break
		sleep 0.1
	done
	sleep 0.3	# the file is written in one go; give it time to close
	if [ ! -s "$ppm" ]; then
		echo "at-done: QEMU wrote no screenshot to $ppm (monitor said: $(tail -n 3 "$mon.log" | tr -d '\r' | paste -sd' '))" >&2
		st=1
	fi
fi
finish
