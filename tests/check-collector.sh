#!/usr/bin/env bash
# tests/check-collector.sh - the host side of the results network
# (docs/protocol.md): the collector and a simulated sender on 127.0.0.1,
# built with ASan and UBSan. One PASS:/FAIL: line per property:
#   loss          collector drops 15% of what arrives; 2000 records arrive
#                 exactly once, equal to what was sent, checksum verified
#   loss-both     ... and the sender loses 20% of its datagrams and 30% of
#                 the NACKs/ACKs it gets (lost ACK -> END resent -> re-ACK)
#   loss-burst    real losses: a 16 KiB receive buffer overflows in bursts
#   concurrency   20 senders at once: 20 runs, stored apart, all complete
#   serial        --from-serial on a log with CR LF and console noise
#   mismatch      a record changed after the checksum: mismatch, not complete
#   junk          malformed and foreign datagrams counted, the run completes;
#                 the END's count of records lost in the image is kept
#   image         the real image's serial log verifies (interop with record.c)
#   fuzz          libFuzzer targets a few seconds each; no crash
# Every check of a stored run goes through verify_run, which is shown to
# fail on a database with a row missing and with a row changed.
# A benchmark line (not a test): records per second over loopback UDP.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

W=$(mktemp -d /tmp/irqlab-collector.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

check() { if [ "$1" -eq 0 ]; then echo "PASS: collector: $2"; else echo "FAIL: collector: $2${3:+: $3}"; fi; }

if ! command -v sqlite3 >/dev/null; then
	check 1 "the sqlite3 tool is installed (Debian package sqlite3)" "not found"
	exit 0
fi

SAN=$top/build/collector-san
if ! make -s -C host/collector TOP="$top" OUT="$SAN" SAN=1 >"$W/build.log" 2>&1; then
	check 1 "collector and sender build with ASan/UBSan" "$(tail -5 "$W/build.log")"
	exit 0
fi
C=$SAN/collector
S=$SAN/sender
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

# start_collector NAME ARGS...: a collector on a free random port of
# 127.0.0.1 in the background; sets PORT and CPID; output in $W/NAME.{out,err}.
start_collector() {
	local name=$1 try
	shift
	for try in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + RANDOM % 40000))
		timeout 120 "$C" --bind 127.0.0.1 --port "$PORT" --quiet "$@" \
			>"$W/$name.out" 2>"$W/$name.err" &
		CPID=$!
		pids+=("$CPID")
		for _ in $(seq 50); do
			grep -q 'listening on' "$W/$name.err" 2>/dev/null && return 0
			kill -0 "$CPID" 2>/dev/null || break
			sleep 0.1
		done
		wait "$CPID" 2>/dev/null
		grep -q 'cannot listen' "$W/$name.err" || break
	done
	echo "collector $name did not start: $(tail -3 "$W/$name.err")" >&2
	return 1
}

# verify_run DB RUN_ID MAC SENT.tsv: the run's records are exactly the
# lines of SENT.tsv (seq, type, json), once each, and the run is complete
# with the END record's checksum equal to the one computed. Prints why not.
verify_run() {
	local db=$1 id=$2 mac=$3 sent=$4 n q st key
	n=$(wc -l <"$sent")
	key="run_id = '$id' AND mac = '$mac'"
	q=$(sqlite3 "$db" "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM records WHERE $key")
	if [ "$q" != "$n|$n|0|$((n - 1))" ]; then
		echo "count|distinct|min|max = $q, want $n|$n|0|$((n - 1))"
		return 1
	fi
	if ! sqlite3 -separator $'\t' "$db" "SELECT seq, type, json FROM records WHERE $key ORDER BY seq" |
		cmp -s - "$sent"; then
		echo "stored records differ from what was sent"
		return 1
	fi
	st=$(sqlite3 "$db" "SELECT state, records, checksum_end = checksum_computed FROM runs WHERE $key")
	if [ "$st" != "complete|$((n - 1))|1" ]; then
		echo "run row state|records|checksum ok = '$st', want complete|$((n - 1))|1"
		return 1
	fi
}

# The JSON-lines file: one line per record, in seq order, nothing else.
verify_jsonl() {
	local f=$1 n=$2
	[ -f "$f" ] || { echo "no $f"; return 1; }
	[ "$(wc -l <"$f")" -eq "$n" ] || { echo "$(wc -l <"$f") lines, want $n"; return 1; }
	grep -o '^{"run_id":"[0-9a-f]*","mac":"[0-9a-f:]*","seq":[0-9]*' "$f" |
		sed 's/.*"seq"://' | cmp -s - <(seq 0 $((n - 1))) || { echo "seqs not 0..$((n - 1)) in order"; return 1; }
}

num_after() { grep -o "[0-9]* $1" "$2" | head -1 | cut -d' ' -f1; }

# --- (a) loss: collector drops 15% of incoming datagrams ---------------------
id=00000000000a0001
mac=02:00:00:0a:00:01
start_collector a --db "$W/a.sqlite" --out-dir "$W/a-runs" --drop-percent 15 --seed 7 \
	--exit-after-runs 1 --timeout-s 60
timeout 60 "$S" --to 127.0.0.1:"$PORT" --records 2000 --seed 11 --run-id $id --mac $mac \
	--sent-out "$W/a-sent.tsv" 2>"$W/a-sender.err"
sst=$?
wait "$CPID"
cst=$?
check $((sst != 0)) "loss: sender got an ACK with the checksum verified (exit $sst)" \
	"$(tail -2 "$W/a-sender.err")"
check $((cst != 0)) "loss: collector exits 0 after the run (exit $cst)" "$(tail -3 "$W/a.err")"
dropped=$(num_after 'dropped by --drop-percent' "$W/a.err")
got=$(num_after 'datagrams,' "$W/a.err")
dropped=${dropped:-0} got=${got:-0}
check $(((dropped * 100 < 10 * (dropped + got)) || got == 0)) \
	"loss: --drop-percent 15 dropped $dropped of $((dropped + got)) datagrams (>= 10%)"
why=$(verify_run "$W/a.sqlite" $id $mac "$W/a-sent.tsv")
check $? "loss: 2001 records stored exactly once, equal to what was sent, checksum verified" "$why"
why=$(verify_jsonl "$W/a-runs/$id-0200000a0001.jsonl" 2001)
check $? "loss: JSON-lines file has the 2001 records in seq order" "$why"

# Negative controls of the verifier itself: a missing row, a changed row.
cp "$W/a.sqlite" "$W/neg.sqlite"
sqlite3 "$W/neg.sqlite" "DELETE FROM records WHERE seq = 1234"
verify_run "$W/neg.sqlite" $id $mac "$W/a-sent.tsv" >/dev/null
check $(($? == 0)) "negative control: the verifier fails a run with one record missing"
cp "$W/a.sqlite" "$W/neg.sqlite"
sqlite3 "$W/neg.sqlite" "UPDATE records SET json = replace(json, '1', '2') WHERE seq = 777"
verify_run "$W/neg.sqlite" $id $mac "$W/a-sent.tsv" >/dev/null
check $(($? == 0)) "negative control: the verifier fails a run with one record changed"

# --- (a2) loss both ways ---------------------------------------------------------
id=00000000000a0002
mac=02:00:00:0a:00:02
start_collector a2 --db "$W/a2.sqlite" --out-dir "$W/a2-runs" --drop-percent 15 --seed 8 \
	--exit-after-runs 1 --timeout-s 60
timeout 60 "$S" --to 127.0.0.1:"$PORT" --records 1000 --seed 12 --run-id $id --mac $mac \
	--drop-percent 20 --drop-control-percent 30 --sent-out "$W/a2-sent.tsv" 2>"$W/a2-sender.err"
sst=$?
wait "$CPID"
why=$(verify_run "$W/a2.sqlite" $id $mac "$W/a2-sent.tsv")
check $(($? != 0 || sst != 0)) "loss-both: 20% of records and 30% of NACKs/ACKs lost too: run complete, sender ACKed (exit $sst)" \
	"$why $(tail -2 "$W/a2-sender.err")"

# --- (a3) real loss: a 16 KiB socket buffer overflows in every burst ---------------
id=00000000000a0003
mac=02:00:00:0a:00:03
start_collector a3 --db "$W/a3.sqlite" --out-dir "$W/a3-runs" --rcvbuf 16384 \
	--exit-after-runs 1 --timeout-s 60
timeout 60 "$S" --to 127.0.0.1:"$PORT" --records 500 --seed 17 --run-id $id --mac $mac \
	--sent-out "$W/a3-sent.tsv" 2>"$W/a3-sender.err"
sst=$?
wait "$CPID"
why=$(verify_run "$W/a3.sqlite" $id $mac "$W/a3-sent.tsv")
check $(($? != 0 || sst != 0)) "loss-burst: datagrams the kernel drops from a 16 KiB buffer are recovered: run complete (exit $sst)" \
	"$why $(tail -2 "$W/a3-sender.err")"

# --- (b) concurrency: 20 senders at once -----------------------------------------
start_collector b --db "$W/b.sqlite" --out-dir "$W/b-runs" --drop-percent 5 --seed 9 \
	--exit-after-runs 20 --timeout-s 90
spids=()
for i in $(seq 10 29); do
	timeout 90 "$S" --to 127.0.0.1:"$PORT" --records 300 --seed "$i" --run-id "00000000000b00$i" \
		--mac "02:00:00:0b:00:$i" --sent-out "$W/b-sent-$i.tsv" --quiet 2>"$W/b-sender-$i.err" &
	spids+=($!)
done
bad=0
for p in "${spids[@]}"; do wait "$p" || bad=$((bad + 1)); done
wait "$CPID"
cst=$?
check $((bad != 0)) "concurrency: 20 senders at once, each ACKed with its checksum verified ($bad not)"
nbad=0 why=""
for i in $(seq 10 29); do
	w=$(verify_run "$W/b.sqlite" "00000000000b00$i" "02:00:00:0b:00:$i" "$W/b-sent-$i.tsv") ||
		{ nbad=$((nbad + 1)); why="run $i: $w"; }
done
runs=$(sqlite3 "$W/b.sqlite" "SELECT count(*) FROM runs WHERE state = 'complete'")
check $((nbad != 0 || runs != 20 || cst != 0)) \
	"concurrency: 20 runs stored apart, each complete with exactly its 301 records ($runs complete rows, collector exit $cst)" "$why"

# --- (c) --from-serial -------------------------------------------------------------
id=00000000000c0001
"$S" --no-net --records 500 --seed 13 --run-id $id --serial-out "$W/c.log" --serial-crlf \
	--serial-noise --sent-out "$W/c-sent.tsv"
grep -q $'\r$' "$W/c.log" && grep -qv '^@irqlab ' "$W/c.log"
check $? "serial: the generated log has CR LF line ends and lines that are not records"
timeout 60 "$C" --from-serial "$W/c.log" --db "$W/a.sqlite" --out-dir "$W/a-runs" \
	>"$W/c.out" 2>"$W/c.err"
cst=$?
why=$(verify_run "$W/a.sqlite" $id 00:00:00:00:00:00 "$W/c-sent.tsv")
check $(($? != 0 || cst != 0)) "serial: 501 records ingested into the same database, checksum verified (exit $cst)" \
	"$why $(tail -2 "$W/c.err")"
src=$(sqlite3 "$W/a.sqlite" "SELECT group_concat(source || ':' || state, ' ') FROM runs ORDER BY source")
check $([ "$src" = "udp:complete serial:complete" ] || [ "$src" = "serial:complete udp:complete" ]; echo $?) \
	"serial: the UDP run and the serial run live side by side in one schema ($src)"
check $(grep -q '1 malformed record lines' "$W/c.err"; echo $?) \
	"serial: the one malformed \"@irqlab \" line is counted and skipped"
timeout 60 "$C" --from-serial "$W/c.log" --db "$W/a.sqlite" --out-dir "$W/a-runs" >/dev/null 2>"$W/c2.err"
cst=$?
why=$(verify_run "$W/a.sqlite" $id 00:00:00:00:00:00 "$W/c-sent.tsv")
check $(($? != 0 || cst != 0)) "serial: ingesting the same log again adds nothing (still exactly once)" "$why"
# Negative controls: a record line missing, a record changed, no END.
grep -v "^@irqlab $id 250 " "$W/c.log" >"$W/c-miss.log"
timeout 60 "$C" --from-serial "$W/c-miss.log" --db "$W/cm.sqlite" --out-dir "$W/cm" >/dev/null 2>&1
cst=$?
st=$(sqlite3 "$W/cm.sqlite" "SELECT state FROM runs")
check "$([ "$cst" = 1 ] && [ "$st" = incomplete ]; echo $?)" \
	"serial negative control: a log missing record 250 ends incomplete (state $st, exit $cst)"
# Change the first digit of record 300's JSON (to 9, or 8 if it was 9).
awk -v id=$id '$1 == "@irqlab" && $2 == id && $3 == "300" {
	n = index($0, " {"); pre = substr($0, 1, n); js = substr($0, n + 1)
	if (match(js, /[0-9]/)) {
		d = substr(js, RSTART, 1)
		js = substr(js, 1, RSTART - 1) (d == "9" ? "8" : "9") substr(js, RSTART + 1)
	}
	print pre js; next
} { print }' "$W/c.log" >"$W/c-chg.log"
cmp -s "$W/c.log" "$W/c-chg.log"
check $(($? != 1)) "serial negative control: the changed log differs from the original"
timeout 60 "$C" --from-serial "$W/c-chg.log" --db "$W/cc.sqlite" --out-dir "$W/cc" >/dev/null 2>"$W/cc.err"
cst=$?
st=$(sqlite3 "$W/cc.sqlite" "SELECT state FROM runs")
check "$([ "$cst" = 1 ] && [ "$st" = mismatch ]; echo $?)" \
	"serial negative control: a log with record 300 changed is a checksum mismatch (state $st, exit $cst)"
grep -v " end {" "$W/c.log" >"$W/c-noend.log"
timeout 60 "$C" --from-serial "$W/c-noend.log" --db "$W/cn.sqlite" --out-dir "$W/cn" >"$W/cn.out" 2>&1
cst=$?
check $((cst != 1)) "serial negative control: a log without END is stored but not verified (exit $cst)" \
	"$(grep -m1 INCOMPLETE "$W/cn.out")"

# --- (d) a record corrupted after the checksum ------------------------------------
id=00000000000d0001
mac=02:00:00:0d:00:01
start_collector d --db "$W/d.sqlite" --out-dir "$W/d-runs" --exit-after-runs 1 --timeout-s 60
timeout 60 "$S" --to 127.0.0.1:"$PORT" --records 2000 --seed 14 --run-id $id --mac $mac \
	--corrupt-seq 1234 2>"$W/d-sender.err"
sst=$?
wait "$CPID"
cst=$?
st=$(sqlite3 "$W/d.sqlite" "SELECT state FROM runs WHERE run_id = '$id'")
check "$([ "$cst" = 1 ] && [ "$sst" = 1 ] && [ "$st" = mismatch ]; echo $?)" \
	"mismatch: a record changed after the checksum: collector reports it (exit $cst), run state '$st', sender told (exit $sst)"
check $(grep -q 'checksum mismatch' "$W/d.err" && grep -q 'CHECKSUM MISMATCH' "$W/d.out"; echo $?) \
	"mismatch: the collector says 'checksum mismatch' and its summary shows it"

# --- (f) junk on the port -----------------------------------------------------------
id=00000000000f0001
start_collector f --db "$W/f.sqlite" --out-dir "$W/f-runs" --exit-after-runs 1 --timeout-s 60
timeout 60 "$S" --to 127.0.0.1:"$PORT" --records 50 --seed 15 --run-id $id --junk --lost 3 \
	--sent-out "$W/f-sent.tsv" 2>/dev/null
sst=$?
wait "$CPID"
cst=$?
refused=$(grep -o '[0-9]* refused (foreign 1, truncated 1, oversized 1, malformed 5, bad JSON 3, control 1,' "$W/f.err" | cut -d' ' -f1)
check $((sst != 0 || cst != 0 || ${refused:-0} != 12)) \
	"junk: 12 malformed, foreign, oversized, truncated and control datagrams counted by kind, the run completes" \
	"$(grep refused "$W/f.err" | tail -1)"
lost=$(sqlite3 "$W/f.sqlite" "SELECT lost FROM runs WHERE run_id = '$id'")
check "$([ "$lost" = 3 ] && grep -q 'RECORDS LOST IN THE IMAGE' "$W/f.out"; echo $?)" \
	"junk: an END saying 3 records were lost in the image is stored (lost = '$lost') and shown"

# --- (g) the image's own serial log ---------------------------------------------------
# The real image (no NIC, no tests) prints its records on the console; the
# collector must parse them and verify the image's checksum: the two sides
# of proto_record_crc() and of the serial form agree.
if [ -f build/irqlab32.elf ] && command -v qemu-system-x86_64 >/dev/null; then
	timeout 120 qemu-system-x86_64 -M q35 -accel tcg -cpu max -m 256 -smp 1 -display none \
		-serial stdio -monitor none -no-reboot -net none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel build/irqlab32.elf -append "tests=none" >"$W/image.log" 2>&1
	timeout 60 "$C" --from-serial "$W/image.log" --db "$W/g.sqlite" --out-dir "$W/g-runs" \
		>"$W/g.out" 2>"$W/g.err"
	cst=$?
	st=$(sqlite3 "$W/g.sqlite" "SELECT state || ' ' || received FROM runs" 2>/dev/null)
	check "$([ "$cst" = 0 ] && [ "${st%% *}" = complete ]; echo $?)" \
		"image: the image's serial log (tests=none) ingests with its END checksum verified ($st)" \
		"$(grep -m1 -E 'INCOMPLETE|MISMATCH|refused' "$W/g.out" "$W/g.err")"
else
	check 1 "image: build/irqlab32.elf and QEMU are there for the serial interop check"
fi

# --- (e) fuzz smoke -----------------------------------------------------------------
F=$top/build/fuzz
fuzz_s=${IRQLAB_LONG:-0}
fuzz_s=$([ "$fuzz_s" = 1 ] && echo 60 || echo 4)
if command -v clang >/dev/null && make -s -C tests/fuzz TOP="$top" OUT="$F" >"$W/fuzz-build.log" 2>&1 &&
	"$F/seeds" "$W/seeds"; then
	for t in proto datagram serial; do
		mkdir -p "$W/corpus-$t"
		timeout $((fuzz_s + 60)) "$F/fuzz_$t" -max_total_time="$fuzz_s" -rss_limit_mb=2048 \
			-artifact_prefix="$W/crash-$t-" "$W/corpus-$t" "$W/seeds/$t" >"$W/fuzz-$t.log" 2>&1
		st=$?
		runs=$(grep -o 'Done [0-9]* runs' "$W/fuzz-$t.log" | cut -d' ' -f2)
		check $st "fuzz: fuzz_$t ran ${fuzz_s}s (${runs:-0} inputs) without a crash" \
			"$(grep -m3 -E 'ERROR|SUMMARY|abort' "$W/fuzz-$t.log") (log kept in build/fuzz/fuzz_$t.log)"
		[ $st -eq 0 ] || cp "$W/fuzz-$t.log" "$W"/crash-$t-* "$F/" 2>/dev/null
	done
	# Negative control: a target with a one-byte overread must be caught.
	mkdir -p "$W/corpus-neg"
	timeout 60 "$F/fuzz_proto_negctl" -max_total_time=10 -artifact_prefix="$W/neg-" \
		"$W/corpus-neg" "$W/seeds/proto" >"$W/fuzz-neg.log" 2>&1
	st=$?
	check $((st == 0)) "fuzz negative control: an overread planted in the NACK path is caught (exit $st)" \
		"$(grep -m1 'heap-buffer-overflow' "$W/fuzz-neg.log")"
else
	check 1 "fuzz: libFuzzer targets build with clang" "$(tail -5 "$W/fuzz-build.log" 2>/dev/null)"
fi

# --- benchmark (not a test) ----------------------------------------------------------
P=$W/plain
if make -s -C host/collector TOP="$top" OUT="$P" >/dev/null 2>&1; then
	C=$P/collector S=$P/sender
	if start_collector bench --db "$W/bench.sqlite" --out-dir "$W/bench-runs" \
		--exit-after-runs 1 --timeout-s 60; then
		timeout 60 "$S" --to 127.0.0.1:"$PORT" --records 20000 --seed 16 2>"$W/bench-sender.err"
		wait "$CPID"
		line=$(grep -m1 'records + END' "$W/bench-sender.err")
		echo "BENCH: collector: loopback UDP, 20000 records to ACK (SQLite + JSON lines):" \
			"$(echo "$line" | grep -o '[0-9.]* s ([0-9]* records/s); [0-9]* NACKs, [0-9]* retransmitted')"
	fi
fi
exit 0
