# lt.http.batch: several requests of one VU in flight at once (the coroutine yields once), each
# response with its own timings and samples; k6's limits (6 per host); the batch's connections
# kept across iterations. Against tests/hostile/server.py on loopback (/slow-ok waits 0.5 s).
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/opts/scripts
HP=$(free_port)
DEAD=$(free_port)
python3 "$ROOT/tests/hostile/server.py" --port "$HP" >"$TMP/server.log" 2>&1 &
_PIDS+=($!)
wait_port "$HP" || { fail "server starts"; finish; }
BASE=http://127.0.0.1:$HP

timeout 60 "$LT" run "$S/batch.lua" -q -e BASE="$BASE" -e DEAD="http://127.0.0.1:$DEAD/" \
    --summary-export "$TMP/b.json" >"$TMP/b.out" 2>&1
expect_eq "batch script: exit code" 0 $?
val() { sed -n "s/.*it=$1 $2 .*$3=\([^ ]*\).*/\1/p" "$TMP/b.out" | head -1; }
for it in 0 1; do
    expect_eq "it $it: four requests, four 200s" "200,200,200,200" "$(val $it four statuses)"
    expect_num "it $it: four 0.5 s requests in flight at once (elapsed s)" "$(val $it four elapsed)" lt 1.2
    expect_num "it $it: each response has its own timings (min duration ms)" "$(val $it four min_ms)" ge 450
    expect_eq "it $it: eight requests, eight 200s" "200,200,200,200,200,200,200,200" "$(val $it eight statuses)"
    expect_num "it $it: eight to one host go six then two (elapsed >= 1 s)" "$(val $it eight elapsed)" ge 0.95
    expect_num "it $it: ... not one by one (elapsed < 1.45 s)" "$(val $it eight elapsed)" lt 1.45
    expect_eq "it $it: keyed requests answer under their keys" "200 200" "$(val $it keyed quick) $(val $it keyed other)"
    expect_eq "it $it: a refused request fails alone (status 0, error set)" "0 yes" "$(val $it keyed dead) $(val $it keyed dead_error)"
    expect_eq "it $it: a table with holes keeps its keys" "200 200 200" "$(val $it holes r1) $(val $it holes r3) $(val $it holes rx)"
    expect_eq "it $it: an empty batch returns an empty table" "table 0" "$(val $it empty type) $(val $it empty n)"
    expect_eq "it $it: a request that is not a URL or table: error" false "$(val $it bad_entry ok)"
    expect_eq "it $it: an unknown method: error" false "$(val $it bad_method ok)"
done
expect_match "the entry error names the request" "request 1 must be a URL" "$TMP/b.out"
expect_match "the method error names it" "unknown method 'BREW'" "$TMP/b.out"
python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$BASE/stats" >"$TMP/stats.json"
conns() { json_get "$TMP/stats.json" "d.get('$1', {}).get('conns')"; }
expect_eq "four in flight on four connections, kept for the second iteration (4 in all)" 4 "$(conns '/slow-ok?t=four')"
expect_eq "eight to one host used six connections (k6's batchPerHost)" 6 "$(conns '/slow-ok?t=eight')"
expect_eq "every batched request is counted in http_reqs (2 x 18)" 36 "$(json_get "$TMP/b.json" "int(d['metrics']['http_reqs']['values']['count'])")"
expect_eq "a batched request keeps its params (tags, name)" "True True" "$(json_get "$TMP/b.json" "' '.join(str(any(s['metric']=='http_reqs' and s['tags'].get(k)==v for s in d['series'])) for k, v in (('form','list'), ('name','object-form')))")"

# --- k6's batch and batchPerHost options (and flags) set the limits ---
# limits NAME N ARGS...: one batch of N requests to /slow-ok?t=NAME; prints "elapsed ok conns"
limits() {
    local name=$1 n=$2; shift 2
    timeout 30 "$LT" run "$S/batch_limits.lua" -q -e BASE="$BASE" -e T="$name" -e N="$n" "$@" >"$TMP/$name.out" 2>&1
    local rc=$?
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$BASE/stats" >"$TMP/$name.stats"
    echo "$rc $(sed -n 's/.*limits elapsed=\([0-9.]*\) ok=\([0-9]*\).*/\1 \2/p' "$TMP/$name.out") $(json_get "$TMP/$name.stats" "d.get('/slow-ok?t=$name', {}).get('conns')")"
}
read -r rc el ok conns <<<"$(limits perhost2 4 --batch-per-host 2)"
expect_eq "--batch-per-host 2: exit 0, 4 answers, on 2 connections" "0 4 2" "$rc $ok $conns"
expect_num "--batch-per-host 2: 4 requests go 2 and 2 (elapsed >= 1 s)" "$el" ge 0.95
read -r rc el ok conns <<<"$(limits batch3 4 -e BATCH=3)"
expect_eq "options.batch = 3: exit 0, 4 answers, on 3 connections" "0 4 3" "$rc $ok $conns"
expect_num "options.batch = 3: 4 requests go 3 and 1 (elapsed >= 1 s)" "$el" ge 0.95
read -r rc el ok conns <<<"$(limits nolimit 8 --batch-per-host 0)"
expect_eq "--batch-per-host 0 (no limit per host): 8 answers on 8 connections" "0 8 8" "$rc $ok $conns"
expect_num "--batch-per-host 0: all 8 at once (elapsed < 0.9 s)" "$el" lt 0.9
"$LT" inspect "$S/batch_limits.lua" -e BATCH=7 --batch-per-host 3 >"$TMP/bl.json" 2>&1
expect_eq "inspect: batch and batchPerHost resolved" "7 3" "$(json_get "$TMP/bl.json" "'%d %d' % (d['batch'], d['batchPerHost'])")"
"$LT" inspect "$S/batch_limits.lua" -e BATCH=0 >"$TMP/bl0.out" 2>&1
expect_eq "options.batch = 0: exit 104" 104 $?
"$LT" inspect "$S/batch_limits.lua" -e BATCH=5000 >"$TMP/bl5k.out" 2>&1
expect_eq "options.batch = 5000: exit 104" 104 $?
expect_match "... naming lt's ceiling" "options.batch: 5000 requests in flight at once is more than lt runs" "$TMP/bl5k.out"

# --- a batch cut off by the end of its scenario: cancelled cleanly, counted as interrupted ---
timeout 30 "$LT" run "$S/batch_cut.lua" -q -e BASE="$BASE" --summary-export "$TMP/cut.json" >"$TMP/cut.out" 2>&1
expect_eq "batch cut at gracefulStop: exit code" 0 $?
expect_eq "... both VUs' iterations interrupted" 2 "$(json_get "$TMP/cut.json" "d['scenarios']['s']['interrupted_iterations']")"
expect_match "... and a batch in teardown works after it" "teardown batch 200 200" "$TMP/cut.out"
finish
