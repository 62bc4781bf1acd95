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
# The drain holds the FIFO open read-write and never sees its end: stop it
# however this script ends (boot-test.sh kills it when QEMU dies first).
trap 'kill "$drain" 2>/dev/null' EXIT
trap 'exit 1' TERM INT
st=0
finish() { printf 'quit\n' >&3; sleep 0.5; exit "$st"; }

end=$((SECONDS + timeout_s))
until tr -d '\r' 2>/dev/null <"$log" | grep -q -- '^--- DONE: [0-9] ---'; do
	if [ "$SECONDS" -ge "$end" ]; then
		echo "at-done: no '--- DONE' line in $log after ${timeout_s}s" >&2
		st=1; finish
	fi
	sleep 0.2
done
if [ "$want_halt" = 1 ]; then
	# Until the scenario's timeout: a failing reboot first tries every
	# method, with bounded waits that TCG on a busy host stretches.
	halted=0
	while [ "$SECONDS" -lt "$end" ]; do
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
	# The monitor runs commands in order: once `info version` after the
	# screendump has answered (a line starting with the version number),
	# the screenshot file is complete.
	printf 'info version\n' >&3
	until grep -aq '^[0-9][0-9]*\.[0-9][0-9]*\.[0-9]' "$mon.log"; do
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.1
	done
	if [ ! -s "$ppm" ]; then
		echo "at-done: QEMU wrote no screenshot to $ppm (monitor said: $(tail -n 3 "$mon.log" | tr -d '\r' | paste -sd' '))" >&2
		st=1
	fi
fi
finish
