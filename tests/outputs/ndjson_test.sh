#!/usr/bin/env bash
# ndjson_test.sh — `--out lt-json=FILE[.gz]`: the per-interval points add up to the summary's totals.
source "$(dirname "$0")/../lib.sh"

[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
check "nginx starts" start_nginx

cat >"$TMP/script.lua" <<'LUA'
local http = require("lt").http
local m = require("lt").metrics.trend("match_latency_ms", true)
options = { scenarios = { s = { executor = "constant-arrival-rate", rate = 200, timeUnit = "1s",
  duration = "3s", preAllocatedVUs = 5, maxVUs = 20 } } }
function default() local r = http.get(lt.env.URL) m:add(r.timings.duration) end
LUA

# compare SUMMARY NDJSON: per-interval sums against the summary's totals.
compare() {
    python3 - "$1" "$2" <<'PY'
import gzip, json, sys
summary = json.load(open(sys.argv[1]))
path = sys.argv[2]
opener = gzip.open if path.endswith(".gz") else open
with opener(path, "rt") as f:
    text = f.read()
assert text.endswith("\n"), "last line not terminated"
lines = [json.loads(l) for l in text.splitlines()]
assert lines[0]["type"] == "run" and lines[-1]["type"] == "end", "first run, last end"
points = lines[1:-1]
assert points and all(p["type"] == "point" for p in points), "points between"
ts = [p["t"] for p in points]
assert ts == sorted(ts), "t increases"
assert all(lines[0]["started"] < t <= lines[-1]["t"] + 1e-6 for t in ts), "t within the run"
def total(metric, field):
    return sum(p[field] for p in points if p["metric"] == metric)
sm = summary["metrics"]
checks = [
    ("http_reqs", total("http_reqs", "value"), sm["http_reqs"]["values"]["count"]),
    ("iterations", total("iterations", "value"), sm["iterations"]["values"]["count"]),
    ("http_req_duration count", total("http_req_duration", "count"), sm["http_req_duration"]["values"]["count"]),
    ("match_latency_ms count", total("match_latency_ms", "count"), sm["match_latency_ms"]["values"]["count"]),
    ("end http_reqs", lines[-1]["metrics"]["http_reqs"]["value"], sm["http_reqs"]["values"]["count"]),
]
bad = [c for c in checks if c[1] != c[2]]
mx = max(p["max"] for p in points if p["metric"] == "http_req_duration")
if abs(mx - sm["http_req_duration"]["values"]["max"]) > 1e-9 * mx:
    bad.append(("max", mx, sm["http_req_duration"]["values"]["max"]))
for b in bad: print("MISMATCH %s: ndjson %r, summary %r" % b)
print("%d lines, http_reqs %r" % (len(lines), checks[0][1]))
sys.exit(1 if bad else 0)
PY
}

URL="http://127.0.0.1:$NGINX_PORT/"
for out in out.ndjson out.ndjson.gz; do
    "$LT" -s "$TMP/script.lua" -e URL="$URL" --out "lt-json=$TMP/$out" \
        --summary-export "$TMP/s-$out.json" >"$TMP/run.out" 2>"$TMP/run.err"
    rc=$?
    expect_eq "$out: run exits 0" 0 "$rc"
    [ $rc -eq 0 ] || tail -n 20 "$TMP/run.err"
    if compare "$TMP/s-$out.json" "$TMP/$out" >"$TMP/cmp.out" 2>&1; then
        pass "$out: intervals add up to the summary ($(tail -n 1 "$TMP/cmp.out"))"
    else
        fail "$out: intervals add up to the summary" "$(tail -c 1200 "$TMP/cmp.out")"
    fi
done
check "out.ndjson.gz is gzip" python3 -c 'import sys; sys.exit(open(sys.argv[1],"rb").read(2) != b"\x1f\x8b")' "$TMP/out.ndjson.gz"

"$LT" -s "$TMP/script.lua" -e URL="$URL" --out "lt-json=$TMP/no/such/dir/x.json" >/dev/null 2>"$TMP/bad.err"
rc=$?
expect_eq "unwritable file: the run does not start (exit code 104)" 104 "$rc"
expect_match "unwritable file: says why" 'x.json' "$TMP/bad.err"
finish
