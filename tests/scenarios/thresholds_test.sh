#!/usr/bin/env bash
# Acceptance criterion 9: thresholds enforce pass/fail. With mesim answering every order after
# 250 ms (--delay-ms 250), A2's p(99)<200 fails and lt exits 99; the suites exit non-zero.
# And thresholds never pass without data: what is defined over no samples is evaluated (the count
# of nothing is 0), what cannot be computed (a percentile of nothing, a selector that matches no
# series) fails with "no data" in the text and JSON summaries and exit 99 — k6 passes both (k6
# issues 1346, 4283). abortOnFail acts only on a threshold computed and crossed: "no data yet"
# mid-run stops nothing. Those scripts send no request: they add their own samples.
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

# lt_inline NAME EXPECTED_EXIT SCRIPT_TEXT [ARGS...]: runs lt on SCRIPT_TEXT, output in $TMP/NAME.*
lt_inline() {
    local name=$1 want=$2 text=$3; shift 3
    printf '%s\n' "$text" >"$TMP/$name.lua"
    timeout 60 "$LT" -s "$TMP/$name.lua" -q --no-color --summary-export "$TMP/$name.json" "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    expect_eq "$name: exit code" "$want" "$rc"
    [ "$rc" == "$want" ] || sed 's/^/       | /' "$TMP/$name.err" | tail -15
}
j() { json_get "$TMP/$1.json" "$2"; }
# th NAME METRIC EXPR FIELD: a field of the threshold METRIC 'EXPR' in NAME's JSON summary
th() { j "$1" "[t for t in d['thresholds'] if t['metric']=='$2' and t['expr']=='$3'][0]['$4']"; }

# --- a run that sends nothing: count is 0 (count>100 fails), percentiles and rates are no data ---
lt_inline nothing 99 'options = { iterations = 1, thresholds = {
    http_reqs = { "count>100", "count<100" },
    http_req_duration = { "p(99)<200" },
    http_req_failed = { "rate<0.01" },
    checks = { "rate>0.99" } } }
function default() end'
expect_eq "nothing: count>100 of no request fails" "False" "$(th nothing http_reqs 'count>100' ok)"
expect_eq "nothing: count>100 is computed (0), not no data" "False 0" \
    "$(th nothing http_reqs 'count>100' no_data) $(th nothing http_reqs 'count>100' observed)"
expect_eq "nothing: count<100 of no request holds" "True" "$(th nothing http_reqs 'count<100' ok)"
for m in "http_req_duration p(99)<200" "http_req_failed rate<0.01" "checks rate>0.99"; do
    read -r metric expr <<<"$m"
    expect_eq "nothing: $metric '$expr' fails as no data (ok, no_data, observed)" "False True None" \
        "$(th nothing "$metric" "$expr" ok) $(th nothing "$metric" "$expr" no_data) $(th nothing "$metric" "$expr" observed)"
done
expect_eq "nothing: the reason is in the JSON" "no samples" \
    "$(th nothing http_req_duration 'p(99)<200' no_data_reason)"
expect_eq "nothing: the metric's own thresholds entry says no data" "True" \
    "$(j nothing "d['metrics']['http_req_duration']['thresholds']['p(99)<200']['no_data']")"
expect_match "nothing: text summary fails p(99) with no data" \
    "✗ http_req_duration: 'p\(99\)<200' \(no data: no samples\)" "$TMP/nothing.err"
expect_match "nothing: text summary fails count>100 with its value" \
    "✗ http_reqs: 'count>100' \(count=0, no samples\)" "$TMP/nothing.err"
expect_match "nothing: the summary says thresholds failed" "some thresholds failed" "$TMP/nothing.err"
lt_inline nothing_nothr 0 "$(cat "$TMP/nothing.lua")" --no-thresholds

# --- a typo in a scenario selector names no scenario of the plan: refused before any load ---
lt_inline typo_scenario 104 'local t = lt.metrics.trend("depth_latency", true)
options = { scenarios = { shallow = { executor = "shared-iterations", vus = 1, iterations = 20 } },
  thresholds = { ["depth_latency{scenario:shalow}"] = { "p(95)<100" } } }
function default() t:add(5) end'
expect_match "typo_scenario: the error names the selector and the scenarios there are" \
    "thresholds\[\"depth_latency\{scenario:shalow\}\"\]: no scenario is named 'shalow' \(scenarios: shallow\)" \
    "$TMP/typo_scenario.err"

# --- a typo in any other tag of a sub-metric selector: {depth:shalow} matches no series ---
lt_inline typo 99 'local t = lt.metrics.trend("depth_latency", true)
options = { scenarios = { shallow = { executor = "shared-iterations", vus = 1, iterations = 20 } },
  thresholds = {
    ["depth_latency{depth:shallow}"] = { "p(95)<100" },
    ["depth_latency{depth:shalow}"] = { "p(95)<100", "count<1000" } } }
function default() t:add(5, { depth = "shallow" }) end'
expect_eq "typo: the right selector holds" "True 1" \
    "$(th typo 'depth_latency{depth:shallow}' 'p(95)<100' ok) $(th typo 'depth_latency{depth:shallow}' 'p(95)<100' series_matched)"
expect_eq "typo: p(95) over the typo fails as no data" "False True" \
    "$(th typo 'depth_latency{depth:shalow}' 'p(95)<100' ok) $(th typo 'depth_latency{depth:shalow}' 'p(95)<100' no_data)"
expect_eq "typo: the reason names the tags" "no series has these tags" \
    "$(th typo 'depth_latency{depth:shalow}' 'p(95)<100' no_data_reason)"
expect_match "typo: text summary" \
    "✗ depth_latency\{depth:shalow\}: 'p\(95\)<100' \(no data: no series has these tags\)" "$TMP/typo.err"
expect_match "typo: a count over it is 0, and the text says why" \
    "depth_latency\{depth:shalow\}: 'count<1000' \(count=0, no series has these tags\)" "$TMP/typo.err"

# --- abortOnFail: no data yet mid-run stops nothing; crossed stops; no data at the end fails ---
# scenario "late" starts 1.2 s in: the collection at 1 s sees no sample of {scenario:late}, those
# at 2 s and 3 s see its samples
late='local t = lt.metrics.trend("step", true)
options = { scenarios = {
    early = { executor = "constant-vus", vus = 1, duration = "3s" },
    late = { executor = "constant-vus", vus = 1, duration = "1.8s", startTime = "1.2s", exec = "late" } },
  thresholds = { ["step{scenario:late}"] = { { threshold = "p(99)<LIMIT", abortOnFail = true } } } }
function default() t:add(1) lt.sleep(0.05) end
function late() t:add(10) lt.sleep(0.05) end'
lt_inline late_ok 0 "${late/LIMIT/1000}"
expect_eq "abortOnFail: no data yet does not abort" "" "$(grep -o 'aborting the run' "$TMP/late_ok.err")"
expect_num "abortOnFail: the run went its full length (s)" "$(j late_ok "d['duration_s']")" ge 2.9
lt_inline late_crossed 99 "${late/LIMIT/5}"
expect_match "abortOnFail: a computed, crossed threshold still aborts" "crossed \(observed 10\): aborting the run" "$TMP/late_crossed.err"
lt_inline never 99 'options = { scenarios = { s = { executor = "constant-vus", vus = 1, duration = "1.5s" } },
  thresholds = { ["http_req_duration{scenario:s}"] = { { threshold = "p(99)<200", abortOnFail = true } } } }
function default() lt.sleep(0.05) end'
expect_eq "abortOnFail: never any data: not aborted" "" "$(grep -o 'aborting the run' "$TMP/never.err")"
expect_eq "abortOnFail: never any data: the final verdict fails it as no data" "False True" \
    "$(th never 'http_req_duration{scenario:s}' 'p(99)<200' ok) $(th never 'http_req_duration{scenario:s}' 'p(99)<200' no_data)"
finish
