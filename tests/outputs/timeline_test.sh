#!/usr/bin/env bash
# timeline_test.sh — the summary's "timeline" (docs/outputs.md) against mesim on loopback:
# a constant-arrival-rate run whose target turns slow for a known window (timeline actions set
# mesim's delay), scraped: counts add up to the summary's exactly, target_rate is the plan's rate,
# the p99 spike sits in the slow window's points only, the actions appear in `events` at their
# time, me_matches_total_per_s x interval adds up to the counter's increase; then a
# ramping-arrival-rate run whose target_rate and iterations show the ramp.
# (600-point merging of long runs: tests/unit/test_timeline.c.)
source "$(dirname "$0")/../lib.sh"

[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
[ -x "$MESIM" ] || { fail "mesim built" "$MESIM missing"; finish; }
PORT=$(free_port)
"$MESIM" shard --port "$PORT" >"$TMP/mesim.log" 2>&1 &
_PIDS+=($!)
check "mesim shard starts" wait_port "$PORT"
URL=http://127.0.0.1:$PORT

# ---- constant arrival rate, slow from 3 s to 5 s, scraped ----
cat >"$TMP/steady.lua" <<'LUA'
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"
local match_latency = lt.metrics.trend("match_latency_ms", true)
options = {
  scenarios = {
    steady = { executor = "constant-arrival-rate", rate = 20, timeUnit = "1s", duration = "9s",
               preAllocatedVUs = 20, maxVUs = 40 },
  },
  timeline = {
    { at = "3s", exec = "slow", tags = { phase = "slow" } },
    { at = "5s", exec = "fast", tags = { phase = "after" } },
  },
}
local function delay(ms)
  local r = lt.http.post(cfg.ME_SHARD_A_URL .. "/admin/delay", lt.json.encode({ ms = ms }),
                         { headers = cfg.JSON_HEADERS })
  assert(r.status == 200, "POST /admin/delay: " .. tostring(r.status))
end
function slow() delay(250) end
function fast() delay(0) end
function setup() seed.direct(cfg.SHARD_A_SYMBOLS, 50, 5, cfg.ME_SHARD_A_URL) end
function default()
  local order, kind = orders.next(orders.random_shard_a_symbol())
  submit.order(cfg.ME_SHARD_A_URL, order, kind, { latency = match_latency })
end
LUA
start=$SECONDS
"$LT" -s "$TMP/steady.lua" -e ME_SHARD_A_URL="$URL" -q --scrape "$URL/metrics" \
    --scrape-filter 'me_matches_total' --summary-export "$TMP/steady.json" \
    >"$TMP/steady.out" 2>"$TMP/steady.err"
rc=$?
expect_eq "constant-arrival-rate run exits 0" 0 "$rc"
[ $rc -eq 0 ] || tail -n 20 "$TMP/steady.err"
expect_num "run time (s)" $((SECONDS - start)) le 20
curl -sf "$URL/metrics" >"$TMP/after.txt"

python3 - "$TMP/steady.json" "$TMP/after.txt" >"$TMP/steady.check" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
tl = d["timeline"]
t, w = tl["t"], tl["interval_s"]
n = len(t)
def ok(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))
ok("interval_s is 1", w == 1, w)
ok("9-10 points for a 9 s run", 9 <= n <= 10, t)
ok("t is 1, 2, 3, ...", t == list(range(1, n + 1)), t)
arrays = [tl["http"][k] for k in tl["http"]]
for s in tl["scenarios"].values(): arrays += list(s.values())
for s in tl["trends"].values(): arrays += list(s.values())
arrays += [s["values"] for s in tl["scraped"]]
ok("every array as long as t", all(len(a) == n for a in arrays), [len(a) for a in arrays])
reqs = d["metrics"]["http_reqs"]["values"]["count"]
ok("sum of http.reqs = http_reqs count", sum(tl["http"]["reqs"]) == reqs, (sum(tl["http"]["reqs"]), reqs))
failed = d["metrics"].get("http_req_failed", {}).get("values", {}).get("passes", 0)
ok("sum of http.failed = http_req_failed passes", sum(tl["http"]["failed"]) == failed,
   (sum(tl["http"]["failed"]), failed))
sc = tl["scenarios"]["steady"]
ok("sum of iterations = the scenario's", sum(sc["iterations"]) == d["scenarios"]["steady"]["iterations"],
   (sum(sc["iterations"]), d["scenarios"]["steady"]["iterations"]))
inside = [r for tt, r in zip(t, sc["target_rate"]) if tt < 9]  # at 9 s the 9 s schedule is over: 0 there is right
ok("target_rate is the plan's 20/s within the schedule", inside and all(r == 20 for r in inside),
   sc["target_rate"])
ml = tl["trends"]["match_latency_ms"]
ok("match_latency_ms counts add up", sum(ml["count"]) == d["metrics"]["match_latency_ms"]["values"]["count"],
   ml["count"])
# the slow window: mesim's delay is 250 ms from 3 s to 5 s
p99 = dict(zip(t, tl["http"]["p99_ms"]))
ok("p99 > 200 ms in the slow window's points (4, 5)", all((p99[k] or 0) > 200 for k in (4, 5)), p99)
calm = [k for k in t if k <= 2 or k >= 8]
ok("p99 < 150 ms outside it (points 1, 2, 8, ...)", calm and all(p99[k] is not None and p99[k] < 150 for k in calm), p99)
high = [k for k in t if (p99[k] or 0) > 200]
ok("the spike spans 2-4 points", 2 <= len(high) <= 4, high)
ev = tl["events"]
ok("two events", len(ev) == 2, ev)
if len(ev) == 2:
    ok("slow at 3 s (+- 1)", ev[0]["exec"] == "slow" and abs(ev[0]["t"] - 3) <= 1 and ev[0]["tags"] == {"phase": "slow"}, ev[0])
    ok("fast at 5 s (+- 1)", ev[1]["exec"] == "fast" and abs(ev[1]["t"] - 5) <= 1, ev[1])
# scraped: the per-second rate of me_matches_total, x interval, adds up to its increase
after = {}
for line in open(sys.argv[2]):
    m = re.match(r'me_matches_total\{(.*)\} (\S+)', line)
    if m: after[m.group(1)] = float(m.group(2))
per_s = [s for s in tl["scraped"] if s["metric"] == "me_matches_total_per_s"]
ok("me_matches_total_per_s is present", per_s, [s["metric"] for s in tl["scraped"]])
total_rate = sum(v or 0 for s in per_s for v in s["values"]) * w
total_inc = sum(after.values())
ok("some matches happened", total_inc > 0, total_inc)
ok("sum(values) x interval ~ increase (5%%): %.1f vs %.0f" % (total_rate, total_inc),
   abs(total_rate - total_inc) <= 0.05 * total_inc + 2, (total_rate, total_inc))
ok("not truncated", tl["scraped_truncated"] is False)
PY
while read -r status rest; do
    if [ "$status" == "ok" ]; then pass "$rest"; else fail "${rest%%:*}" "${rest#*:}"; fi
done <"$TMP/steady.check"
grep -q . "$TMP/steady.check" || fail "timeline checks ran" "$(cat "$TMP/steady.check")"

# ---- ramping arrival rate: 0 -> 40/s over 4 s, then 40/s for 2 s ----
cat >"$TMP/ramp.lua" <<'LUA'
local lt = require "lt"
options = {
  scenarios = {
    ramp = { executor = "ramping-arrival-rate", startRate = 0, timeUnit = "1s",
             preAllocatedVUs = 10, maxVUs = 20,
             stages = { { duration = "4s", target = 40 }, { duration = "2s", target = 40 } } },
  },
}
function default() lt.http.get(lt.env.URL .. "/health") end
LUA
"$LT" -s "$TMP/ramp.lua" -e URL="$URL" -q --summary-export "$TMP/ramp.json" \
    >"$TMP/ramp.out" 2>"$TMP/ramp.err"
rc=$?
expect_eq "ramping-arrival-rate run exits 0" 0 "$rc"
[ $rc -eq 0 ] || tail -n 20 "$TMP/ramp.err"
python3 - "$TMP/ramp.json" >"$TMP/ramp.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
tl = d["timeline"]
def ok(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))
tr = tl["scenarios"]["ramp"]["target_rate"]
it = tl["scenarios"]["ramp"]["iterations"]
ok("target_rate climbs over the first 4 points", all(tr[i] < tr[i + 1] for i in range(3)), tr)
ok("target_rate ~10/s at 1 s", abs(tr[0] - 10) < 1, tr)
ok("target_rate 40/s on the plateau (5 s)", abs(tr[4] - 40) < 0.5, tr)
ok("iterations grow with the ramp", it[0] < it[2] < it[4], it)
# a sample joins the point of the collection that received it, up to 0.5 s late (workers hand
# samples over twice a second), so one point may hold part of the next: compare two points
ok("iterations on the plateau ~40/point (points 5, 6)", 30 <= (it[4] + it[5]) / 2 <= 50, it)
ok("sum of iterations = the scenario's", sum(it) == d["scenarios"]["ramp"]["iterations"],
   (sum(it), d["scenarios"]["ramp"]["iterations"]))
ok("sum of http.reqs = http_reqs count", sum(tl["http"]["reqs"]) == d["metrics"]["http_reqs"]["values"]["count"])
PY
while read -r status rest; do
    if [ "$status" == "ok" ]; then pass "$rest"; else fail "${rest%%:*}" "${rest#*:}"; fi
done <"$TMP/ramp.check"
grep -q . "$TMP/ramp.check" || fail "ramp checks ran" "$(cat "$TMP/ramp.check")"
finish
