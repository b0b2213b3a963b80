#!/usr/bin/env bash
# The benchmark's capture generator: deterministic, readable by the probe with nothing malformed,
# every industrial protocol present, the concurrent mode really concurrent, remix making new
# flows, and bad arguments refused. A benchmark on a broken capture would measure nothing.
#   generator_test.sh GENERATOR PROBE SOURCE_DIR
set -euo pipefail
gen=$1 probe=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$gen" --mode mix --size 3M --out "$work/a.pcap" 2>/dev/null
"$gen" --mode mix --size 3M --out "$work/b.pcap" 2>/dev/null
cmp -s "$work/a.pcap" "$work/b.pcap" || fail "the same arguments gave different captures"
"$gen" --mode mix --size 3M --seed 7 --out "$work/c.pcap" 2>/dev/null
cmp -s "$work/a.pcap" "$work/c.pcap" && fail "another seed gave the same capture"
size=$(stat -c %s "$work/a.pcap")
((size <= 3 * 1024 * 1024 && size > 2 * 1024 * 1024)) || fail "3M capture is $size bytes"

"$probe" --read "$work/a.pcap" --rules "$src/bench/bench.rules" --eve "$work/a.json" \
  >"$work/a.log" 2>&1 || fail "the probe failed on the mix: $(tail -3 "$work/a.log")"
grep -q ' 0 truncated, 0 malformed' "$work/a.log" || fail "mix not clean: $(grep packets "$work/a.log")"
for proto in modbus dnp3 iec104 s7comm enip; do
  grep -q "\"event_type\":\"$proto\"" "$work/a.json" || fail "no $proto transaction in the mix"
done

"$gen" --mode concurrent --flows 3000 --out "$work/conc.pcap" 2>/dev/null
"$probe" --read "$work/conc.pcap" --eve "$work/conc.json" >"$work/conc.log" 2>&1 ||
  fail "the probe failed on the concurrent capture"
grep -q 'at most 3,000 at once' "$work/conc.log" ||
  fail "concurrent flows: $(grep '  flows' "$work/conc.log")"

"$gen" --mode remix --input "$src/pcaps/demo.pcap" --min-packets 250 --out "$work/remix.pcap" \
  2>/dev/null
"$probe" --read "$src/pcaps/demo.pcap" --eve "$work/d.json" >"$work/d.log" 2>&1 || true
"$probe" --read "$work/remix.pcap" --eve "$work/r.json" >"$work/r.log" 2>&1 || true
one=$(grep -c '"event_type":"flow"' "$work/d.json")
copies=$(grep -c '"event_type":"flow"' "$work/r.json")
((one > 0 && copies >= 2 * one)) || fail "remix: $copies flows from copies of $one"
grep -q ' 0 truncated, 0 malformed' "$work/r.log" || fail "remix not clean: $(grep packets "$work/r.log")"

rc=0
"$gen" --mode mix --size 12Q --out "$work/x.pcap" 2>"$work/err" || rc=$?
((rc == 1)) || fail "a bad size exited $rc"
[[ -e "$work/x.pcap" ]] && fail "a bad size left a file"
grep -q "12Q" "$work/err" || fail "the error does not name the bad size: $(cat "$work/err")"
echo "generator: deterministic, clean, concurrent, remixed, bad arguments refused"
