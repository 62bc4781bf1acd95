#!/usr/bin/env bash
# tests/check-network.sh - whole runs of the image streaming to the real
# collector over QEMU user networking (guest -> 10.0.2.2 -> host loopback),
# one per NIC model, plus: a run with no NIC ingested from its serial log
# into the same schema, and a run through a collector that drops 15% of
# what it receives. Every record printed on the console must be in SQLite
# exactly once, and the end checksum must verify. Loopback only.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
W=build/test-net
rm -rf "$W"
mkdir -p "$W"
C=build/host/collector
SUITES=${NET_TEST_SUITES:-exceptions,extable,apic}

check() { if [ "$1" -eq 0 ]; then echo "PASS: net: $2"; else echo "FAIL: net: $2${3:+: $3}"; fi; }

# Records the console shows for run id $1 in log $2: "seq<TAB>type<TAB>json".
console_records() {
	tr -d '\r' <"$2" | awk -v run="$1" '$1 == "@irqlab" && $2 == run {
		json = $0; sub(/^@irqlab [0-9a-f]+ [0-9]+ [a-z]+ /, "", json)
		print $3 "\t" $4 "\t" json }' | sort -n
}

db_records() {
	sqlite3 -separator $'\t' "$2" \
		"SELECT r.seq, r.type, r.json FROM records r JOIN runs u ON r.run_id = u.run_id
		 WHERE u.run_id = '$1' ORDER BY r.seq" 2>/dev/null
}

# run_one NAME MACHINE DEVICE DROP%
run_one() {
	local name=$1 machine=$2 dev=$3 drop=$4 port=$((20000 + RANDOM % 20000))
	local db=$W/$name.sqlite log=$W/$name.serial cst qst run
	"$C" --bind 127.0.0.1 --port "$port" --db "$db" --out-dir "$W/$name.runs" \
		--exit-after-runs 1 --timeout-s 150 --quiet \
		${drop:+--drop-percent "$drop" --seed 7} >"$W/$name.out" 2>"$W/$name.err" &
	local cpid=$!
	sleep 0.3
	timeout -k 5 150 qemu-system-x86_64 -M "$machine" -accel tcg -cpu max -m 256 \
		-display none -monitor none -serial "file:$log" -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-netdev user,id=n0 -device "$dev,netdev=n0" -kernel build/irqlab32.elf \
		-append "tests=$SUITES collector=10.0.2.2:$port net_timeout_ms=30000" </dev/null >/dev/null 2>&1
	qst=$?
	wait "$cpid"; cst=$?
	run=$(tr -d '\r' <"$log" | awk '$1 == "@irqlab" { print $2; exit }')
	check "$([ "$qst" -eq 1 ]; echo $?)" "$name: the run completes (QEMU status $qst)"
	check "$cst" "$name: collector: every run complete and verified (status $cst)" "$(tail -2 "$W/$name.err" | tr '\n' ' ')"
	console_records "$run" "$log" >"$W/$name.console.tsv"
	db_records "$run" "$db" >"$W/$name.db.tsv"
	local n; n=$(wc -l <"$W/$name.console.tsv")
	cmp -s "$W/$name.console.tsv" "$W/$name.db.tsv"
	check $? "$name: all $n records in SQLite exactly once, as printed" "diff $W/$name.console.tsv $W/$name.db.tsv"
	grep -q "collector acknowledged the end of the run: .* verified" "$log"
	check $? "$name: the image saw the collector verify the checksum"
	local state; state=$(sqlite3 "$db" "SELECT state FROM runs WHERE run_id = '$run'" 2>/dev/null)
	check "$([ "$state" = complete ]; echo $?)" "$name: the run is stored complete (state '$state')"
}

run_one virtio-legacy pc "virtio-net-pci,disable-modern=on" ""
run_one virtio-modern q35 "virtio-net-pci,disable-legacy=on" ""
run_one e1000 q35 "e1000" ""
run_one e1000e q35 "e1000e" ""
run_one virtio-loss15 q35 "virtio-net-pci" 15
resent=$(grep -o '[0-9]* resent after [0-9]* NACKs' "$W/virtio-loss15.serial" | head -1)
check "$(echo "$resent" | awk '{exit !($1 > 0)}'; echo $?)" "virtio-loss15: dropped records came back through NACKs ($resent)"

# No NIC: serial only, then ingested from the log into the same schema.
log=$W/nonic.serial
timeout -k 5 120 qemu-system-x86_64 -M q35 -accel tcg -cpu max -m 256 -display none \
	-monitor none -serial "file:$log" -no-reboot -nic none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel build/irqlab32.elf \
	-append "tests=$SUITES" </dev/null >/dev/null 2>&1
qst=$?
check "$([ "$qst" -eq 1 ]; echo $?)" "no NIC: the run completes on serial (QEMU status $qst)"
grep -q "no supported NIC: results go to serial only" "$log"
check $? "no NIC: one clear message"
"$C" --from-serial "$log" --db "$W/nonic.sqlite" --out-dir "$W/nonic.runs" --quiet >"$W/nonic.out" 2>"$W/nonic.err"
check $? "no NIC: collector --from-serial ingests the log" "$(tail -2 "$W/nonic.err" | tr '\n' ' ')"
run=$(tr -d '\r' <"$log" | awk '$1 == "@irqlab" { print $2; exit }')
console_records "$run" "$log" >"$W/nonic.console.tsv"
db_records "$run" "$W/nonic.sqlite" >"$W/nonic.db.tsv"
cmp -s "$W/nonic.console.tsv" "$W/nonic.db.tsv"
check $? "no NIC: $(wc -l <"$W/nonic.console.tsv") records from the serial log in SQLite, same schema"
a=$(sqlite3 "$W/nonic.sqlite" .schema | sort | md5sum); b=$(sqlite3 "$W/e1000.sqlite" .schema | sort | md5sum)
check "$([ "$a" = "$b" ]; echo $?)" "serial and network runs share one schema"
