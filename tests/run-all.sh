#!/usr/bin/env bash
# tests/run-all.sh [--long] [--kvm] - every test of irqlab, after build.sh
# has built everything. Host unit tests (ASan/UBSan), repository checks,
# every tests/check-*.sh, then the boot scenarios two at a time. Ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
long=0
while [ $# -gt 0 ]; do
	case "$1" in
	--long) long=1 ;;
	--kvm) export IRQLAB_ACCEL=kvm ;;
	*) echo "test: unknown option '$1' (accepted: --long, --kvm)" >&2; exit 2 ;;
	esac
	shift
done
export IRQLAB_LONG=$long
# Private results file: two test runs at once must not count each other's
# lines. A copy lands in build/test-results.txt at the end.
results=$(mktemp /tmp/irqlab-results.XXXXXX)
trap 'cp "$results" build/test-results.txt 2>/dev/null; rm -f "$results"' EXIT
mkdir -p build/test-logs

section() { printf '\n== %s\n' "$*"; }

# Results are the PASS:/FAIL: lines of every part, collected in $results.
record() { tee -a "$results"; }

section "host unit tests (ASan, UBSan)"
if make -s unit >build/test-logs/unit-build.log 2>&1; then
	for t in build/unit/test_*; do
		out=build/test-logs/$(basename "$t").log
		"$t" >"$out" 2>&1
		st=$?
		grep -E '^(PASS|FAIL):' "$out" | sed "s/^\(PASS\|FAIL\): /\1: $(basename "$t"): /" | record | grep '^FAIL' || true
		n=$(grep -c '^PASS' "$out"); f=$(grep -c '^FAIL' "$out")
		echo "$(basename "$t"): $n passed, $f failed"
		if [ $st -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "FAIL: $(basename "$t"): exited $st (sanitizer report?)" | record
			tail -20 "$out"
		fi
	done
else
	echo "FAIL: unit: host unit tests do not build" | record
	tail -30 build/test-logs/unit-build.log
fi

# Every tests/check-*.sh prints PASS:/FAIL: lines of its own.
for c in tests/check-*.sh; do
	section "$(basename "$c" .sh)"
	bash "$c" | record
done

scenarios=$(cat tests/scenarios/*.txt | grep -Ev '^\s*(#|$)')
# Scenarios named long-* (10^7 NMIs and the like) run only with --long.
if [ "$long" -eq 0 ]; then
	nlong=$(echo "$scenarios" | grep -c '^long-')
	scenarios=$(echo "$scenarios" | grep -v '^long-')
	[ "$nlong" -gt 0 ] && echo "($nlong long scenarios skipped: ./build.sh test --long runs them)"
fi
section "boot scenarios ($(echo "$scenarios" | wc -l) from tests/scenarios/*.txt, 2 at a time, ${IRQLAB_ACCEL:-tcg})"
echo "$scenarios" | tr '\n' '\0' | xargs -0 -P 2 -I{} bash tests/boot-test.sh {} | record

# The boot paths must not change what a run finds.
paths=$(echo "$scenarios" | sed -n 's/^\(path-[^ |]*\).*/\1/p')
[ -n "$paths" ] && bash tests/same-summary.sh build/test-logs $paths | record

# The kernel's interrupt flag is patched into every irq_* site at boot;
# the whole table must pass with the soft flag too (docs/irqflags.md).
# Scenarios that choose irqflags= themselves keep their choice. The loader
# paths (ISO, USB, PXE) have nothing to do with the flag: the soft pass
# boots the kernel directly.
section "boot scenarios again with irqflags=soft (kernel boots)"
echo "$scenarios" | awk -F'|' '{ b = $6; gsub(/[ \t]/, "", b); if (b == "kernel") print }' |
	tr '\n' '\0' | IRQLAB_APPEND="irqflags=soft" \
	IRQLAB_LOGDIR="$top/build/test-logs/soft" xargs -0 -P 2 -I{} bash tests/boot-test.sh {} | record

passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
echo
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^FAIL' "$results" | sed 's/^/  /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
