#!/usr/bin/env bash
# lt report's verdicts end to end (issue 12): the suites and lt run against mesim at
# --time-scale 0.01, then the verdicts read from lt report's JSON, both ways: a passing run; a run
# made to fail each criterion (mesim --delay-ms 250 for latency, B2 at 20/s for throughput and
# linear scaling, a target answering 503 to every other order for the error rate); a dead target
# (never a pass); missing data (undecided, exit 110, naming what would decide it).
source "$(dirname "$0")/../lib.sh"
[ -x "$LT" ] && [ -x "$MESIM" ] || { fail "lt and mesim built"; finish; }
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
A="http://127.0.0.1:$SHARD_A_PORT"; G="http://127.0.0.1:$GW_PORT"
SCRAPE=(--scrape "$A/metrics" --scrape "http://127.0.0.1:$SHARD_B_PORT/metrics"
        --scrape "http://127.0.0.1:$SHARD_C_PORT/metrics")
reset_all() { for p in $SHARD_A_PORT $SHARD_B_PORT $SHARD_C_PORT; do curl -fsS -X POST "http://127.0.0.1:$p/admin/reset" >/dev/null; done; }
# row REPORT ASR PREFIX FIELD: a field of the first row whose criterion starts with PREFIX.
row() { python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))[sys.argv[2]]["rows"]
print(next(x for x in rows if x["criterion"].startswith(sys.argv[3]))[sys.argv[4]])' "$@" 2>&1; }
# suite NAME WANT asr1|asr2 ARGS...: runs a suite at --time-scale 0.01 into $TMP/NAME.
suite() {
    local name=$1 want=$2 which=$3; shift 3
    timeout -k 5 90 "$ROOT/scenarios/$which" --time-scale 0.01 --out-dir "$TMP/$name" "$@" >"$TMP/$name.log" 2>&1
    local rc=$?
    expect_eq "$name: $which exits $want" "$want" "$rc"
    [ "$rc" == "$want" ] || sed 's/^/       | /' "$TMP/$name.log" | tail -15
}
start=$SECONDS

# ---- passing: A2 on a healthy shard
suite pass 0 asr1 --me-url "$A" --only a2 --reset-cmd "curl -fsS -X POST $A/admin/reset"
expect_match "pass: ends with PASS" "^ASR 1: PASS" "$TMP/pass.log"
expect_eq "pass: lt report's JSON says pass" pass "$(json_get "$TMP/pass/report.json" 'd["asr1"]["verdict"]')"
check "pass: the Markdown report is kept" test -s "$TMP/pass/report.md"

# ---- latency: every order 250 ms late (mesim --delay-ms 250), so p99 >= 200 ms
SLOW=$(free_port)
"$MESIM" shard --port "$SLOW" --symbols TEST-ASSET-A,TEST-ASSET-B,TEST-ASSET-C,TEST-ASSET-D --delay-ms 250 >"$TMP/slow.log" 2>&1 &
_PIDS+=($!)
wait_port "$SLOW"
suite slow 1 asr1 --me-url "http://127.0.0.1:$SLOW" --only a2
expect_match "slow: ends with FAIL" "^ASR 1: FAIL" "$TMP/slow.log"
expect_eq "slow: p99 match_latency_ms row fails" fail "$(row "$TMP/slow/report.json" asr1 "p99 match_latency_ms" verdict)"
expect_num "slow: its figure is the delay or more (ms)" "$(row "$TMP/slow/report.json" asr1 "p99 match_latency_ms" value)" ge 250
expect_match "slow: the suite prints the failing row" "FAIL +p99 match_latency_ms: [0-9.]+ ms" "$TMP/slow.log"

# ---- throughput: B1 at 17/s and a B2 at 20/s (not 84/s), the shards scraped
reset_all
"$LT" run "$ROOT/lua/b1_baseline.lua" -e "GATEWAY_URL=$G" -e VIA=gateway --time-scale 0.01 -q \
    "${SCRAPE[@]}" --scrape-filter 'me_*' --summary-export "$TMP/b1.json" >"$TMP/b1.log" 2>&1
reset_all
"$LT" run "$ROOT/tests/report/b2_low_rate.lua" -e "LT_ROOT=$ROOT" -e "GATEWAY_URL=$G" --time-scale 0.01 -q \
    "${SCRAPE[@]}" --scrape-filter 'me_*' --summary-export "$TMP/b2low.json" >"$TMP/b2low.log" 2>&1
"$LT" report --format json "$TMP/b1.json" "$TMP/b2low.json" >"$TMP/low.json" 2>"$TMP/low.err"
expect_eq "B2 at 20/s: lt report exits 99" 99 "$?"
expect_eq "B2 at 20/s: recognised as B2" B2 "$(json_get "$TMP/low.json" 'd["inputs"][1]["test_case"]')"
expect_eq "B2 at 20/s: linear scaling fails" fail "$(row "$TMP/low.json" asr2 "linear scaling" verdict)"
expect_num "B2 at 20/s: scaling ratio (20 / (3 x 17) ~ 0.4)" "$(row "$TMP/low.json" asr2 "linear scaling" value)" lt 0.6
expect_eq "B2 at 20/s: matches/min fails (no interval at 4,750/min)" fail "$(row "$TMP/low.json" asr2 "aggregate matches/min" verdict)"
expect_num "B2 at 20/s: scraped matches/min average" "$(row "$TMP/low.json" asr2 "aggregate matches/min" value)" lt 4750
expect_eq "B2 at 20/s: ASR 2 fails" fail "$(json_get "$TMP/low.json" 'd["asr2"]["verdict"]')"

# ---- error rate: a target answering 503 to every other order
FAILP=$(free_port)
python3 -c '
import http.server, sys, threading
n = [0]; lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock: n[0] += 1; bad = self.path == "/orders" and n[0] % 2 == 0
        body = b"{\"error\":\"busy\"}" if bad else b"{\"status\":\"ACCEPTED\",\"fills\":[],\"seeded\":1}"
        self.send_response(503 if bad else 200)
        self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$FAILP" &
_PIDS+=($!)
wait_port "$FAILP"
suite errors 1 asr1 --me-url "http://127.0.0.1:$FAILP" --only a2 -- --no-thresholds
expect_eq "errors: the error-rate row fails" fail "$(row "$TMP/errors/report.json" asr1 "error rate" verdict)"
expect_num "errors: its figure is about half (%)" "$(row "$TMP/errors/report.json" asr1 "error rate" value)" ge 30
expect_match "errors: ends with FAIL" "^ASR 1: FAIL" "$TMP/errors.log"

# ---- dead target: nothing listens; never a pass, whichever ASR
DEAD=$(free_port)
suite dead1 1 asr1 --me-url "http://127.0.0.1:$DEAD" --only a2 -- --no-thresholds
expect_eq "dead A2: ASR 1 fails" fail "$(json_get "$TMP/dead1/report.json" 'd["asr1"]["verdict"]')"
expect_match "dead A2: says why" "all [0-9]+ load requests failed \(connection refused" "$TMP/dead1.log"
suite dead2 1 asr2 --gateway "http://127.0.0.1:$DEAD" --only b1,b2 --scrape "http://127.0.0.1:$DEAD/metrics" -- --no-thresholds
expect_eq "dead B1+B2: ASR 2 fails" fail "$(json_get "$TMP/dead2/report.json" 'd["asr2"]["verdict"]')"
expect_eq "dead B1+B2: no row passes" "" "$(python3 -c 'import json,sys; print(" ".join(r["criterion"] for r in json.load(open(sys.argv[1]))["asr2"]["rows"] if r["verdict"] == "pass"))' "$TMP/dead2/report.json")"

# ---- missing data: B2 alone, not scraped: undecided, exit 110, naming what decides it
reset_all
suite nodata 110 asr2 --gateway "$G" --only b2
expect_match "nodata: ends undecided" "^ASR 2: undecided" "$TMP/nodata.log"
expect_eq "nodata: matches/min undecided" undecided "$(row "$TMP/nodata/report.json" asr2 "aggregate matches/min" verdict)"
expect_match "nodata: it asks for the scrape" "scrape the shards' /metrics" "$TMP/nodata.log"
expect_match "nodata: scaling asks for B1" "run B1 too" "$TMP/nodata.log"
"$LT" report "$TMP/nodata/b2_peak_sustained.json" >/dev/null 2>&1
expect_eq "nodata: lt report on B2 alone exits 110" 110 "$?"
expect_num "run time of this test (s)" $((SECONDS - start)) le 150
finish
