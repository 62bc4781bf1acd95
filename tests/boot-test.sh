#!/usr/bin/env bash
# tests/boot-test.sh "<scenario line>" - boot one scenario of
# tests/scenarios/*.txt under QEMU and judge it. Prints one result line,
# "PASS: boot: NAME (...)" or "FAIL: boot: NAME: why" plus the log's tail.
# Environment: IRQLAB_ACCEL=kvm to use KVM instead of TCG.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
logs=${IRQLAB_LOGDIR:-$top/build/test-logs}
mkdir -p "$logs"

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

IFS='|' read -r name machine cpu mem smp boot extra cmdline timeout want_exit expect <<<"$1"
name=$(trim "$name"); machine=$(trim "$machine"); cpu=$(trim "$cpu")
mem=$(trim "$mem"); smp=$(trim "$smp"); boot=$(trim "$boot"); extra=$(trim "$extra")
cmdline=$(trim "$cmdline"); timeout=$(trim "$timeout"); want_exit=$(trim "$want_exit")
expect=$(trim "$expect")
# IRQLAB_APPEND: key=value words added to every scenario's kernel command
# line whose key the scenario does not set itself, to run the whole table
# in another mode (IRQLAB_APPEND="irqflags=soft", docs/irqflags.md).
for w in ${IRQLAB_APPEND:-}; do
	case " $cmdline " in
	*" ${w%%=*}="*) ;;
	*) cmdline="${cmdline:+$cmdline }$w" ;;
	esac
done
log=$logs/$name.log
qlog=$logs/$name.qemu.log
# Results name the mode when the table runs with extra words.
label=$name
[ -n "${IRQLAB_APPEND:-}" ] && label="$name [${IRQLAB_APPEND}]"
rm -f "$log" "$qlog" "$log.e9" "$log.ppm" "$log.screen.txt"

accel=(-accel tcg)
if [ "${IRQLAB_ACCEL:-tcg}" = kvm ]; then
	accel=(-accel kvm)
	[ "$cpu" = max ] && cpu=host
fi

# A scenario with a NIC but no collector= would send its records to the
# default collector (DHCP next-server, i.e. this host) and wait for an ACK
# nobody sends: keep such runs on serial. pc and q35 have a NIC unless
# told -nic none, and PXE boots always have the one they booted from.
case "$extra $cmdline" in
*collector=*|*-nic\ none*) ;;
*) cmdline="${cmdline:+$cmdline }collector=none" ;;
esac

# pxe-machine=CMDLINE (extra column, PXE boots): write CMDLINE, commas for
# spaces, into the tree's per-machine file for the booting NIC's MAC.
pxe_mac=52:54:00:12:34:56 pxe_machine=
for a in $extra; do
	case "$a" in pxe-machine=*) pxe_machine=${a#pxe-machine=}; pxe_machine=${pxe_machine//,/ } ;; esac
done

# Firmware for the UEFI paths: OVMF's code read-only in the first flash
# and a private copy of its variable store in the second, as on a real
# machine (the variables are written during boot).
ovmf() {
	local code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
	[ -f "$code" ] && [ -f "$vars" ] ||
		{ echo "FAIL: boot: $label: $code or $vars missing (package ovmf)"; exit 1; }
	cp "$vars" "$log.vars.fd"
	media+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
		-drive "if=pflash,format=raw,unit=1,file=$log.vars.fd")
}

# Boot paths (docs/testing.md): the kernel straight from QEMU (multiboot1),
# the ISO as CD-ROM or as USB stick under SeaBIOS or OVMF, and PXE through
# the NIC's option ROM (iPXE under SeaBIOS, OVMF's own under UEFI) from a
# TFTP tree that QEMU's user-mode network serves.
media=()
case "$boot" in
kernel) media=(-kernel "$top/build/irqlab32.elf" -append "$cmdline") ;;
cd-bios|cd-uefi|usb-bios|usb-uefi)
	iso=$top/build/test-iso/$name.iso
	bash "$top/images/mkiso.sh" "$iso" "$cmdline" 0 || { echo "FAIL: boot: $label: cannot build ISO"; exit 1; }
	case "$boot" in
	cd-*) media=(-cdrom "$iso" -boot d) ;;
	usb-*) media=(-device qemu-xhci,id=xhci
		-drive "if=none,id=stick,format=raw,readonly=on,file=$iso"
		-device usb-storage,bus=xhci.0,drive=stick,bootindex=0) ;;
	esac
	case "$boot" in *-uefi) ovmf ;; esac ;;
pxe-bios|pxe-uefi)
	tree=$top/build/test-pxe/$name
	bash "$top/images/mkpxe.sh" "$tree" "$cmdline" 0 || { echo "FAIL: boot: $label: cannot build the PXE tree"; exit 1; }
	# A per-machine command line (docs/pxe.md) only when the scenario asks.
	rm -f "$tree/boot/machines/"*.cfg
	if [ "$boot" = pxe-bios ]; then
		# SeaBIOS runs the e1000's iPXE ROM (package ipxe-qemu).
		bootfile=boot/grub/i386-pc/core.0
		nic=(-device e1000,netdev=pxe0,mac=$pxe_mac,bootindex=0)
	else
		# OVMF's own virtio-net driver and PXE client: no option ROM.
		bootfile=boot/grub/x86_64-efi/core.efi
		nic=(-device virtio-net-pci,netdev=pxe0,mac=$pxe_mac,bootindex=0,romfile=)
		ovmf
	fi
	if [ -n "$pxe_machine" ]; then
		printf 'set irqlab_cmdline="%s"\n' "$pxe_machine" >"$tree/boot/machines/${pxe_mac//:/-}.cfg"
	fi
	media+=(-netdev "user,id=pxe0,tftp=$tree,bootfile=$bootfile" "${nic[@]}") ;;
*) echo "FAIL: boot: $label: unknown boot method '$boot' (kernel, cd-bios, cd-uefi, usb-bios, usb-uefi, pxe-bios, pxe-uefi)"; exit 1 ;;
esac
extra_args=()
[ "$extra" != - ] && [ -n "$extra" ] && read -r -a extra_args <<<"${extra//@LOG@/$log}"

# Pseudo arguments in the extra column, handled here rather than by QEMU:
#   inject-nmi=N  host-injected NMIs (src/nmi/src_host.c): a monitor on a
#                 FIFO pair and tests/inject-nmi.sh beside QEMU, which sends
#                 N monitor `nmi` commands once the image says it is ready;
#   screendump    a screenshot after the DONE line (tests/at-done.sh),
#                 decoded by build/host/screencheck for screen: expectations;
#   no-serial     no COM1 at all; the console log is the 0xe9 debug console.
inject_n= helper_pid= screendump=0 serial=(-serial "file:$log")
qemu_args=()
for a in "${extra_args[@]}"; do
	case "$a" in
	inject-nmi=*) inject_n=${a#inject-nmi=} ;;
	screendump) screendump=1 ;;
	no-serial) serial=(-serial none -debugcon "file:$log") ;;
	pxe-machine=*) ;;
	*) qemu_args+=("$a") ;;
	esac
done
extra_args=("${qemu_args[@]}")
monitor=(-monitor none)
helper=()
if [ -n "$inject_n" ]; then
	helper=(bash "$top/tests/inject-nmi.sh" "$log.mon" "$log" "$inject_n" "$timeout")
elif [ "$screendump" = 1 ] || [ "$want_exit" = halt ]; then
	helper=(bash "$top/tests/at-done.sh" "$log.mon" "$log" "$timeout")
	[ "$screendump" = 1 ] && helper+=(screendump "$log.ppm")
	[ "$want_exit" = halt ] && helper+=(halted)
fi
if [ ${#helper[@]} -gt 0 ]; then
	rm -f "$log.mon.in" "$log.mon.out" "$log.ppm" "$log.screen.txt"
	mkfifo "$log.mon.in" "$log.mon.out" || { echo "FAIL: boot: $label: cannot make the monitor FIFOs"; exit 1; }
	monitor=(-monitor "pipe:$log.mon")
	"${helper[@]}" >"$log.helper" 2>&1 &
	helper_pid=$!
fi

start=$(date +%s)
timeout -k 5 "$timeout" qemu-system-x86_64 -M "$machine" "${accel[@]}" -cpu "$cpu" \
	-m "$mem" -smp "$smp" -display none "${monitor[@]}" "${serial[@]}" \
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-d cpu_reset -D "$qlog" "${media[@]}" "${extra_args[@]}" </dev/null >"$log.stdout" 2>&1
st=$?
secs=$(($(date +%s) - start))

fail() {
	[ -n "$helper_pid" ] && kill "$helper_pid" 2>/dev/null
	echo "FAIL: boot: $label: $*"
	# The image's own failures first: the tail below may not reach them.
	if grep -q '^FAIL: ' "$log" 2>/dev/null; then
		echo "      the image's FAIL lines:"
		grep -a '^FAIL: ' "$log" | head -n 8 | sed 's/^/      ! /'
	fi
	echo "      log: $log; last lines:"
	tail -n 25 "$log" 2>/dev/null | sed 's/^/      | /'
	[ -s "$log.stdout" ] && tail -n 5 "$log.stdout" | sed 's/^/      qemu: /'
	# Name the code behind the addresses of a stack trace.
	if grep -q '^    #[0-9]* 0x' "$log" 2>/dev/null; then
		grep '^    #[0-9]* 0x' "$log" | tail -n 8 | while read -r _ addr; do
			echo "      $addr $(addr2line -f -s -e "$top/build/irqlab.debug.elf" "$addr" | paste -sd' ')"
		done
	fi
	exit 1
}

if [ "$want_exit" = halt ] && [ $((st & 1)) -eq 1 ]; then
	fail "the image exited through isa-debug-exit (code $((st >> 1))) instead of halting"
fi
if [ -n "$helper_pid" ]; then
	# QEMU is gone: a helper still waiting for the image never will get
	# its answer. Give one that is finishing (it sent `quit`) a moment.
	for _ in $(seq 1 30); do kill -0 "$helper_pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$helper_pid" 2>/dev/null; then
		kill "$helper_pid" 2>/dev/null
		printf 'QEMU exited (status %s) while the helper still waited\n' "$st" >>"$log.helper"
	fi
	wait "$helper_pid" || fail "${helper[1]##*/}: $(tr -d '\r' <"$log.helper" | tail -n 3 | paste -sd' ')"
fi
if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
	fail "timed out after ${timeout}s (image hung or too slow)"
fi
if grep -q 'Triple fault' "$qlog" 2>/dev/null; then
	fail "triple fault (QEMU reset the CPU; see $qlog)"
fi
done_code=$(tr -d '\r' 2>/dev/null <"$log" | sed -n 's/^--- DONE: \([0-9]\) ---$/\1/p' | tail -n 1)
case "$want_exit" in
reset)
	# -no-reboot turns the guest's reset request into QEMU shutting down
	# with status 0 before any CPU reset happens (QEMU 7.2
	# softmmu/runstate.c), so the log shows no reset of its own. The image
	# never powers off; the scenario's expectations name the method.
	[ "$st" -eq 0 ] || fail "QEMU exited with status $st; a reset under -no-reboot exits 0"
	[ -n "$done_code" ] || fail "no '--- DONE: N ---' line before the reset"
	code=reset ;;
halt)
	# tests/at-done.sh saw HLT=1 after the DONE line and quit QEMU.
	[ "$st" -eq 0 ] || fail "QEMU exited with status $st while the image should have been halted"
	[ -n "$done_code" ] || fail "no '--- DONE: N ---' line"
	code=halt ;;
*)
	if [ $((st & 1)) -ne 1 ]; then
		fail "QEMU exited with status $st without the image's exit (crash, reset or QEMU error)"
	fi
	code=$((st >> 1))
	[ "$code" = "$want_exit" ] || fail "image exit code $code, expected $want_exit"
	[ "$done_code" = "$code" ] || fail "no '--- DONE: $code ---' line" ;;
esac
if [ "$screendump" = 1 ]; then
	[ -x "$top/build/host/screencheck" ] || fail "build/host/screencheck missing (./build.sh builds it)"
	"$top/build/host/screencheck" --font "$top/build/font.psf" "$log.ppm" >"$log.screen.txt" 2>"$log.screen.err" ||
		fail "screencheck could not decode $log.ppm: $(head -n 2 "$log.screen.err" | paste -sd' ')"
fi

# Each expectation: a regex that must match (or, with '!', must not).
rest=$expect
while [ -n "$rest" ]; do
	item=${rest%% ;; *}
	if [ "$item" = "$rest" ]; then rest=""; else rest=${rest#* ;; }; fi
	item=$(trim "$item")
	[ -z "$item" ] && continue
	file=$log neg=0
	case "$item" in
	e9:*) file=$log.e9; item=${item#e9:} ;;
	screen:*) file=$log.screen.txt; item=${item#screen:} ;;
	esac
	case "$item" in !*) neg=1; item=${item#!} ;; esac
	# Serial lines end in CR LF; match without the CR.
	# grep without -q: -q would exit at the first match and tr could die
	# of SIGPIPE, which pipefail turns into "no match".
	if tr -d '\r' <"$file" 2>/dev/null | grep -E -- "$item" >/dev/null; then
		[ $neg -eq 1 ] && fail "output matches '$item', which it must not"
	else
		[ $neg -eq 0 ] && fail "no line of $(basename "$file") matches '$item'"
	fi
done
echo "PASS: boot: $label (${secs}s, exit $code)"
