#!/usr/bin/env bash
# tests/same-summary.sh LOGDIR NAME... - the boot paths must not change
# what a run finds: the logs LOGDIR/NAME.log of the scenarios named all
# hold the same SUMMARY line. Prints one PASS or FAIL line naming the
# paths that disagree with the first.
set -uo pipefail
dir=${1:?log directory}; shift
if [ $# -lt 2 ]; then
	echo "FAIL: boot paths: fewer than two scenarios to compare"
	exit 1
fi
logs=()
for n in "$@"; do logs+=("$dir/$n.log"); done
summary() { tr -d '\r' 2>/dev/null <"$1" | grep -m1 '^SUMMARY: ' || echo "(no SUMMARY line)"; }
ref=$(summary "${logs[0]}")
# Equal is not enough: runs that all died before their SUMMARY agree too.
case "$ref" in
"SUMMARY: "*) ;;
*) echo "FAIL: boot paths: $(basename "${logs[0]}" .log) printed no SUMMARY line to compare with"; exit 1 ;;
esac
bad=()
for l in "${logs[@]}"; do
	s=$(summary "$l")
	[ "$s" = "$ref" ] || bad+=("$(basename "$l" .log): '$s'")
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "FAIL: boot paths: not the same SUMMARY as $(basename "${logs[0]}" .log) ('$ref'): ${bad[*]}"
	exit 1
fi
echo "PASS: boot paths: ${#logs[@]} paths ($*) reach the same '$ref'"
