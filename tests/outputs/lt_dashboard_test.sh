#!/usr/bin/env bash
# lt_dashboard_test.sh — lt's own Grafana dashboard (docs/grafana/lt-dashboard.json) on real data.
# A mesim cluster takes orders through its gateway while lt scrapes the three shards' /metrics and
# pushes everything into a real Prometheus (Debian's, remote-write receiver, native histograms on):
# one scenario with failed requests (a 404 in ten), one whose rate one VU cannot carry (dropped
# iterations). Two tests, as users run lt: native histograms (testid dash-nh, two lt instances at
# once, one of them scraping and sending stale markers), then trend stats (dash-classic). Then every
# panel query of the dashboard, variables substituted, runs against Prometheus' HTTP API and must
# return data (the native-histogram panel only on the native run: it says so; an instance that did
# not scrape has no engine series), the template variables must list the runs' testid, instances
# and scenarios, and the values the panels show must agree with the runs' summaries.
source "$(dirname "$0")/../lib.sh"

DASH=$ROOT/docs/grafana/lt-dashboard.json
QUERIES=$ROOT/tests/outputs/dashboard_queries.py
NATIVE_PANEL="p99 over all tag sets (native histograms)"

if [ ! -x "$PROMETHEUS" ]; then
    fail "prometheus installed" "no prometheus binary (Debian package 'prometheus')"
    finish
fi
[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
[ -x "$MESIM" ] || { fail "mesim built" "$MESIM missing"; finish; }
started=$SECONDS

# ---- the dashboard file itself: what a Grafana 10 import needs ----
res=$(python3 - "$DASH" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
names = [v["name"] for v in d["templating"]["list"]]
if names != ["datasource", "testid", "instance", "scenario", "max_age"]: bad.append("variables %r" % names)
if d["templating"]["list"][0].get("type") != "datasource" or d["templating"]["list"][0].get("query") != "prometheus":
    bad.append("datasource variable is not a Prometheus datasource variable")
if d.get("schemaVersion", 0) < 36: bad.append("schemaVersion %r (Grafana 10 writes 37+)" % d.get("schemaVersion"))
ids, n = set(), 0
def walk(ps):
    for p in ps:
        yield p
        yield from walk(p.get("panels", []))
cells = {}
for p in walk(d["panels"]):
    if p["id"] in ids: bad.append("duplicate panel id %d" % p["id"])
    ids.add(p["id"])
    g = p["gridPos"]
    if g["x"] + g["w"] > 24: bad.append("%s: wider than the 24 columns" % p["title"])
    for cell in ((x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])):
        if cell in cells: bad.append("%s overlaps %s" % (p["title"], cells[cell]))
        cells[cell] = p["title"]
    if p["type"] == "row": continue
    if p.get("datasource", {}).get("uid") != "${datasource}": bad.append("%s: datasource not ${datasource}" % p["title"])
    for t in p["targets"]:
        n += 1
        if t.get("datasource", {}).get("uid") != "${datasource}": bad.append("%s: a target's datasource" % p["title"])
        if 'testid=~"$testid"' not in t["expr"]: bad.append("%s: no testid filter in %s" % (p["title"], t["expr"]))
print("ok %d targets" % n if not bad else "BAD " + "; ".join(bad))
PY
)
case "$res" in ok*) pass "dashboard JSON: 5 variables, \${datasource} everywhere, a testid filter in every query, no panel overlaps (${res#ok })" ;;
*) fail "dashboard JSON is importable" "$res" ;; esac

check "mesim cluster starts" start_mesim_cluster
check "prometheus starts (native histograms on)" start_prometheus prom
PROM=http://127.0.0.1:$PROM_PORT
GW=http://127.0.0.1:$GW_PORT

# orders: 60/s through the gateway, one request in ten a 404 (http_req_failed); overload: 40/s of
# 0.1 s iterations on one VU, so about three in four are dropped. 7 s, so that the pushes span a
# whole 5 s step of the "minutes at 4,750" subquery before the last push, when the test asks.
cat >"$TMP/script.lua" <<'LUA'
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"
local D = lt.env.DURATION or "7s"
options = {
  scenarios = {
    orders = { executor = "constant-arrival-rate", rate = 60, timeUnit = "1s", duration = D,
               preAllocatedVUs = 4, maxVUs = 16 },
    overload = { executor = "constant-arrival-rate", rate = 40, timeUnit = "1s", duration = D,
                 preAllocatedVUs = 1, maxVUs = 1, exec = "overload" },
  },
}
function setup()
  for shard, symbols in pairs(cfg.SHARD_SYMBOLS) do seed.shard(shard, symbols, 200, 10, cfg.GATEWAY_URL) end
end
local n = 0
function default()
  n = n + 1
  if n % 10 == 0 then
    lt.http.get(cfg.GATEWAY_URL .. "/no-such-endpoint")
  else
    local order, kind = orders.next(orders.random_symbol(cfg.ALL_SYMBOLS))
    submit.order(cfg.GATEWAY_URL, order, kind)
  end
end
function overload() lt.sleep(0.1) end
LUA
SCRAPE=(--scrape "http://127.0.0.1:$SHARD_A_PORT/metrics" --scrape "http://127.0.0.1:$SHARD_B_PORT/metrics"
    --scrape "http://127.0.0.1:$SHARD_C_PORT/metrics" --scrape-filter 'me_*' --scrape-filter 'me_*_bucket')

# run_lt TESTID INSTANCE [VAR=VALUE...]: one bounded run scraping the shards (not with NO_SCRAPE=1);
# $TMP/OUT.{json,err} (OUT: TESTID unless set), exit code in RC and returned.
run_lt() {
    local id=$1 inst=$2 out=${OUT:-$1} scrape=("${SCRAPE[@]}")
    shift 2
    [ "${NO_SCRAPE:-}" == 1 ] && scrape=()
    env K6_PROMETHEUS_RW_PUSH_INTERVAL=1s LT_PROMETHEUS_RW_STOP_TIMEOUT=2s LT_PROMETHEUS_RW_VERBOSE=1 "$@" \
        timeout 40 "$LT" -s "$TMP/script.lua" -q -e GATEWAY_URL="$GW" ${scrape[@]+"${scrape[@]}"} \
        --tag testid="$id" --tag instance="$inst" --out "prometheus-rw=$PROM/api/v1/write" \
        --summary-export "$TMP/$out.json" >"$TMP/$out.out" 2>"$TMP/$out.err"
    RC=$?
    return $RC
}
# last_ts TESTID INSTANCE: the time of that lt's last push (float seconds).
last_ts() {
    curl -sf -G "$PROM/api/v1/query" --data-urlencode "query=k6_http_reqs_total{testid=\"$1\",instance=\"$2\"}[10m]" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(max(float(v[0]) for s in r for v in s["values"]))'
}
# delivered TESTID: the run's pushes all arrived and no scrape failed.
delivered() {
    if grep -q 'prometheus-rw: .*\(not delivered\|rejected\)\|^lt: scrape ' "$TMP/$1.err"; then
        fail "$1: every push delivered, every scrape answered" "$(grep 'prometheus-rw\|scrape' "$TMP/$1.err")"
    else pass "$1: every push delivered, every scrape answered"; fi
}

# dash-nh: two lt instances at once, as a distributed test runs; only lt-1 scrapes the shards.
# The queries are asked at lt-1's last push, after which its stale markers end its series; lt-2
# runs 5 s (ends before lt-1) without stale markers, so its final values are current then.
NATIVE=(K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true)
OUT=dash-nh-2 NO_SCRAPE=1 run_lt dash-nh lt-2 "${NATIVE[@]}" DURATION=5s &
second=$!
run_lt dash-nh lt-1 "${NATIVE[@]}" K6_PROMETHEUS_RW_STALE_MARKERS=true
expect_eq "native run, instance lt-1, exits 0" 0 "$RC"
[ "$RC" -eq 0 ] || tail -n 5 "$TMP/dash-nh.err"
wait "$second"
expect_eq "native run, instance lt-2 (no scraping), exits 0" 0 "$?"
delivered dash-nh
delivered dash-nh-2
run_lt dash-classic lt-1
expect_eq "classic run exits 0" 0 "$RC"
delivered dash-classic
n=$(json_get "$TMP/dash-nh.json" 'd["metrics"]["dropped_iterations"]["values"]["count"]' 2>/dev/null)
expect_num "the run dropped iterations" "${n:-0}" gt 0
n=$(json_get "$TMP/dash-nh.json" 'd["metrics"]["http_req_failed"]["values"]["rate"]' 2>/dev/null)
expect_num "the run had failed requests (rate)" "${n:-0}" gt 0.05
T_NH=$(last_ts dash-nh lt-1)
T_CL=$(last_ts dash-classic lt-1)
T_NH2=$(last_ts dash-nh lt-2)
expect_num "lt-2 (5 s) pushed its last before lt-1 (7 s) did" "$T_NH2" lt "$T_NH"
echo "# last pushes at $T_NH (dash-nh), $T_CL (dash-classic)"

# ---- template variables, as Grafana asks for them (label values over the dashboard's range) ----
python3 "$QUERIES" vars "$DASH" "$PROM" "$(date -d '-15 min' +%s)" "$(date +%s)" \
    testid=dash-nh instance=.\* >"$TMP/vars.out" 2>&1
var() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$TMP/vars.out"; }
expect_eq "variable testid lists both runs" "dash-classic dash-nh" "$(var testid)"
expect_eq "variable instance lists the two instances of testid dash-nh" "lt-1 lt-2" "$(var instance)"
expect_eq "variable scenario lists both scenarios" "orders overload" "$(var scenario)"

# ---- every panel query ----
# run_queries LABEL TESTID TIME SCENARIO [MAX_AGE]: every query with $scenario set to SCENARIO,
# $max_age to MAX_AGE (10), $instance to $INSTANCE (all); $TMP/LABEL.q
run_queries() {
    python3 "$QUERIES" exprs "$DASH" "$PROM" "$3" testid="$2" instance="${INSTANCE:-.*}" scenario="$4" \
        max_age="${5:-10}" __rate_interval=1m __range=10m >"$TMP/$1.q" 2>&1
}
# expect_all_data LABEL MIN [TITLES]: every query of $TMP/LABEL.q returns data, but those of panels
# whose title matches the regex TITLES.
expect_all_data() {
    local label=$1 min=$2 allowed=${3:-} st title q vals n=0 n_ok=0
    while IFS=$'\t' read -r st title _ q vals; do
        [ -n "$allowed" ] && [[ "$title" =~ $allowed ]] && continue
        n=$((n + 1))
        if [ "$st" == ok ]; then n_ok=$((n_ok + 1)); else fail "$label: \"$title\": $q returns data" "$st $vals"; fi
    done <"$TMP/$label.q"
    expect_num "$label: queries that return data (of $n)" "$n_ok" ge "$min"
    expect_eq "$label: every query returns data" "$n" "$n_ok"
}
run_queries nh dash-nh "$T_NH" '.+'
expect_all_data nh 29
run_queries classic dash-classic "$T_CL" '.+'
expect_all_data classic 27 "native histograms"
n=$(awk -F'\t' -v t="$NATIVE_PANEL" '$2 == t && $1 == "EMPTY"' "$TMP/classic.q" | wc -l)
expect_eq "classic: the native-histogram panel is empty, as its description says" 2 "$n"
run_queries nh-orders dash-nh "$T_NH" 'orders'
expect_all_data "nh-orders" 22 dropped
# instance lt-2 alone: its own series in every lt panel; the scraped panels empty (lt-1 scraped)
SCRAPED='match|shard|book|fill'
INSTANCE=lt-2 run_queries nh-lt-2 dash-nh "$T_NH" '.+'
expect_all_data "nh-lt-2" 19 "$SCRAPED"
n=$(awk -F'\t' -v re="$SCRAPED" '$2 ~ re && $1 == "ok"' "$TMP/nh-lt-2.q" | wc -l)
m=$(awk -F'\t' -v re="$SCRAPED" '$2 ~ re' "$TMP/nh-lt-2.q" | wc -l)
expect_eq "instance lt-2: the scraped panels' queries (of $m) return nothing" 0 "$n"
# A tag set without samples in a push interval gets no new _window point; without stale markers
# Prometheus would show its last value for 5 minutes. 30 s after the classic run the raw series is
# still there, and the window panels (max_age 10 s) draw nothing.
late=$(awk -v t="$T_CL" 'BEGIN { printf "%.3f", t + 30 }')
n=$(curl -sf -G "$PROM/api/v1/query" --data-urlencode 'query=count(k6_http_req_duration_p99_window{testid="dash-classic"})' \
    --data-urlencode "time=$late" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
expect_num "30 s after the run Prometheus still answers the old _window values" "$n" gt 0
run_queries late dash-classic "$late" '.+'
n=$(awk -F'\t' '$4 ~ /_window/ && $1 == "ok"' "$TMP/late.q" | wc -l)
m=$(awk -F'\t' '$4 ~ /_window/' "$TMP/late.q" | wc -l)
expect_eq "30 s after the run the window panels' queries (of $m) return nothing" 0 "$n"
expect_num "window panels' queries seen" "$m" ge 6

# ---- what the panels show against the runs' summaries ----
# value TESTID TIME TITLE N [LABEL=VALUE]: at TIME, the value of the Nth query of the panel TITLE
# (all scenarios), of its series with LABEL=VALUE if given, or the sum of all with "sum"; "none"
# without a series.
value() {
    local q
    q=$(python3 "$QUERIES" exprs "$DASH" "$PROM" "$2" testid="$1" instance=.\* scenario=.+ max_age=10 __rate_interval=1m __range=10m |
        awk -F'\t' -v t="$3" -v i="$4" '$2 == t { k++; if (k == i) print $4 }')
    curl -sf -G "$PROM/api/v1/query" --data-urlencode "query=$q" --data-urlencode "time=$2" |
        python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]; want = sys.argv[1]
if want == "sum": print(sum(float(x["value"][1]) for x in r) if r else "none"); sys.exit()
m = [x["value"][1] for x in r if not want or x["metric"].get(want.split("=")[0]) == want.split("=")[1]]
print(m[0] if m else "none")' "${5:-}"
}
want=$(($(json_get "$TMP/dash-nh.json" 'd["metrics"]["dropped_iterations"]["values"]["count"]') +
    $(json_get "$TMP/dash-nh-2.json" 'd["metrics"]["dropped_iterations"]["values"]["count"]')))
got=$(value dash-nh "$T_NH" "dropped iterations (run)" 1 sum)
expect_eq "\"dropped iterations (run)\", all scenarios = dropped_iterations of both summaries" "$want" "${got%.*}"
got=$(value dash-nh "$T_NH" "dropped iterations (run)" 1 scenario=overload)
expect_num "\"dropped iterations (run)\" has the overload scenario's" "${got/none/0}" ge 100
got=$(value dash-nh "$T_NH" "dropped share of the offered rate" 1 scenario=overload)
expect_num "\"dropped share\" for overload (40/s on one VU of 0.1 s iterations)" "${got/none/0}" gt 0.5
expect_num "\"dropped share\" for overload is below 1" "${got/none/1}" lt 0.95
# offered = completed + dropped follows the target rates (40/s and 60/s), whatever the window
off_o=$(value dash-nh "$T_NH" "iterations per second: offered, completed, dropped" 1 scenario=orders)
off_v=$(value dash-nh "$T_NH" "iterations per second: offered, completed, dropped" 1 scenario=overload)
ratio=$(awk -v a="${off_v/none/0}" -v b="${off_o/none/0}" 'BEGIN { print (b > 0 ? a / b : 0) }')
expect_num "\"offered\" overload/orders = 40/60 (the target rates), at least" "$ratio" gt 0.6
expect_num "\"offered\" overload/orders = 40/60 (the target rates), at most" "$ratio" lt 0.73
got=$(value dash-nh "$T_NH" "failed requests per window" 1 scenario=orders)
expect_num "\"failed requests\" for orders (one in ten is a 404)" "${got/none/0}" gt 0.05
expect_num "\"failed requests\" for orders is below 0.2" "${got/none/1}" lt 0.2
got=$(value dash-nh "$T_NH" "p99 per window against 200 ms (ASR 1)" 1 scenario=orders)
expect_num "\"p99 per window\" for orders is a latency (s)" "${got/none/0}" gt 0
expect_num "\"p99 per window\" for orders is under 200 ms (mesim is fast)" "${got/none/1}" lt 0.2
corr=$(value dash-nh "$T_NH" "p99 measured against p99 corrected for coordinated omission" 2 scenario=orders)
expect_num "corrected p99 >= measured p99 in the same window" "${corr/none/-1}" ge "${got/none/0}"
got=$(value dash-nh "$T_NH" "schedule_lag p99 per window" 1 scenario=overload)
expect_num "\"schedule_lag p99\" for overload is a duration (s)" "${got/none/-1}" ge 0
got=$(value dash-nh "$T_NH" "matches per minute (last)" 1)
expect_num "\"matches per minute\" from the scraped shards" "${got/none/0}" gt 0
got=$(value dash-nh "$T_NH" "matches per second by shard" 1 shard=a)
expect_num "\"matches per second by shard\" has shard a" "${got/none/-1}" ge 0
got=$(value dash-nh "$T_NH" "book depth by shard and side" 1 shard=b)
expect_num "\"book depth\" has shard b's resting orders" "${got/none/0}" gt 0
# the ASR row's engine figures
for shard in a b c; do
    got=$(value dash-nh "$T_NH" "engine p99 match duration per shard" 1 shard=$shard)
    expect_num "\"engine p99 match duration\" of shard $shard (scraped buckets) is a duration" "${got/none/0}" gt 0
    expect_num "\"engine p99 match duration\" of shard $shard is under 200 ms" "${got/none/1}" lt 0.2
done
mins=$(value dash-nh "$T_NH" "minutes at or above 4,750 matches/min" 1)
peak=$(curl -sf -G "$PROM/api/v1/query" --data-urlencode "time=$T_NH" --data-urlencode \
    'query=max_over_time((sum(rate(k6_me_matches_total{testid="dash-nh"}[1m])) * 60)[10m:5s])' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')
echo "# matches/min at most $peak over the run; minutes at or above 4,750: $mins"
if awk -v p="${peak/none/0}" -v m="${mins/none/-1}" 'BEGIN { exit !((p >= 4750) == (m > 0) && m >= 0) }'; then
    pass "\"minutes at or above 4,750\" ($mins) agrees with the peak matches/min ($peak)"
else fail "\"minutes at or above 4,750\" agrees with the peak matches/min" "minutes $mins, peak $peak"; fi
# the same count against a line the run crosses (1 match/min): the 5 s steps of the run, in minutes
q=$(python3 "$QUERIES" exprs "$DASH" "$PROM" "$T_NH" testid=dash-nh instance=.\* scenario=.+ max_age=10 \
    __rate_interval=1m __range=10m | awk -F'\t' '$2 == "minutes at or above 4,750 matches/min" { print $4 }')
got=$(curl -sf -G "$PROM/api/v1/query" --data-urlencode "query=${q/>= bool 4750/>= bool 1}" --data-urlencode "time=$T_NH" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')
expect_num "the same query at 1 match/min counts the run's 5 s steps (minutes)" "${got/none/0}" gt 0
expect_num "the same query at 1 match/min: at most the run's 7 s, in 5 s steps" "${got/none/1}" le 0.1667
got=$(value dash-nh "$T_NH" "failed requests (run)" 1)
expect_num "\"failed requests (run)\" (one in ten of the orders scenario)" "${got/none/0}" gt 0.05
expect_num "\"failed requests (run)\" is below 0.2" "${got/none/1}" lt 0.2
got=$(value dash-nh "$T_NH" "dropped iterations, all scenarios (run)" 1)
expect_eq "\"dropped iterations, all scenarios (run)\" = both summaries'" "$want" "${got%.*}"
q99=$(value dash-nh "$T_NH" "$NATIVE_PANEL" 1 scenario=orders)
expect_num "native-histogram p99 for orders (merged over tag sets) is a latency (s)" "${q99/none/0}" gt 0

expect_num "test time (s)" $((SECONDS - started)) lt 60
finish
