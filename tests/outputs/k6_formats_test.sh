#!/usr/bin/env bash
# k6_formats_test.sh — `--out json=FILE` and `--out csv=FILE` write every sample in k6's formats:
# one Point (one csv row) per sample, exactly as many as lt counted (lt-json's end totals), k6's
# documented jq recipes give the summary's figures, the files survive Ctrl-C complete, and a
# writer that falls behind reports how many samples it lost instead of hiding them.
source "$(dirname "$0")/../lib.sh"

[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
command -v jq >/dev/null || { fail "jq installed (deps/packages.txt)"; finish; }
check "nginx starts" start_nginx
URL="http://127.0.0.1:$NGINX_PORT/"

cat >"$TMP/script.lua" <<'LUA'
local lt = require "lt"
local lat = lt.metrics.trend("my_latency_ms", true)
options = {
  scenarios = { s = { executor = "shared-iterations", vus = 2, iterations = tonumber(lt.env.N) } },
  thresholds = { http_req_duration = { "p(99)<1000" }, ["http_reqs{status:200}"] = { "count>0" } },
}
function default()
  local r = lt.http.get(lt.env.URL, { tags = { name = 'home, "quoted"' } })
  lt.check(r, { ["status is 200"] = function(x) return x.status == 200 end })
  lat:add(r.timings.duration)
end
LUA

# verify JSON CSV LTJSON SUMMARY T0 T1: every sample is there once, in k6's shapes.
verify() {
    python3 - "$@" <<'PY'
import csv, gzip, json, sys, datetime
jpath, cpath, ltpath, spath, t0, t1 = sys.argv[1:7]
t0, t1 = float(t0), float(t1)
op = lambda p: gzip.open(p, "rt", encoding="utf-8") if p.endswith(".gz") else open(p, encoding="utf-8")
bad = []
lines = [json.loads(l) for l in op(jpath)]
points, seen = {}, set()
for l in lines:
    if l["type"] == "Metric":
        d = l["data"]
        if set(d) != {"name", "type", "contains", "thresholds", "submetrics"} or d["name"] != l["metric"]:
            bad.append("metric line shape: %r" % l)
        seen.add(l["metric"])
        continue
    if l["type"] != "Point" or set(l) != {"metric", "type", "data"}:
        bad.append("line shape: %r" % l); continue
    if l["metric"] not in seen: bad.append("Point before its Metric line: %s" % l["metric"])
    d = l["data"]
    t = datetime.datetime.fromisoformat(d["time"].replace("Z", "+00:00")).timestamp()
    if not (t0 - 0.01 <= t <= t1 + 0.01): bad.append("time %s outside the run" % d["time"])
    if not isinstance(d["value"], (int, float)): bad.append("value %r" % d["value"])
    if d["tags"].get("instance") != "n1": bad.append("no --tag instance on %r" % l)
    points[l["metric"]] = points.get(l["metric"], 0) + 1
metric_lines = {l["metric"]: l["data"] for l in lines if l["type"] == "Metric"}
if metric_lines["http_req_duration"]["thresholds"] != ["p(99)<1000"]:
    bad.append("http_req_duration thresholds %r" % metric_lines["http_req_duration"]["thresholds"])
if metric_lines["http_req_duration"]["contains"] != "time" or metric_lines["data_sent"]["contains"] != "data":
    bad.append("contains")
# lt's own count of every sample: lt-json's end totals (adds, samples, passes+fails)
end = [json.loads(l) for l in op(ltpath)][-1]["metrics"]
def count(m):
    v = end[m]
    return v["count"] if v["type"] in ("counter", "trend") else v["passes"] + v["fails"] if v["type"] == "rate" else None
for m in end:
    want = count(m)
    if want is not None and points.get(m, 0) != want:
        bad.append("%s: %d Points, lt counted %d" % (m, points.get(m, 0), want))
summary = json.load(open(spath))
if points.get("http_reqs") != summary["metrics"]["http_reqs"]["values"]["count"]:
    bad.append("http_reqs Points %r vs summary %r" % (points.get("http_reqs"), summary["metrics"]["http_reqs"]["values"]["count"]))
rows = list(csv.reader(op(cpath)))
header = "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata".split(",")
if rows[0] != header: bad.append("csv header %r" % rows[0])
per = {}
for r in rows[1:]:
    if len(r) != len(header): bad.append("csv row width %d: %r" % (len(r), r)); continue
    per[r[0]] = per.get(r[0], 0) + 1
    if not (int(t0) <= int(r[1]) <= int(t1) + 1): bad.append("csv timestamp %s" % r[1])
    if "instance=n1" not in r[17]: bad.append("csv extra_tags %r" % r[17])
    if r[0] == "http_reqs" and (r[9] != 'home, "quoted"' or r[13] != "200" or r[8] != "GET"):
        bad.append("csv columns %r" % r)
if per != points: bad.append("csv rows per metric %r differ from json %r" % (per, points))
for b in bad[:15]: print("  " + b)
print("%d json lines, %d csv rows, %d http_reqs" % (len(lines), len(rows) - 1, points.get("http_reqs", 0)))
sys.exit(1 if bad else 0)
PY
}

t0=$(date +%s.%N)
"$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=300 -q --tag instance=n1 \
    --out json="$TMP/k.json" --out json="$TMP/k.json.gz" --out csv="$TMP/k.csv" --out csv="$TMP/k.csv.gz" \
    --out lt-json="$TMP/agg.ndjson" --summary-export "$TMP/s.json" >"$TMP/run.out" 2>"$TMP/run.err"
rc=$?
t1=$(date +%s.%N)
expect_eq "run with four sample outputs exits 0" 0 "$rc"
[ "$rc" == 0 ] || tail -n 15 "$TMP/run.err"
if verify "$TMP/k.json" "$TMP/k.csv" "$TMP/agg.ndjson" "$TMP/s.json" "$t0" "$t1" >"$TMP/v.out" 2>&1; then
    pass "json and csv: one Point/row per sample, as many as lt counted ($(tail -n 1 "$TMP/v.out"))"
else fail "json and csv: one Point/row per sample" "$(cat "$TMP/v.out")"; fi
if verify "$TMP/k.json.gz" "$TMP/k.csv.gz" "$TMP/agg.ndjson" "$TMP/s.json" "$t0" "$t1" >"$TMP/v.out" 2>&1; then
    pass "json.gz and csv.gz: the same ($(tail -n 1 "$TMP/v.out"))"
else fail "json.gz and csv.gz: the same" "$(cat "$TMP/v.out")"; fi
expect_eq "json.gz is gzip" "1f8b" "$(head -c 2 "$TMP/k.json.gz" | od -An -tx1 | tr -d ' \n')"

# k6's documented jq recipes (results-output/real-time/json, "Processing JSON output")
sel='. | select(.type=="Point" and .metric == "http_req_duration" and .data.tags.status >= "200")'
expect_eq "jq: the recipe's selection finds every request" 300 "$(jq -c "$sel" "$TMP/k.json" | wc -l)"
j() { json_get "$TMP/s.json" "$1"; }
close() { python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(a - b) <= 1e-6 * max(abs(b), 1e-9) else 1)' "$1" "$2"; }
avg=$(jq "$sel | .data.value" "$TMP/k.json" | jq -s 'add/length')
check "jq: average = the summary's avg ($avg)" close "$avg" "$(j "d['metrics']['http_req_duration']['values']['avg']")"
mn=$(jq "$sel | .data.value" "$TMP/k.json" | jq -s min)
check "jq: min = the summary's min ($mn)" close "$mn" "$(j "d['metrics']['http_req_duration']['values']['min']")"
mx=$(jq "$sel | .data.value" "$TMP/k.json" | jq -s max)
check "jq: max = the summary's max ($mx)" close "$mx" "$(j "d['metrics']['http_req_duration']['values']['max']")"
expect_eq "jq: failed checks (none)" 0 \
    "$(jq -c '. | select(.type=="Point" and .metric == "checks" and .data.value == 0)' "$TMP/k.json" | wc -l)"

# The group tag as k6 writes it: every sample of VU code carries the group path, "" (the root
# group's) outside any group, "::name" inside; samples k6 takes outside VU code (vus, vus_max,
# dropped_iterations) have none. k6's jq recipes select by it.
cat >"$TMP/groups.lua" <<'LUA'
local lt = require "lt"
local mine = lt.metrics.counter("my_counter")
options = {
  scenarios = {
    s = { executor = "per-vu-iterations", vus = 2, iterations = 5 },
    drops = { executor = "constant-arrival-rate", rate = 50, timeUnit = "1s", duration = "1s",
              preAllocatedVUs = 1, maxVUs = 1, exec = "slow" },
  },
}
function default()
  local r = lt.http.get(lt.env.URL)
  lt.check(r, { ["root ok"] = function(x) return x.status == 200 end })
  mine:add(1)
  lt.group("my group", function()
    local r2 = lt.http.get(lt.env.URL)
    lt.check(r2, { ["in group ok"] = function(x) return x.status == 200 end })
    lt.group("inner", function() lt.http.get(lt.env.URL) end)
  end)
end
function slow() lt.sleep(0.2) end
LUA
"$LT" -s "$TMP/groups.lua" -e URL="$URL" -q --out json="$TMP/g.json" --out csv="$TMP/g.csv" \
    --summary-export "$TMP/g.s.json" >/dev/null 2>"$TMP/g.err"
expect_eq "groups run exits 0" 0 "$?"
pts() { jq -c "select(.type==\"Point\" and $1)" "$TMP/g.json" | wc -l; }
expect_eq "jq: requests in the root group (.data.tags.group == \"\")" 10 \
    "$(pts '.metric == "http_req_duration" and .data.tags.group == ""')"
expect_eq "jq: requests in ::my group" 10 "$(pts '.metric == "http_req_duration" and .data.tags.group == "::my group"')"
expect_eq "jq: requests in ::my group::inner" 10 \
    "$(pts '.metric == "http_req_duration" and .data.tags.group == "::my group::inner"')"
expect_eq "jq: checks in the root group" 10 "$(pts '.metric == "checks" and .data.tags.group == ""')"
expect_eq "jq: a custom metric in the root group" 10 "$(pts '.metric == "my_counter" and .data.tags.group == ""')"
for m in iterations iteration_duration data_sent data_received http_reqs http_req_failed; do
    expect_eq "jq: every $m Point has a group tag" 0 "$(pts ".metric == \"$m\" and (.data.tags | has(\"group\") | not)")"
done
n=$(pts '(.metric == "vus" or .metric == "vus_max" or .metric == "dropped_iterations") and (.data.tags | has("group"))')
expect_eq "jq: vus, vus_max and dropped_iterations have no group tag, as in k6" 0 "$n"
expect_num "the run dropped iterations (their Points are there)" "$(pts '.metric == "dropped_iterations"')" ge 1
got=$(jq -sc '[.[] | select(.type=="Point" and .metric=="http_reqs")] | group_by(.data.tags.group)
    | map({(.[0].data.tags.group): length}) | add' "$TMP/g.json")
expect_eq "jq: http_reqs grouped by group" '{"":10,"::my group":10,"::my group::inner":10}' "$got"
# csv: the group column holds the same (empty for the root group, as k6's csv writes it)
got=$(python3 -c '
import csv, sys, collections
rows = list(csv.reader(open(sys.argv[1])))
g = rows[0].index("group")
c = collections.Counter(r[g] for r in rows[1:] if r[0] == "http_reqs")
print(",".join("%s=%d" % kv for kv in sorted(c.items())))' "$TMP/g.csv")
expect_eq "csv: http_reqs per group column" "=10,::my group=10,::my group::inner=10" "$got"

# csv time formats and k6's option syntax; bad arguments are refused before any traffic
"$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=20 -q \
    --out "csv=file=$TMP/t.csv,timeFormat=rfc3339_nano" >/dev/null 2>"$TMP/t.err"
expect_match "csv timeFormat=rfc3339_nano" '^http_reqs,20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z,1\.000000,' "$TMP/t.csv"
K6_CSV_TIME_FORMAT=unix_milli "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=20 -q \
    --out "csv=$TMP/m.csv" >/dev/null 2>"$TMP/m.err"
expect_match "K6_CSV_TIME_FORMAT=unix_milli" '^http_reqs,1[0-9]{12},' "$TMP/m.csv"
for bad in "csv=file=$TMP/x.csv,timeFormat=weekly" "csv=file=$TMP/x.csv,colour=red" "json=$TMP/x.json,raw" "csv=" "json="; do
    "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=2 -q --out "$bad" >/dev/null 2>"$TMP/bad.err"
    rc=$?
    if [ "$rc" == 104 ] && grep -q -- "--out ${bad%%=*}" "$TMP/bad.err"; then pass "--out $bad: refused (104), the message names it"
    else fail "--out $bad: refused (104), the message names it" "exit $rc: $(head -c 300 "$TMP/bad.err")"; fi
done
# k6's csv variables: K6_CSV_FILENAME names the file when --out csv gives none (the argument wins
# over it, as in k6); K6_CSV_SAVE_INTERVAL and saveInterval must be durations (lt's writer drains
# continuously, so neither changes what is written)
K6_CSV_FILENAME="$TMP/env.csv" "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=5 -q --out csv >/dev/null 2>"$TMP/env.err"
expect_eq "K6_CSV_FILENAME with a bare --out csv: exit 0" 0 "$?"
expect_eq "K6_CSV_FILENAME: the file has the run's requests" 5 "$(grep -c '^http_reqs,' "$TMP/env.csv" 2>/dev/null)"
K6_CSV_FILENAME="$TMP/env2.csv" "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=5 -q --out csv=timeFormat=unix_milli >/dev/null 2>&1
expect_match "K6_CSV_FILENAME with only a timeFormat argument: that file, that format" '^http_reqs,1[0-9]{12},' "$TMP/env2.csv"
K6_CSV_FILENAME="$TMP/not.csv" "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=5 -q --out "csv=$TMP/arg.csv" >/dev/null 2>&1
if [ -s "$TMP/arg.csv" ] && [ ! -e "$TMP/not.csv" ]; then pass "--out csv=FILE wins over K6_CSV_FILENAME"; else fail "--out csv=FILE wins over K6_CSV_FILENAME" "$(ls "$TMP"/*.csv)"; fi
K6_CSV_SAVE_INTERVAL=2s "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=5 -q --out "csv=$TMP/si.csv" >/dev/null 2>&1
expect_eq "K6_CSV_SAVE_INTERVAL=2s: accepted, every request written" 5 "$(grep -c '^http_reqs,' "$TMP/si.csv" 2>/dev/null)"
for bad in "K6_CSV_SAVE_INTERVAL=soon|csv=$TMP/x.csv" "K6_CSV_SAVE_INTERVAL=1s|csv=fileName=$TMP/x.csv,saveInterval=often"; do
    env "${bad%%|*}" "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=2 -q --out "${bad#*|}" >/dev/null 2>"$TMP/bad.err"
    rc=$?
    if [ "$rc" == 104 ] && grep -qi "interval" "$TMP/bad.err"; then pass "${bad%%|*} --out ${bad#*|}: a save interval that is no duration is refused (104)"
    else fail "${bad%%|*} --out ${bad#*|}: a save interval that is no duration is refused (104)" "exit $rc: $(head -c 300 "$TMP/bad.err")"; fi
done
"$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=2 -q --out "json=$TMP" >/dev/null 2>"$TMP/dir.err"
rc=$?
expect_eq "--out json=DIRECTORY: refused before traffic (104)" 104 "$rc"
expect_match "--out json=DIRECTORY: says it is a directory" "is a directory" "$TMP/dir.err"

# Ctrl-C: the file is complete, every line whole, every request's Point there
cat >"$TMP/long.lua" <<'LUA'
local lt = require "lt"
options = { scenarios = { s = { executor = "constant-arrival-rate", rate = 200, timeUnit = "1s",
  duration = "60s", preAllocatedVUs = 5, maxVUs = 10 } } }
function default() lt.http.get(lt.env.URL) end
LUA
"$LT" -s "$TMP/long.lua" -e URL="$URL" -q --out json="$TMP/int.json" --summary-export "$TMP/int.s.json" \
    >/dev/null 2>"$TMP/int.err" &
pid=$!
_PIDS+=("$pid")
has_samples() { [ "$(cat "$TMP"/int.json.tmp.* 2>/dev/null | grep -c '"http_reqs"')" -gt 50 ]; }
check "interrupt: samples are being written" await_cond 30 has_samples
kill -INT "$pid"
wait "$pid"
expect_eq "interrupt: exit 105" 105 "$?"
n_sum=$(json_get "$TMP/int.s.json" "d['metrics']['http_reqs']['values']['count']" 2>/dev/null)
n_pts=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["type"] == "Point" and json.loads(l)["metric"] == "http_reqs"))' "$TMP/int.json" 2>&1)
expect_eq "interrupt: every request has its Point ($n_sum in the summary)" "$n_sum" "$n_pts"

# a writer that falls behind: the loss is counted, and what was written plus what was lost is all
LT_SAMPLES_RING=1024 "$LT" -s "$TMP/script.lua" -e URL="$URL" -e N=40000 -q --threads 1 \
    --out json="$TMP/l.json" --out lt-json="$TMP/l.ndjson" >/dev/null 2>"$TMP/l.err"
expect_eq "tiny ring: run exits 0" 0 "$?"
lost=$(sed -n 's/.*json output: \([0-9]*\) samples lost.*/\1/p' "$TMP/l.err")
acct=$(python3 - "$TMP/l.json" "$TMP/l.ndjson" "${lost:-0}" <<'PY'
import json, sys
w = sum(1 for l in open(sys.argv[1]) if '"type":"Point"' in l and '"metric":"vus' not in l)
end = [json.loads(l) for l in open(sys.argv[2])][-1]["metrics"]
n = sum(v["count"] if v["type"] in ("counter", "trend") else v["passes"] + v["fails"]
        for v in end.values() if v["type"] != "gauge")
lost = int(sys.argv[3])
# vus/vus_max samples (two per collection, a few in this run) may be among the lost
print("ok" if n - w <= lost <= n - w + 10 else "recorded %d, written %d, lost %d" % (n, w, lost))
PY
)
if [ -n "$lost" ] && [ "$lost" -gt 0 ]; then
    expect_eq "tiny ring: $lost samples reported lost, and written + lost = recorded" ok "$acct"
else
    # a machine fast enough to drain 1,024 samples between any two writes loses nothing: then
    # nothing may be missing either
    expect_eq "tiny ring: nothing lost, nothing missing" ok "$acct"
fi
finish
