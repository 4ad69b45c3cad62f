#!/usr/bin/env bash
# scenarios/asr1 and scenarios/asr2 end to end at --time-scale 0.01: one JSON summary per test in
# --out-dir, a table, the verdict from lt report (report.json, report.md, report.html), exit 0 on a healthy
# cluster; usage errors exit 2. A dead, refusing or failing target never passes a suite, even when
# lt's thresholds are off: lt report fails a case whose load requests all failed, failed 1% or
# more, or had no successful sample, and an undefined A4 ratio, with the reason printed.
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
    --reset-cmd "curl -fsS -X POST $A/admin/reset" --a4-noise-ms 50 --scrape "$A/metrics" >"$TMP/asr1.log" 2>&1
expect_eq "asr1 exits 0" 0 "$?"
for t in a1_warmup a2_normal_load a3_depth_variation a4_kafka_degradation; do
    check "asr1 wrote $t.json" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="lt-summary/1"' "$TMP/r1/$t.json"
done
expect_eq "asr1 passed --time-scale through" 0.01 "$(json_get "$TMP/r1/a2_normal_load.json" 'd["time_scale"]' 2>&1)"
expect_match "asr1 prints the table" "a2_normal_load +passed" "$TMP/asr1.log"
expect_match "asr1 prints A3's latency per depth" "deep +count" "$TMP/asr1.log"
expect_match "asr1 prints A4's row from lt report" "PASS +A4: p99 match_latency_ms during the broker outage .*: [0-9.]+ \(" "$TMP/asr1.log"
expect_match "asr1 (--scrape): the target-side p99 is decided" "PASS +p99 me_match_duration_seconds \(target side\): [0-9.]+ ms" "$TMP/asr1.log"
expect_match "asr1 prints A3's rows from lt report" "PASS +A3: p99 match_latency_ms at depth deep" "$TMP/asr1.log"
check "asr1 writes the html report with its charts" grep -q "<svg" "$TMP/r1/report.html"
check "asr1 keeps lt report's verdicts" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["asr1"]["verdict"] == "pass"' "$TMP/r1/report.json"
expect_match "asr1 ends with PASS" "^ASR 1: PASS" "$TMP/asr1.log"

# asr1's last test leaves passive orders resting on shard a, whose ids (buy-passive-VU-N, the
# spec's generator) B1 sends again: mesim answers 409 to an id still resting, so every test here
# starts from clean books, as scenarios/README tells users to.
reset_all="curl -fsS -X POST http://127.0.0.1:$SHARD_A_PORT/admin/reset && curl -fsS -X POST http://127.0.0.1:$SHARD_B_PORT/admin/reset && curl -fsS -X POST http://127.0.0.1:$SHARD_C_PORT/admin/reset"
timeout -k 5 150 "$ROOT/scenarios/asr2" --gateway "$G" --time-scale 0.01 --out-dir "$TMP/r2" \
    --reset-cmd "$reset_all" --isolation-noise-ms 50 --scrape "$A/metrics" \
    --scrape "http://127.0.0.1:$SHARD_B_PORT/metrics" --scrape "http://127.0.0.1:$SHARD_C_PORT/metrics" \
    >"$TMP/asr2.log" 2>&1
rc2=$?
for t in b1_baseline b2_peak_sustained b3_ramp b4_hot_symbol; do
    check "asr2 wrote $t.json" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="lt-summary/1"' "$TMP/r2/$t.json"
done
expect_match "asr2 ran B1 through the gateway (/seed/a)" "Seeded shard a" "$TMP/r2/b1_baseline.log"
expect_match "asr2 (--scrape): target-side p99 of shard c decided" "PASS +per-shard p99 me_match_duration_seconds \(target side\), shard c" "$TMP/asr2.log"
expect_match "asr2 prints shares" "Requests per shard and symbol" "$TMP/asr2.log"
# The suite's exit is lt report's verdict. Whether ASR 2 passes here is left to chance: at
# --time-scale 0.01 matches/min is judged on 1 s intervals of ~85 fills (~10% margin, ~10% noise)
# and shard isolation on two ~1 ms p99s on a shared machine. The fixtures (tests/report) decide
# those rows both ways; here every other row must pass and those two must be decided.
want2=$(python3 -c 'import json,sys; print(0 if json.load(open(sys.argv[1]))["asr2"]["verdict"] == "pass" else 1)' "$TMP/r2/report.json" 2>&1)
expect_eq "asr2's exit is lt report's verdict (0 pass, 1 fail)" "$want2" "$rc2"
expect_match "asr2 ends with lt report's verdict" "^ASR 2: $( [ "$want2" == 0 ] && echo PASS || echo FAIL) " "$TMP/asr2.log"
# "for >= 4 min" from the summary's timeline (timeline.scraped), the average from the counters
expect_match "asr2: matches/min decided from the scrape and the timeline" "(PASS|FAIL) +aggregate matches/min.*: [0-9.]+ s at >= 4,750/min .*[0-9]+/min on average" "$TMP/asr2.log"
expect_match "asr2: shard isolation decided" "(PASS|FAIL) +shard isolation: .*: [0-9.]+ \(B2 " "$TMP/asr2.log"
expect_eq "asr2: every other counted ASR 2 row passes" "" "$(python3 -c 'import json,sys; print(" ".join(r["criterion"] for r in json.load(open(sys.argv[1]))["asr2"]["rows"] if r["verdict"] != "pass" and r["required"] and not r["criterion"].startswith(("aggregate matches/min", "shard isolation"))))' "$TMP/r2/report.json" 2>&1)"
# ---- targets that must never pass: a dead port, a server that answers 503, one that fails half
DEAD=$(free_port)
suite() { # suite NAME EXPECTED_EXIT asr1|asr2 ARGS...: runs a suite at --time-scale 0.01 into $TMP/NAME
    local name=$1 want=$2 which=$3; shift 3
    timeout -k 5 120 "$ROOT/scenarios/$which" --time-scale 0.01 --out-dir "$TMP/$name" "$@" >"$TMP/$name.log" 2>&1
    local rc=$?
    expect_eq "$name: $which exits $want" "$want" "$rc"
    [ "$rc" == "$want" ] || sed 's/^/       | /' "$TMP/$name.log" | tail -12
}
suite dead_b1 1 asr2 --gateway "http://127.0.0.1:$DEAD" --only b1
expect_match "dead_b1: ends with FAIL" "^ASR 2: FAIL" "$TMP/dead_b1.log"
expect_match "dead_b1: the reason is printed" "FAIL .*B1: all [0-9]+ load requests failed \(connection refused" "$TMP/dead_b1.log"
suite dead_b1_nothr 1 asr2 --gateway "http://127.0.0.1:$DEAD" --only b1 -- --no-thresholds
expect_match "dead_b1_nothr: without lt's thresholds the suite still fails" "^ASR 2: FAIL" "$TMP/dead_b1_nothr.log"
expect_match "dead_b1_nothr: no successful sample is a reason" "B1: match_latency_ms has no sample" "$TMP/dead_b1_nothr.log"
suite dead_a4 1 asr1 --me-url "http://127.0.0.1:$DEAD" --only a4 -- --no-thresholds
expect_eq "dead_a4: no A4 row passes" "" "$(grep -E 'PASS +A4:' "$TMP/dead_a4.log")"
expect_match "dead_a4: A4's row fails, saying why" "FAIL +A4: .*: all [0-9]+ load requests failed.*no sample" "$TMP/dead_a4.log"
expect_match "dead_a4: ends with FAIL" "^ASR 1: FAIL" "$TMP/dead_a4.log"
suite dead_a1 110 asr1 --me-url "http://127.0.0.1:$DEAD" --only a1
expect_match "dead_a1: only the discarded warm-up ran: undecided, not a pass" "^ASR 1: undecided" "$TMP/dead_a1.log"

# a server that answers every request quickly: 503 always (FAIL_EVERY=1) or every other (2)
start_failing() { # start_failing FAIL_EVERY: sets FAIL_PORT
    FAIL_PORT=$(free_port)
    FAIL_EVERY=$1 python3 -c '
import http.server, os, sys, threading
n = [0]; lock = threading.Lock(); every = int(os.environ["FAIL_EVERY"])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock: n[0] += 1; bad = n[0] % every == 0
        body = b"{\"error\":\"busy\"}" if bad else b"{\"status\":\"ACCEPTED\",\"fills\":[]}"
        self.send_response(503 if bad else 200)
        self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    do_GET = do_POST
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$FAIL_PORT" &
    _PIDS+=($!)
    wait_port "$FAIL_PORT"
}
start_failing 1
suite refusing_b1 1 asr2 --gateway "http://127.0.0.1:$FAIL_PORT" --only b1 -- --no-thresholds
expect_match "refusing_b1: 503 to everything fails the suite" "B1: all [0-9]+ load requests failed \(status 503" "$TMP/refusing_b1.log"
expect_match "refusing_b1: seeding that failed is a reason" "B1: .*seeding failed" "$TMP/refusing_b1.log"
start_failing 2
suite half_b1 1 asr2 --gateway "http://127.0.0.1:$FAIL_PORT" --only b1 -- --no-thresholds
expect_match "half_b1: half the orders failing fails the suite" "FAIL +error rate of the B runs .*: B1 [0-9.]+% \([0-9]+ of [0-9]+\)" "$TMP/half_b1.log"
expect_match "half_b1: ends with FAIL" "^ASR 2: FAIL" "$TMP/half_b1.log"

# ---- A4's ratio: undefined (p99 before 0) is never a pass
python3 - "$TMP/a4_zero.json" <<'PY'
import json, sys
v = lambda p99: {"type": "trend", "values": {"p(99)": p99, "count": 10}}
json.dump({"schema": "lt-summary/1", "script": "lua/a4_kafka_degradation.lua", "metrics": {
    "match_latency_ms": v(0), "match_latency_ms{phase:before}": v(0), "match_latency_ms{phase:outage}": v(0)},
    "series": [{"metric": "http_reqs", "tags": {}, "values": {"count": 20}}]}, open(sys.argv[1], "w"))
PY
"$LT" report "$TMP/a4_zero.json" >"$TMP/a4_zero.txt" 2>&1
expect_eq "lt report: a p99 of 0 before gives no ratio: exit 99" 99 "$?"
expect_match "lt report: says the ratio is undefined" "A4: .*undefined ratio.*FAIL" "$TMP/a4_zero.txt"
finish
