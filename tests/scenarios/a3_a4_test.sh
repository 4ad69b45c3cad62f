#!/usr/bin/env bash
# A3: one invocation, three clean depths (each scenario's setup resets shard a and seeds 100 /
# 1,000 / 10,000 orders per symbol), latencies per depth as {scenario:...} sub-metrics.
# A4: the broker is paused automatically at t=60s (scaled), samples switch from phase=before to
# phase=outage, events pile up while paused, teardown resumes; the verdict step reads the phases.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/scenarios/helpers.sh"
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
A3_SHARD_A=$SHARD_A_PORT
A3_URLS="http://127.0.0.1:$SHARD_A_PORT/metrics"
start_mesim_cluster || { fail "second mesim cluster starts"; finish; }
A="http://127.0.0.1:$SHARD_A_PORT"

# both in parallel: A3 at 0.02 (3.6 s per depth, ~13 s), A4 at 0.05 (9 s, pause at 3 s)
$PROM watch "$TMP/a3.jsonl" 0.1 "$A3_URLS" & _PIDS+=($!); W3=$!
$PROM watch "$TMP/a4.jsonl" 0.1 "$A/metrics" & _PIDS+=($!); W4=$!
"$LT" run "$ROOT/lua/a3_depth_variation.lua" -e "ME_SHARD_A_URL=http://127.0.0.1:$A3_SHARD_A" \
    --time-scale 0.02 --quiet --summary-export "$TMP/a3.json" >"$TMP/a3.log" 2>&1 &
A3_PID=$!; _PIDS+=("$A3_PID")
rc4=$(run_lt "$TMP/a4.log" 60 run "$ROOT/lua/a4_kafka_degradation.lua" -e "ME_SHARD_A_URL=$A" \
    --time-scale 0.05 --quiet --summary-export "$TMP/a4.json")
# one more sample after each run ends, then the watchers stop
n=$(wc -l <"$TMP/a4.jsonl"); await_cond 5 lines_more_than "$TMP/a4.jsonl" "$n"; kill "$W4"
wait "$A3_PID"; rc3=$?
n=$(wc -l <"$TMP/a3.jsonl"); await_cond 5 lines_more_than "$TMP/a3.jsonl" "$n"; kill "$W3"

# ---- A3
J=$TMP/a3.json
expect_eq "A3 exits 0" 0 "$rc3"
for s in shallow medium deep; do
    c=$(sv "$J" "m['http_req_duration{scenario:$s}']['values']['count']")
    expect_num "A3 $s: its own latency sub-metric (~61 requests)" "$c" ge 55
    expect_num "A3 $s: ... at most 64 (17/s x 3.6 s)" "$c" le 64
    expect_num "A3 $s: match_latency_ms sub-metric p(99)" "$(sv "$J" "m['match_latency_ms{scenario:$s}']['values']['p(99)']")" gt 0
done
expect_eq "A3: three resets, three seeds passed" "3 3" \
    "$(json_get "$J" '" ".join(str(c["passes"]) for c in sorted(d["checks"], key=lambda c: c["name"]) if c["name"] in ("book reset","seed response status is 200"))' 2>&1)"
python3 - "$TMP/a3.jsonl" >"$TMP/a3.depths" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sells = [sum(v for k, v in r["s"].items() if k.startswith("me_orderbook_depth{") and "side=SELL" in k) for r in rows]
phase, peaks = 0, [0, 0, 0]
# the three books follow each other: a peak near 400, then near 4,000, then near 40,000
for v in sells:
    if phase == 0 and v > 400: phase = 1
    if phase == 1 and v > 4000: phase = 2
    peaks[phase] = max(peaks[phase], v)
print(" ".join("%d" % p for p in peaks))
PY
read -r p1 p2 p3 <"$TMP/a3.depths"
expect_num "A3 shallow book: at most 100 x 4 resting SELLs" "${p1:-0}" le 400
expect_num "A3 shallow book: seeded" "${p1:-0}" gt 300
expect_num "A3 medium book: clean (at most 1,000 x 4)" "${p2:-0}" le 4000
expect_num "A3 medium book: seeded" "${p2:-0}" gt 3500
expect_num "A3 deep book: clean (at most 10,000 x 4, not 44,400)" "${p3:-0}" le 40000
expect_num "A3 deep book: seeded" "${p3:-0}" gt 39000
python3 "$ROOT/scenarios/summary_tool.py" depths "$J" >"$TMP/depths.txt" 2>&1
expect_match "summary_tool depths prints the deep p(99)" "deep +count +[0-9]+ .*p\(99\)" "$TMP/depths.txt"

# ---- A4
J=$TMP/a4.json
expect_eq "A4 exits 0" 0 "$rc4"
b=$(sv "$J" "m['http_req_duration{phase:before}']['values']['count']")
o=$(sv "$J" "m['http_req_duration{phase:outage}']['values']['count']")
expect_num "A4: ~51 requests before the pause (3 s x 17/s)" "$b" ge 44
expect_num "A4: ... at most 55" "$b" le 55
expect_num "A4: ~102 during the outage (6 s x 17/s)" "$o" ge 95
expect_num "A4: ... at most 110 (plus the pause and teardown calls)" "$o" le 110
expect_num "A4: match_latency_ms{phase:outage} p(99)" "$(sv "$J" "m['match_latency_ms{phase:outage}']['values']['p(99)']")" gt 0
expect_eq "A4: broker paused and resumed checks passed" "1 1" \
    "$(json_get "$J" '" ".join(str(c["passes"]) for c in sorted(d["checks"], key=lambda c: c["name"]) if c["name"] in ("broker paused","broker resumed"))' 2>&1)"
python3 - "$TMP/a4.jsonl" >"$TMP/a4.broker" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
g = lambda r, n: sum(v for k, v in r["s"].items() if k.startswith(n + "{"))
paused = [r["t"] for r in rows if g(r, "me_broker_paused") >= 1]
pending = [g(r, "me_events_pending") for r in rows]
print(len(paused), int(max(pending or [0])), int(g(rows[-1], "me_broker_paused")) if rows else -1,
      int(g(rows[-1], "me_events_pending")) if rows else -1, int(g(rows[-1], "me_events_dropped_total")) if rows else -1)
PY
read -r npaused maxpending lastpaused _ _ <"$TMP/a4.broker"
expect_num "A4: mesim reported me_broker_paused 1 during the run (samples)" "${npaused:-0}" ge 10
expect_num "A4: events piled up while paused (max me_events_pending)" "${maxpending:-0}" ge 50
expect_eq "A4: teardown resumed the broker" 0 "${lastpaused:-x}"
expect_eq "A4: the backlog drained after resume" 0 "$(await_output 0 10 $PROM sum me_events_pending -- "$A/metrics")"
"$LT" report --format json --a4-noise-ms 50 "$J" >"$TMP/verdict.json" 2>&1
python3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1]))["asr1"]["rows"] if x["criterion"].startswith("A4:")][0]; print(r["verdict"], r["figure"])' "$TMP/verdict.json" >"$TMP/a4row.txt" 2>&1
expect_match "lt report: A4's row passes (within 10% or < 50 ms on loopback)" "^pass " "$TMP/a4row.txt"
expect_match "lt report: A4's figure is the ratio" "^pass [0-9.]+ \([0-9.]+ ms during, [0-9.]+ ms before\)" "$TMP/a4row.txt"

# ---- A4 with commands instead of the admin endpoint (PAUSE_CMD / RESUME_CMD via lt.exec)
rc=$(run_lt "$TMP/a4cmd.log" 60 run "$ROOT/lua/a4_kafka_degradation.lua" -e "ME_SHARD_A_URL=$A" \
    -e "PAUSE_CMD=curl -fsS -X POST $A/admin/broker/pause && touch $TMP/paused" \
    -e "RESUME_CMD=curl -fsS -X POST $A/admin/broker/resume && touch $TMP/resumed" \
    --time-scale 0.01 --quiet)
expect_eq "A4 with PAUSE_CMD/RESUME_CMD exits 0" 0 "$rc"
check "A4: PAUSE_CMD ran" test -f "$TMP/paused"
check "A4: RESUME_CMD ran" test -f "$TMP/resumed"
expect_eq "A4: broker running again" 0 "$(await_output 0 10 $PROM sum me_broker_paused -- "$A/metrics")"
finish
