#!/usr/bin/env bash
# tests/inject-nmi.sh MON LOG N [TIMEOUT_S] - the host side of irqlab's
# "host" NMI source (src/nmi/src_host.c). QEMU runs with its human monitor
# on the FIFO pair MON.in / MON.out (-monitor pipe:MON; create both with
# mkfifo before QEMU starts) and the image's serial log in LOG. Waits until
# the image says "host NMI injection: ready", then sends N `nmi` commands
# one at a time: each waits until the image has printed that it received
# the previous one ("host NMI K of"), so no two collapse into one NMI
# however late QEMU's main loop runs them. A command the image does not
# acknowledge within ACK_TIMEOUT_S (default 10) is followed by the next
# anyway: the image's count then shows the loss.
# Exit 0 when all N are sent or when the image finished without asking
# ("--- DONE" first); 1 on a timeout or a missing FIFO.
set -uo pipefail
mon=${1:?monitor FIFO prefix}; log=${2:?serial log}; n=${3:?NMI count}
timeout_s=${4:-120}
ack_timeout_s=${ACK_TIMEOUT_S:-10}
ready='host NMI injection: ready'

for f in "$mon.in" "$mon.out"; do
	if [ ! -p "$f" ]; then
		echo "inject-nmi: $f is not a FIFO (mkfifo it before QEMU starts)" >&2
		exit 1
	fi
done
# Read-write opens never block on a FIFO; keep QEMU's monitor output
# drained so a full pipe cannot stall it.
exec 3<>"$mon.in" 4<>"$mon.out"
cat <&4 >"$mon.log" &
drain=$!
trap 'kill "$drain" 2>/dev/null' EXIT

end=$((SECONDS + timeout_s))
until grep -q "$ready" "$log" 2>/dev/null; do
	grep -q -- '--- DONE' "$log" 2>/dev/null && exit 0
	if [ "$SECONDS" -ge "$end" ]; then
		echo "inject-nmi: no '$ready' in $log after ${timeout_s}s" >&2
		exit 1
	fi
	sleep 0.1
done
for ((i = 1; i <= n; i++)); do
	printf 'nmi\n' >&3
	ack_end=$((SECONDS + ack_timeout_s))
	until grep -q "host NMI $i of " "$log"; do
		[ "$SECONDS" -ge "$ack_end" ] && break
		sleep 0.05
	done
done
exit 0
