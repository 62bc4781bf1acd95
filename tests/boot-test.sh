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
rm -f "$log" "$qlog" "$log.e9"

accel=(-accel tcg)
if [ "${IRQLAB_ACCEL:-tcg}" = kvm ]; then
	accel=(-accel kvm)
	[ "$cpu" = max ] && cpu=host
fi

# A scenario with a NIC but no collector= would send its records to the
# default collector (DHCP next-server, i.e. this host) and wait for an ACK
# nobody sends: keep such runs on serial.
case "$extra $cmdline" in
*netdev*collector=*|*-nic\ none*) ;;
*netdev*) cmdline="${cmdline:+$cmdline }collector=none" ;;
esac

case "$boot" in
kernel) media=(-kernel "$top/build/irqlab32.elf" -append "$cmdline") ;;
iso|efi-iso)
	iso=$top/build/test-iso/$name.iso
	bash "$top/images/mkiso.sh" "$iso" "$cmdline" 0 || { echo "FAIL: boot: $label: cannot build ISO"; exit 1; }
	media=(-cdrom "$iso" -boot d)
	if [ "$boot" = efi-iso ]; then
		fw=/usr/share/ovmf/OVMF.fd
		[ -f "$fw" ] || { echo "FAIL: boot: $label: $fw missing (package ovmf)"; exit 1; }
		media+=(-bios "$fw")
	fi ;;
*) echo "FAIL: boot: $label: unknown boot method '$boot'"; exit 1 ;;
esac
extra_args=()
[ "$extra" != - ] && [ -n "$extra" ] && read -r -a extra_args <<<"${extra//@LOG@/$log}"

# Host-injected NMIs (src/nmi/src_host.c): the pseudo argument
# inject-nmi=N in the extra column gives QEMU a monitor on a FIFO pair and
# runs tests/inject-nmi.sh beside it, which sends N monitor `nmi` commands
# once the image says it is ready.
inject_n= inject_pid=
qemu_args=()
for a in "${extra_args[@]}"; do
	case "$a" in
	inject-nmi=*) inject_n=${a#inject-nmi=} ;;
	*) qemu_args+=("$a") ;;
	esac
done
extra_args=("${qemu_args[@]}")
if [ -n "$inject_n" ]; then
	rm -f "$log.mon.in" "$log.mon.out"
	mkfifo "$log.mon.in" "$log.mon.out" || { echo "FAIL: boot: $label: cannot make the monitor FIFOs"; exit 1; }
	extra_args+=(-monitor "pipe:$log.mon")
	bash "$top/tests/inject-nmi.sh" "$log.mon" "$log" "$inject_n" "$timeout" >"$log.inject" 2>&1 &
	inject_pid=$!
fi

start=$(date +%s)
timeout -k 5 "$timeout" qemu-system-x86_64 -M "$machine" "${accel[@]}" -cpu "$cpu" \
	-m "$mem" -smp "$smp" -display none -monitor none -serial "file:$log" \
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-d cpu_reset -D "$qlog" "${media[@]}" "${extra_args[@]}" </dev/null >"$log.stdout" 2>&1
st=$?
secs=$(($(date +%s) - start))

fail() {
	echo "FAIL: boot: $label: $*"
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

if [ -n "$inject_pid" ]; then
	wait "$inject_pid" || fail "NMI injector: $(cat "$log.inject")"
fi
if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
	fail "timed out after ${timeout}s (image hung or too slow)"
fi
if grep -q 'Triple fault' "$qlog" 2>/dev/null; then
	fail "triple fault (QEMU reset the CPU; see $qlog)"
fi
if [ $((st & 1)) -ne 1 ]; then
	fail "QEMU exited with status $st without the image's exit (crash, reset or QEMU error)"
fi
code=$((st >> 1))
[ "$code" = "$want_exit" ] || fail "image exit code $code, expected $want_exit"
grep -q -- "--- DONE: $code ---" "$log" || fail "no '--- DONE: $code ---' line"

# Each expectation: a regex that must match (or, with '!', must not).
rest=$expect
while [ -n "$rest" ]; do
	item=${rest%% ;; *}
	if [ "$item" = "$rest" ]; then rest=""; else rest=${rest#* ;; }; fi
	item=$(trim "$item")
	[ -z "$item" ] && continue
	file=$log neg=0
	case "$item" in e9:*) file=$log.e9; item=${item#e9:} ;; esac
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
