#!/usr/bin/env bash
# Acceptance criterion 9: thresholds enforce pass/fail. With mesim answering every order after
# 250 ms (--delay-ms 250), A2's p(99)<200 fails and lt exits 99; the suites exit non-zero.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/scenarios/helpers.sh"
start_mesim_cluster --delay-ms 250 || { fail "mesim cluster (--delay-ms 250) starts"; finish; }
A="http://127.0.0.1:$SHARD_A_PORT"

rc=$(run_lt "$TMP/a2.log" 60 run "$ROOT/lua/a2_normal_load.lua" -e "ME_SHARD_A_URL=$A" \
    --time-scale 0.01 --quiet --summary-export "$TMP/a2.json")
expect_eq "A2 against a 250 ms shard exits 99" 99 "$rc"
expect_num "observed p(99) >= 250 ms" "$(sv "$TMP/a2.json" 'm["http_req_duration"]["values"]["p(99)"]')" ge 250
expect_eq "http_req_duration p(99)<200 reported failed" False \
    "$(json_get "$TMP/a2.json" '[t["ok"] for t in d["thresholds"] if t["metric"]=="http_req_duration" and t["expr"]=="p(99)<200"][0]' 2>&1)"
expect_eq "match_latency_ms p(99)<200 reported failed" False \
    "$(json_get "$TMP/a2.json" '[t["ok"] for t in d["thresholds"] if t["metric"]=="match_latency_ms"][0]' 2>&1)"
expect_eq "the error-rate threshold still passes" True \
    "$(json_get "$TMP/a2.json" '[t["ok"] for t in d["thresholds"] if t["metric"]=="http_req_failed"][0]' 2>&1)"
expect_eq "summary exit_code 99" 99 "$(json_get "$TMP/a2.json" 'd["exit_code"]' 2>&1)"

rc=$(run_lt "$TMP/nt.log" 60 run "$ROOT/lua/a2_normal_load.lua" -e "ME_SHARD_A_URL=$A" \
    --time-scale 0.01 --quiet --no-thresholds)
expect_eq "--no-thresholds: exits 0 anyway" 0 "$rc"

timeout 120 "$ROOT/scenarios/asr2" --gateway "http://127.0.0.1:$GW_PORT" --only b1 --time-scale 0.01 \
    --out-dir "$TMP/asr2" >"$TMP/asr2.log" 2>&1
expect_eq "scenarios/asr2 exits 1 when B1 fails its thresholds" 1 "$?"
expect_match "the suite's table names the failure" "b1_baseline +thresholds failed" "$TMP/asr2.log"
finish
