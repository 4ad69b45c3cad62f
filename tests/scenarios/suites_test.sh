#!/usr/bin/env bash
# scenarios/asr1 and scenarios/asr2 end to end at --time-scale 0.01: one JSON summary per test in
# --out-dir, a table, A4's verdict, exit 0 on a healthy cluster; usage errors exit 2.
. "$(dirname "$0")/../lib.sh"
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
A="http://127.0.0.1:$SHARD_A_PORT"; G="http://127.0.0.1:$GW_PORT"

"$ROOT/scenarios/asr1" --help >"$TMP/h1" 2>&1
expect_eq "asr1 --help exits 0" 0 "$?"
expect_match "asr1 --help explains --time-scale" "--time-scale F" "$TMP/h1"
"$ROOT/scenarios/asr2" --help >"$TMP/h2" 2>&1
expect_eq "asr2 --help exits 0" 0 "$?"
"$ROOT/scenarios/asr1" --bogus >"$TMP/bad" 2>&1
expect_eq "asr1 with an unknown option exits 2" 2 "$?"
"$ROOT/scenarios/asr2" --time-scale -1 >"$TMP/bad" 2>&1
expect_eq "asr2 with a bad --time-scale exits 2" 2 "$?"

timeout -k 5 150 "$ROOT/scenarios/asr1" --me-url "$A" --time-scale 0.01 --out-dir "$TMP/r1" \
    --reset-cmd "curl -fsS -X POST $A/admin/reset" --a4-noise-ms 50 >"$TMP/asr1.log" 2>&1
expect_eq "asr1 exits 0" 0 "$?"
for t in a1_warmup a2_normal_load a3_depth_variation a4_kafka_degradation; do
    check "asr1 wrote $t.json" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="lt-summary/1"' "$TMP/r1/$t.json"
done
expect_eq "asr1 passed --time-scale through" 0.01 "$(json_get "$TMP/r1/a2_normal_load.json" 'd["time_scale"]' 2>&1)"
expect_match "asr1 prints the table" "a2_normal_load +passed" "$TMP/asr1.log"
expect_match "asr1 prints A3's latency per depth" "deep +count" "$TMP/asr1.log"
expect_match "asr1 prints A4's ratio and verdict" "A4 match_latency_ms: p99 before .* ratio .* -> PASS" "$TMP/asr1.log"
check "asr1 keeps the verdict" test -s "$TMP/r1/a4_verdict.txt"
expect_match "asr1 ends with PASS" "^ASR 1: PASS" "$TMP/asr1.log"

timeout -k 5 150 "$ROOT/scenarios/asr2" --gateway "$G" --time-scale 0.01 --out-dir "$TMP/r2" >"$TMP/asr2.log" 2>&1
expect_eq "asr2 exits 0" 0 "$?"
for t in b1_baseline b2_peak_sustained b3_ramp b4_hot_symbol; do
    check "asr2 wrote $t.json" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="lt-summary/1"' "$TMP/r2/$t.json"
done
expect_match "asr2 ran B1 through the gateway (/seed/a)" "Seeded shard a" "$TMP/r2/b1_baseline.log"
expect_match "asr2 prints shares" "Requests per shard and symbol" "$TMP/asr2.log"
expect_match "asr2 ends with PASS" "^ASR 2: PASS" "$TMP/asr2.log"
finish
