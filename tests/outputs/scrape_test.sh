#!/usr/bin/env bash
# scrape_test.sh — `--scrape URL` / `options.scrape`: lt reads mesim's /metrics during a B4 run and
# keeps the series as gauges; the per-shard counters in the summary equal mesim's own after the
# run, and the per-second rates add up to the orders lt sent to each shard. A failing or hostile
# endpoint is a warning, never a failed test.
source "$(dirname "$0")/../lib.sh"

[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
[ -x "$MESIM" ] || { fail "mesim built" "$MESIM missing"; finish; }
check "mesim cluster starts" start_mesim_cluster

A=http://127.0.0.1:$SHARD_A_PORT/metrics
B=http://127.0.0.1:$SHARD_B_PORT/metrics
C=http://127.0.0.1:$SHARD_C_PORT/metrics

# ---- B4 through the gateway, scraping the three shards ----
start=$SECONDS
"$LT" -s "$ROOT/lua/b4_hot_symbol.lua" -e GATEWAY_URL="http://127.0.0.1:$GW_PORT" --time-scale 0.05 \
    --scrape "$A" --scrape "$B" --scrape "$C" --scrape-filter 'me_orders_total' \
    --summary-export "$TMP/s.json" --out "lt-json=$TMP/ts.ndjson" >"$TMP/b4.out" 2>"$TMP/b4.err"
rc=$?
expect_eq "B4 with --scrape exits 0" 0 "$rc"
[ $rc -eq 0 ] || tail -n 20 "$TMP/b4.err"
expect_num "B4 run time (s)" $((SECONDS - start)) le 25
if grep -q '^lt: scrape' "$TMP/b4.err"; then fail "no scrape warnings" "$(grep '^lt: scrape' "$TMP/b4.err")"
else pass "no scrape warnings"; fi
for p in $SHARD_A_PORT $SHARD_B_PORT $SHARD_C_PORT; do
    curl -sf "http://127.0.0.1:$p/metrics" >"$TMP/after-$p.txt"
done

python3 - "$TMP/s.json" "$TMP/ts.ndjson" "$TMP/after-$SHARD_A_PORT.txt" "$TMP/after-$SHARD_B_PORT.txt" \
    "$TMP/after-$SHARD_C_PORT.txt" >"$TMP/cmp.out" 2>&1 <<'PY'
import collections, json, re, sys
summary = json.load(open(sys.argv[1]))
points = [json.loads(l) for l in open(sys.argv[2])]
# mesim's own counters after the run, per shard
mesim = collections.Counter()
for path in sys.argv[3:]:
    for line in open(path):
        m = re.match(r'me_orders_total\{shard="(\w+)",.*\} (\d+)', line)
        if m: mesim[m.group(1)] += int(m.group(2))
# lt's gauges in the summary's series
gauges = collections.Counter()
targets = set()
for s in summary["series"]:
    if s["metric"] == "me_orders_total":
        gauges[s["tags"]["shard"]] += s["values"]["value"]
        targets.add(s["tags"]["target"])
    assert s["metric"] != "me_orderbook_depth", "--scrape-filter keeps only me_orders_total"
bad = []
if set(mesim) != {"a", "b", "c"}: bad.append("mesim shards %r" % dict(mesim))
for shard in "abc":
    if gauges[shard] != mesim[shard]:
        bad.append("shard %s: summary gauge %r, mesim %r" % (shard, gauges[shard], mesim[shard]))
if len(targets) != 3: bad.append("targets %r" % targets)
# the orders lt sent to each shard (200s to POST /orders, tagged by the script)
sent = collections.Counter()
for s in summary["series"]:
    t = s["tags"]
    if s["metric"] == "http_reqs" and t.get("status") == "200" and t.get("method") == "POST" \
       and "/orders" in t.get("name", t.get("url", "")) and t.get("shard") in ("a", "b", "c"):
        sent[t["shard"]] += s["values"]["count"]
# per-second rates in the time series: sum(rate * dt) per shard
integral = collections.Counter()
per_collection = collections.Counter()  # (shard, collection time): sum over its series of rate*dt
npoints = 0
for p in points:
    if p.get("type") == "point" and p["metric"] == "me_orders_total_per_s":
        assert p["metric_type"] == "gauge"
        integral[p["tags"]["shard"]] += p["value"] * p["dt"]
        per_collection[(p["tags"]["shard"], p["t"])] += p["value"] * p["dt"]
        npoints += 1
largest = collections.Counter()  # a shard's largest one-collection contribution (all its symbols)
for (shard, _), v in per_collection.items(): largest[shard] = max(largest[shard], v)
if npoints < 3 * 10: bad.append("only %d rate points" % npoints)
# A rate is increase / seconds between the scrapes it spans (scrape.h); the integral weighs it by
# the collection interval instead, so it is exact only in the middle of the run. At the edges it is
# not: the first rate spans 0.5 s (from the baseline) and counts for a 1 s interval, the last spans
# up to a second and counts for the final collection's few ms; on a busy machine a late scrape also
# moves one interval's worth. So the bound is two of the shard's largest one-collection
# contributions (all its symbols together), at least 6 or 3%. Measured: shard b at ~7/s summed
# 108.1 against 102 sent (twice, under load; one series' largest point was the old, too small,
# bound); quiet runs 84.0/83 and 89.0. A doubled or lost rate (2x or 0x the ~100 sent) still fails.
for shard in "abc":
    diff = abs(integral[shard] - sent[shard])
    if diff > max(6, 0.03 * sent[shard], 2 * largest[shard]):
        bad.append("shard %s: sum(rate*dt) %.1f, orders sent %d" % (shard, integral[shard], sent[shard]))
total = sum(integral.values())
share_a = integral["a"] / total if total else 0
if abs(share_a - 0.855) > 0.05: bad.append("shard a share %.3f, expected ~0.855" % share_a)
print("mesim %s; gauges %s; sent %s; sum(rate*dt) %s; largest one-collection %s; shard a %.1f%%; %d rate points" % (
    dict(mesim), dict(gauges), dict(sent), {k: round(v, 1) for k, v in integral.items()},
    {k: round(v, 1) for k, v in largest.items()}, 100 * share_a, npoints))
for b in bad: print("MISMATCH", b)
sys.exit(1 if bad else 0)
PY
if [ $? -eq 0 ]; then pass "B4: gauges = mesim's counters, rates add up per shard ($(tail -n 1 "$TMP/cmp.out"))"
else fail "B4: gauges = mesim's counters, rates add up per shard" "$(cat "$TMP/cmp.out")"; fi

# ---- options.scrape in a script (both forms), a failing endpoint, an invalid option ----
DEAD=$(free_port)
cat >"$TMP/opt.lua" <<'LUA'
local http = require("lt").http
options = { vus = 1, duration = "3s",
  scrape = { urls = { lt.env.SCRAPE_URL }, metrics = { "me_orderbook_*", "me_matches_total" } } }
function default() http.get(lt.env.SCRAPE_URL) lt.sleep(0.2) end
LUA
"$LT" -s "$TMP/opt.lua" -e SCRAPE_URL="$A" --summary-export "$TMP/opt.json" -q >/dev/null 2>"$TMP/opt.err"
expect_eq "options.scrape {urls, metrics}: exits 0" 0 "$?"
check "options.scrape: depth and levels gauges, matches rate, nothing else" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {s["metric"] for s in d["series"] if s["tags"].get("target")}
assert names == {"me_orderbook_depth", "me_orderbook_levels", "me_matches_total", "me_matches_total_per_s"}, names
' "$TMP/opt.json"

cat >"$TMP/list.lua" <<LUA
options = { vus = 1, duration = "2s", scrape = { "$A", "http://127.0.0.1:$DEAD/metrics" } }
function default() lt.sleep(0.2) end
LUA
"$LT" -s "$TMP/list.lua" --summary-export "$TMP/list.json" -q >/dev/null 2>"$TMP/list.err"
expect_eq "options.scrape as a list, one endpoint down: exits 0" 0 "$?"
expect_eq "a failing endpoint: one warning during the run" 1 \
    "$(grep -c "^lt: scrape http://127.0.0.1:$DEAD/metrics: .*the run goes on" "$TMP/list.err")"
expect_match "a failing endpoint: counted at the end" "^lt: scrape http://127.0.0.1:$DEAD/metrics: [0-9]+ of [0-9]+ scrapes failed" "$TMP/list.err"
check "the live endpoint is still kept (all of it: no filter)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {s["metric"] for s in d["series"] if s["tags"].get("target")}
assert {"me_orders_total", "me_orderbook_depth", "me_events_pending"} <= names, names
assert not any(n.endswith("_bucket") for n in names), names
' "$TMP/list.json"

cat >"$TMP/badopt.lua" <<'LUA'
options = { vus = 1, duration = "1s", scrape = { urls = { 42 } } }
function default() end
LUA
"$LT" -s "$TMP/badopt.lua" -q >/dev/null 2>"$TMP/badopt.err"
expect_eq "options.scrape with a number: exit 104" 104 "$?"
expect_match "options.scrape with a number: says why" "scrape.urls: must be a list of strings" "$TMP/badopt.err"
"$LT" inspect "$TMP/badopt.lua" >/dev/null 2>"$TMP/badopt_inspect.err"
expect_eq "options.scrape with a number: lt inspect refuses it too (the plan parses it), exit 104" 104 "$?"
expect_match "lt inspect: says why" "scrape.urls: must be a list of strings" "$TMP/badopt_inspect.err"
printf 'options = { vus = 1, duration = "1s" }\nfunction default() end\n' >"$TMP/plain.lua"
"$LT" -s "$TMP/plain.lua" --scrape "ftp://x/metrics" -q >/dev/null 2>"$TMP/badurl.err"
expect_eq "--scrape with a bad URL: exit 104" 104 "$?"
expect_match "--scrape with a bad URL: says which" "ftp://x/metrics" "$TMP/badurl.err"

# ---- hostile endpoints: oversized, trickling, garbage, 500 ----
HPORT=$(free_port)
python3 - "$HPORT" >"$TMP/hostile.log" 2>&1 <<'PY' &
import socket, sys, threading, time, random
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(64)
def handle(c):
    try:
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d: return
            req += d
        path = req.split(b" ")[1]
        if path == b"/huge":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9437184\r\n\r\n")
            chunk = b"x 1\n" * 16384
            for _ in range(9437184 // len(chunk)): c.sendall(chunk)
        elif path == b"/trickle":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(1000): c.sendall(b"a"); time.sleep(0.3)
        elif path == b"/garbage":
            body = bytes(random.getrandbits(8) for _ in range(20000)) + b"\nok_metric 7\n"
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        elif path == b"/error":
            c.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")
        else:
            c.sendall(b"not http at all\r\n\r\n")
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
_PIDS+=($!)
wait_port "$HPORT"
H=http://127.0.0.1:$HPORT
cat >"$TMP/h.lua" <<'LUA'
options = { vus = 1, duration = "3s" }
function default() lt.sleep(0.2) end
LUA
start=$SECONDS
"$LT" -s "$TMP/h.lua" --scrape "$H/huge" --scrape "$H/trickle" --scrape "$H/garbage" --scrape "$H/error" \
    --scrape "$H/nothttp" --scrape "$A" --scrape-filter 'ok_metric' --scrape-filter 'me_orders_total' \
    --summary-export "$TMP/h.json" -q >/dev/null 2>"$TMP/h.err"
rc=$?
[ $rc -eq 0 ] || tail -n 20 "$TMP/h.err"
expect_eq "hostile endpoints: exits 0" 0 "$rc"
expect_num "hostile endpoints: bounded (run time, s)" $((SECONDS - start)) le 9
for w in "huge: .*larger than 8 MB" "trickle: no complete answer within 2 s" "error: HTTP 500" "nothttp: "; do
    expect_match "hostile endpoints: warns about /${w%%:*}" "^lt: scrape $H/$w" "$TMP/h.err"
done
check "hostile endpoints: the good series survive (garbage's ok_metric, mesim's counters)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {s["metric"] for s in d["series"] if s["tags"].get("target")}
assert {"ok_metric", "me_orders_total"} <= names, names
' "$TMP/h.json"
finish
