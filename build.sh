#!/usr/bin/env bash
# irqlab's one entry point.
#
#   ./build.sh [build]                 build/irqlab.elf, build/irqlab32.elf, build/irqlab.iso,
#                                      build/pxe/ (TFTP tree for BIOS and UEFI PXE)
#   ./build.sh setup                   packages, picolibc + lwIP sources, picolibc build
#   ./build.sh run [--kvm] [--iso|--uefi] [--nic MODEL|none] [-- key=value ...]
#                                      boot under QEMU (TCG unless --kvm), output live,
#                                      results to the collector (build/results.sqlite)
#   ./build.sh test [--long] [--kvm]   every test; ends with "N passed, N failed"
#   ./build.sh bench                   figures about the image itself (not a test)
#   ./build.sh clean                   remove build/
set -euo pipefail
cd "$(dirname "$0")"
TOP=$PWD

die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

dep_paths() {
	eval "$(bash ci/deps.sh paths)"
	export PICOLIBC LWIP_SRC
}

setup() {
	bash ci/deps.sh
}

# Setup is cheap when everything is in place; run/test/build call it so a
# fresh clone needs nothing else.
build() {
	setup
	dep_paths
	make -s -j"$(nproc)" PICOLIBC="$PICOLIBC" LWIP_SRC="$LWIP_SRC" all
	local h
	for h in host/*/Makefile; do
		[ -f "$h" ] && make -s -C "$(dirname "$h")" TOP="$TOP" OUT="$TOP/build/host"
	done
	bash images/mkiso.sh build/irqlab.iso
	# The lab's TFTP tree (docs/pxe.md); machines/ in it is the user's.
	bash images/mkpxe.sh build/pxe
}

# Exit status of QEMU with isa-debug-exit: (code << 1) | 1. Anything else
# means the image never reached its exit (triple fault -> 0 with
# -no-reboot, or QEMU itself failed).
qemu_status_to_code() {
	local st=$1
	if [ $((st & 1)) -eq 1 ] && [ "$st" -lt 64 ]; then echo $((st >> 1)); else echo "none"; fi
}

# The collector listens on loopback; QEMU's user networking delivers the
# guest's datagrams for the gateway 10.0.2.2 there.
COLLECTOR_PORT=${IRQLAB_COLLECTOR_PORT:-17017}

run() {
	local accel=(-accel tcg -cpu max) boot=kernel args=() nic=virtio-net-pci fw=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--kvm) accel=(-accel kvm -cpu host,pmu=on) ;;
		--iso) boot=iso ;;
		--uefi)
			# The ISO under OVMF, as a UEFI machine boots it: code
			# read-only, a private copy of the variable store.
			boot=iso
			[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || die "run: OVMF missing (package ovmf)"
			mkdir -p build && cp /usr/share/OVMF/OVMF_VARS_4M.fd build/run-vars.fd
			fw=(-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
			    -drive if=pflash,format=raw,unit=1,file=build/run-vars.fd) ;;
		--nic) nic=$2; shift ;;
		--) shift; args=("$@"); break ;;
		*) die "run: unknown option '$1' (accepted: --kvm, --iso, --uefi, --nic MODEL, -- key=value ...)" ;;
		esac
		shift
	done
	build
	local cmdline="${args[*]:-}" media=() netdev=()
	case " $cmdline " in
	*" collector="*) ;;
	*) cmdline="${cmdline:+$cmdline }collector=10.0.2.2:$COLLECTOR_PORT" ;;
	esac
	if [ "$nic" = none ]; then
		netdev=(-nic none)
	else
		netdev=(-netdev user,id=n0 -device "$nic,netdev=n0")
	fi
	if [ "$boot" = iso ]; then
		bash images/mkiso.sh build/run.iso "$cmdline"
		media=(-cdrom build/run.iso -boot d)
	else
		media=(-kernel build/irqlab32.elf -append "$cmdline")
	fi

	mkdir -p build/runs
	build/host/collector --bind 127.0.0.1 --port "$COLLECTOR_PORT" \
		--db build/results.sqlite --out-dir build/runs --exit-after-runs 1 \
		--timeout-s 3600 --quiet >build/collector.out 2>build/collector.err &
	local cpid=$!
	sleep 0.3
	if ! kill -0 "$cpid" 2>/dev/null; then
		cat build/collector.err >&2
		echo "build.sh: the collector did not start (port $COLLECTOR_PORT busy? set IRQLAB_COLLECTOR_PORT); results on serial only" >&2
		cpid=
	fi

	echo "build.sh: booting under QEMU (${accel[*]}, NIC ${nic}), command line: \"$cmdline\"" >&2
	local st=0
	qemu-system-x86_64 -M q35 "${accel[@]}" -m 256 -smp 1 -display none \
		-serial stdio -monitor none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${netdev[@]}" \
		"${fw[@]}" "${media[@]}" | tee build/run.log || st=${PIPESTATUS[0]}
	local code
	code=$(qemu_status_to_code "$st")
	echo "build.sh: run finished; image exit code: $code (log: build/run.log)" >&2

	# The image waits for the collector's ACK before it exits, so the
	# collector is done or about to be; give it a moment, then fall back
	# to the serial log so nothing that was printed is lost.
	local cst=1
	if [ -n "$cpid" ]; then
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$cpid" 2>/dev/null || break; sleep 0.5; done
		kill "$cpid" 2>/dev/null || true
		wait "$cpid" 2>/dev/null && cst=0 || cst=$?
		cat build/collector.out
	fi
	if [ "$cst" -ne 0 ]; then
		echo "build.sh: the collector did not get a complete run over the network; ingesting the serial log" >&2
		build/host/collector --from-serial build/run.log --db build/results.sqlite \
			--out-dir build/runs --quiet || true
	fi
	echo "build.sh: results database: build/results.sqlite (sqlite3 build/results.sqlite 'SELECT * FROM runs'); JSON lines in build/runs/" >&2
	grep -E '^SUMMARY:' build/run.log >&2 || true
	[ "$code" = 0 ]
}

case "${1:-build}" in
setup) setup ;;
build) build ;;
run) shift; run "$@" ;;
test) shift; build; exec bash tests/run-all.sh "$@" ;;
bench) build; exec bash ci/bench.sh ;;
clean) rm -rf build ;;
-h|--help|help) sed -n '2,12p' "$0" ;;
*) die "unknown command '$1' (accepted: setup, build, run, test, bench, clean)" ;;
esac
