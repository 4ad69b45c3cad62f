# End-to-end tests of lt's engine against a real nginx on loopback: schedules of every executor,
# thresholds and exit codes, setup data, seeds, inspect, TLS, bad input.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/e2e/scripts
start_nginx || { fail "nginx starts"; finish; }
URL=http://127.0.0.1:$NGINX_PORT/
DEAD_PORT=$(free_port)

# run_lt NAME EXPECTED_EXIT ARGS...: runs lt with output in $TMP/NAME.{out,err,json}
run_lt() {
    local name=$1 want=$2; shift 2
    timeout 60 "$LT" "$@" --summary-export "$TMP/$name.json" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    expect_eq "$name: exit code" "$want" "$rc"
    [ "$rc" == "$want" ] || sed 's/^/       | /' "$TMP/$name.err" | tail -15
}
j() { json_get "$TMP/$1.json" "$2"; }

# --- constant-arrival-rate: 2,000 req/s for 5 s, within 1% of the schedule ---
run_lt rate 0 -s "$S/rate.lua" -e URL="$URL" -q
reqs=$(j rate "d['metrics']['http_reqs']['values']['count']")
expect_num "rate: 2000/s x 5 s delivers within 1% of 10000" "$(python3 -c "print(abs($reqs-10000)/10000)")" le 0.01
expect_eq "rate: no dropped iterations" 0 "$(j rate "d['scenarios']['load']['dropped_iterations']")"
expect_eq "rate: checks all pass" 0 "$(j rate "d['checks'][0]['fails']")"
expect_eq "rate: thresholds ok in JSON" "True" "$(j rate "all(t['ok'] for t in d['thresholds'])")"
expect_eq "rate: histogram kept in summary" "$reqs" "$(j rate "d['metrics']['http_req_duration']['histogram']['count']")"
p99=$(j rate "d['metrics']['http_req_duration']['values']['p(99)']")
cp99=$(j rate "d['metrics']['http_req_duration_corrected']['values']['p(99)']")
expect_num "rate: corrected p99 >= uncorrected p99" "$(python3 -c "print($cp99 - $p99)")" ge 0

# --- a failing threshold exits 99, and the summary says which ---
run_lt rate_fail 99 -s "$S/rate.lua" -e URL="$URL" -e RATE=200 -e DUR=1s -e "THRESHOLD=p(99)<0.001" -q
expect_eq "threshold fail: ok=false in JSON" "False" "$(j rate_fail "[t['ok'] for t in d['thresholds'] if t['metric']=='http_req_duration'][0]")"
expect_eq "threshold fail: metric marked" "False" "$(j rate_fail "d['metrics']['http_req_duration']['thresholds']['p(99)<0.001']['ok']")"
expect_match "threshold fail: text summary marks it" "✗ http_req_duration: 'p\(99\)<0.001'" "$TMP/rate_fail.err"
run_lt rate_nothr 0 -s "$S/rate.lua" -e URL="$URL" -e RATE=200 -e DUR=1s -e "THRESHOLD=p(99)<0.001" -q --no-thresholds

# --- every executor's schedule, startTime, setup data ---
run_lt schedule 0 -s "$S/schedule.lua" -q --threads 2
it() { j schedule "d['scenarios']['$1']['iterations']"; }
expect_eq "constant-arrival-rate: 50/s x 2 s = 100 starts" 100 "$(it car)"
expect_eq "ramping-arrival-rate: 0->100/s over 2 s = 100 starts" 100 "$(it rar)"
expect_eq "startTime scenario: 20/s x 1 s = 20 starts" 20 "$(it late)"
expect_eq "per-vu-iterations: 3 VUs x 7" 21 "$(it pvi)"
expect_eq "shared-iterations: 23 in all" 23 "$(it shi)"
sel() { j schedule "[s['values']['$2'] for s in d['series'] if s['metric']=='start_offset' and s['tags'].get('scenario')=='$1'][0]"; }
expect_num "startTime 1.5s: first start at >= 1.5 s" "$(sel late min)" ge 1.5
expect_num "startTime 1.5s: first start before 1.55 s" "$(sel late min)" lt 1.55
expect_num "startTime 0.5s: shared-iterations start at >= 0.5 s" "$(sel shi min)" ge 0.5
# linear ramp 0->100/s over 2 s: N(t) = 25 t^2, so the median start is at sqrt(2) s
expect_num "ramp: median start near 1.414 s (low)" "$(sel rar med)" gt 1.38
expect_num "ramp: median start near 1.414 s (high)" "$(sel rar med)" lt 1.45
expect_num "constant rate: last start before 2 s" "$(sel car max)" lt 2.0
cvu=$(it cvu)
expect_num "constant-vus: 2 VUs x 1 s of 0.1 s iterations (>= 16)" "$cvu" ge 16
expect_num "constant-vus: (<= 22)" "$cvu" le 22
rvu=$(it rvu)
expect_num "ramping-vus: 0->4->0 over 2 s runs some iterations (>= 20)" "$rvu" ge 20
expect_num "ramping-vus: (<= 44)" "$rvu" le 44
expect_eq "setup data reached every VU" "0" "$(j schedule "[c for c in d['checks'] if c['name']=='setup data reached the VU'][0]['fails']")"

# --- dropped iterations when maxVUs is too low ---
run_lt dropped 0 -s "$S/dropped.lua" -q
done_=$(j dropped "d['scenarios']['s']['iterations']")
drop=$(j dropped "d['scenarios']['s']['dropped_iterations']")
expect_eq "dropped + started = 40 scheduled" 40 "$((done_ + drop))"
expect_num "2 VUs of 0.5 s iterations start at most ~10" "$done_" le 10
expect_eq "dropped_iterations metric matches" "$drop" "$(j dropped "int(d['metrics']['dropped_iterations']['values']['count'])")"

# --- --seed: same seed, same sequence; other seed, other sequence ---
for n in 1 2; do timeout 20 "$LT" -s "$S/seeded.lua" --seed 42 --threads 2 -q 2>&1 | grep 'vu=' | sort >"$TMP/seed$n"; done
timeout 20 "$LT" -s "$S/seeded.lua" --seed 43 --threads 2 -q 2>&1 | grep 'vu=' | sort >"$TMP/seed3"
expect_eq "--seed: 12 values logged" 12 "$(wc -l <"$TMP/seed1")"
check "--seed 42 twice gives the same values" cmp "$TMP/seed1" "$TMP/seed2"
check "--seed 43 gives other values" bash -c "! cmp -s '$TMP/seed1' '$TMP/seed3'"

# --- errors inside iterations and unreachable hosts: counted, the run goes on ---
run_lt errors 0 -s "$S/errors.lua" -e DEAD_URL="http://127.0.0.1:$DEAD_PORT/" -q
expect_eq "unreachable host: requests counted as failed" "1.0" "$(j errors "float(d['metrics']['http_req_failed']['values']['rate'])")"
expect_eq "unreachable host: error tag names it" "True" "$(j errors "any(s['tags'].get('error')=='connection refused' for s in d['series'] if s['metric']=='http_req_failed')")"
expect_match "script errors logged with file and line" "errors.lua:4: boom on purpose" "$TMP/errors.err"
expect_eq "iterations that raised are not counted as iterations" 10 "$(j errors "int(d['metrics']['iterations']['values']['count'])")"

# --- sub-metric thresholds ---
run_lt subthr 0 -s "$S/sub_thresholds.lua" -e URL="$URL" -q
expect_eq "sub-metrics: every threshold holds" "True" "$(j subthr "all(t['ok'] for t in d['thresholds'])")"
expect_eq "sub-metric appears in metrics" "5" "$(j subthr "d['metrics']['http_req_duration{scenario:slow}']['values']['count']")"

# --- exit codes for bad input, before any traffic ---
bad() { # bad NAME CODE PATTERN LUA
    printf '%s\n' "$4" >"$TMP/$1.lua"
    timeout 20 "$LT" -s "$TMP/$1.lua" -q >"$TMP/$1.out" 2>"$TMP/$1.err"
    expect_eq "$1: exit $2" "$2" "$?"
    expect_match "$1: message names the cause" "$3" "$TMP/$1.err"
}
bad unknown_executor 104 "scenarios.s.executor: unknown executor 'constant-arival-rate'" \
    'options = { scenarios = { s = { executor = "constant-arival-rate", rate = 1, duration = "1s", preAllocatedVUs = 1 } } } function default() end'
bad bad_duration 104 'scenarios.s.duration: .*10 minutes' \
    'options = { scenarios = { s = { executor = "constant-vus", vus = 1, duration = "10 minutes" } } } function default() end'
bad negative_rate 104 'scenarios.s.rate: must be >= 0' \
    'options = { scenarios = { s = { executor = "constant-arrival-rate", rate = -5, duration = "1s", preAllocatedVUs = 1 } } } function default() end'
bad unknown_key 104 "scenarios.s.preAllocatedVU: unknown option" \
    'options = { scenarios = { s = { executor = "constant-arrival-rate", rate = 5, duration = "1s", preAllocatedVU = 1 } } } function default() end'
bad unknown_top_key 104 "options.thresholdz: unknown option" \
    'options = { thresholdz = {} } function default() end'
bad bad_threshold 104 "p\\(101\\)" \
    'options = { thresholds = { http_req_duration = { "p(101)<5" } } } function default() end'
bad threshold_unknown_metric 104 "no metric named 'nope'" \
    'options = { thresholds = { nope = { "count>1" } } } function default() end'
bad threshold_wrong_agg 104 "'p\\(99\\)' is not an aggregate of a counter" \
    'options = { thresholds = { http_reqs = { "p(99)<1" } } } function default() end'
bad missing_exec 104 "scenarios.s.exec: the script has no function 'nothere'" \
    'options = { scenarios = { s = { executor = "per-vu-iterations", exec = "nothere" } } } function default() end'
timeout 10 "$LT" -s "$S/syntax_error.lua" -q >/dev/null 2>"$TMP/syntax.err"
expect_eq "syntax error: exit 107" 107 "$?"
expect_match "syntax error: file and line" "syntax_error.lua:2:" "$TMP/syntax.err"
timeout 10 "$LT" -s "$TMP/no-such-script.lua" -q >/dev/null 2>"$TMP/missing.err"
expect_eq "missing script: exit 107" 107 "$?"
expect_match "missing script: names it" "no-such-script.lua" "$TMP/missing.err"
run_lt setup_error 107 -s "$S/setup_error.lua" -q
expect_match "setup error: file and line" "setup_error.lua:4:" "$TMP/setup_error.err"
timeout 10 "$LT" -s "$S/rate.lua" --bogus >/dev/null 2>"$TMP/flag.err"
expect_eq "unknown flag: exit 2" 2 "$?"
expect_match "unknown flag: named" "unknown flag '--bogus'" "$TMP/flag.err"

# --- lt.abort() exits 108; abortOnFail stops early with 99 ---
run_lt abort 108 -s "$S/abort.lua" -q
expect_match "lt.abort: reason printed" "enough" "$TMP/abort.err"
start=$SECONDS
run_lt abort_thr 99 -s "$S/abort_threshold.lua" -e URL="$URL" -q
expect_num "abortOnFail: stopped long before the 30 s schedule" "$((SECONDS - start))" lt 10

# --- SIGINT: graceful stop, summary written, exit 105 ---
timeout 60 "$LT" -s "$S/rate.lua" -e URL="$URL" -e RATE=100 -e DUR=30s -q --summary-export "$TMP/sigint.json" 2>"$TMP/sigint.err" &
pid=$!
await_cond 10 has_connection "$pid" || fail "SIGINT: load started (a connection is open)"
kill -INT $pid
wait $pid
expect_eq "SIGINT: exit 105" 105 "$?"
expect_eq "SIGINT: summary written" "105" "$(json_get "$TMP/sigint.json" "d['exit_code']")"
expect_num "SIGINT: it came during the load (requests in the summary)" \
    "$(json_get "$TMP/sigint.json" "d['metrics']['http_reqs']['values']['count']")" gt 0

# --- inspect: resolved options with k6 defaults, no traffic ---
timeout 10 "$LT" inspect "$S/schedule.lua" >"$TMP/inspect.json" 2>"$TMP/inspect.err"
expect_eq "inspect: exit 0" 0 "$?"
expect_eq "inspect: gracefulStop default" "30s" "$(json_get "$TMP/inspect.json" "d['scenarios']['car']['gracefulStop']")"
expect_eq "inspect: startTime" "1.5s" "$(json_get "$TMP/inspect.json" "d['scenarios']['late']['startTime']")"
expect_eq "inspect: maxVUs defaults to preAllocatedVUs" "2" "$(json_get "$TMP/inspect.json" "d['scenarios']['late']['maxVUs']")"
timeout 10 "$LT" inspect "$S/schedule.lua" --time-scale 0.5 >"$TMP/inspect2.json"
expect_eq "inspect: time scale recorded" "0.5" "$(json_get "$TMP/inspect2.json" "d['timeScale']")"

# --- --time-scale: rates kept, durations scaled ---
run_lt scaled 0 -s "$S/rate.lua" -e URL="$URL" -e RATE=400 -e DUR=4s --time-scale 0.25 -q
expect_eq "time scale 0.25: 400/s for 1 s" 400 "$(j scaled "int(d['metrics']['http_reqs']['values']['count'])")"
expect_eq "time scale recorded in the summary" 0.25 "$(j scaled "d['time_scale']")"

# --- HTTPS to nginx, verified against the test CA ---
run_lt tls 0 -s "$S/tls.lua" -e URL="https://localhost:$NGINX_TLS_PORT/" --ca "$TMP/ca.pem" -q
expect_eq "https: 50 requests, none failed" "50 0" "$(j tls "'%d %d' % (d['metrics']['http_reqs']['values']['count'], d['metrics']['http_req_failed']['values']['passes'])")"
run_lt tls_noca 0 -s "$S/tls.lua" -e URL="https://localhost:$NGINX_TLS_PORT/" -q
expect_eq "https without the CA: every request fails verification" "True" \
    "$(j tls_noca "all(s['tags'].get('error')=='tls certificate verification failed' for s in d['series'] if s['metric']=='http_req_failed')")"
run_lt tls_insecure 0 -s "$S/tls.lua" -e URL="https://localhost:$NGINX_TLS_PORT/" --insecure-skip-tls-verify -q
expect_eq "https with --insecure-skip-tls-verify: all pass" "0" "$(j tls_insecure "d['metrics']['http_req_failed']['values']['passes']")"

# --- tag tables reused, changed in place and garbage-collected keep their tags (the tag caches) ---
for th in 1 2; do
    run_lt "tag_tables_$th" 0 -s "$S/tag_tables.lua" -e URL="$URL" --threads "$th" -q
    expect_eq "tag tables ($th thread(s)): every sample has the tags its table had" "ok" "$(python3 - "$TMP/tag_tables_$th.json" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
got, want = collections.Counter(), collections.Counter()
for s in d["series"]:
    t, v = s["tags"], s["values"]
    if s["metric"] in ("http_reqs", "checks", "tagged_trend"):
        n = v["passes"] + v["fails"] if s["metric"] == "checks" else v["count"]
        got[(s["metric"], t.get("kind"), t.get("extra"), t.get("n"), "x10" in t)] += n
for i in range(600):
    kind, extra = "k%d" % (i % 3), ("e%d" % (i % 2) if i % 5 == 0 else None)
    want[("http_reqs", kind, extra, None, False)] += 1
    want[("checks", kind, extra, None, False)] += 1
    want[("tagged_trend", kind, None, str(i % 4), False)] += 1
    want[("tagged_trend", kind, None, None, True)] += 1
print("ok" if got == want else "differ: %s" % sorted(set(got.items()) ^ set(want.items()), key=str)[:6])
PY
)"
done

# --- lt.json: encode/decode round trip, errors name the path (assertions inside the script) ---
run_lt json 0 -s "$S/json.lua" --threads 1 -q
expect_match "json: the encoder names a bad value's path" "x.y: a function cannot be written as JSON" "$TMP/json.err"

finish
