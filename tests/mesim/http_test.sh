#!/usr/bin/env bash
# mesim over HTTP: the order contract, every kind of bad input, 413, a 40,000-order seed, reset,
# the gateway's routing and its 502, metrics (promtool + counters), the broker pause, the service
# delay, and the CLI. Everything listens on 127.0.0.1 and is stopped at exit.
. "$(dirname "$0")/../lib.sh"

[ -x "$MESIM" ] || { fail "mesim binary at $MESIM" "build it with: make bin/mesim"; finish; }

# req METHOD URL [DATA]: CODE gets the status, $TMP/body the body. DATA may be @file.
req() {
    local args=(-s -o "$TMP/body" -w '%{http_code}' --max-time 20 -X "$1")
    [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    CODE=$(curl "${args[@]}" "$2") || CODE=000
}
order() { printf '{"orderId":"%s","symbol":"%s","side":"%s","type":"LIMIT","price":%s,"quantity":%s}' "$@"; }
# metric URL SAMPLE: the value of one sample line (exact name and labels), or "absent".
metric() { curl -s --max-time 10 "$1/metrics" | awk -v k="$2" '$1 == k { v = $2 } END { print v == "" ? "absent" : v }'; }
body_has() { grep -q -- "$1" "$TMP/body"; }
# poll_metric URL SAMPLE OP BOUND SECONDS: waits until the sample satisfies OP BOUND.
poll_metric() {
    local deadline=$((SECONDS + $5)) v
    while :; do
        v=$(metric "$1" "$2")
        awk -v v="$v" -v b="$4" -v op="$3" 'BEGIN { exit !((op == "eq" && v == b) || (op == "gt" && v + 0 > b + 0)) }' && { echo "$v"; return 0; }
        [ $SECONDS -ge "$deadline" ] && { echo "$v"; return 1; }
        sleep 0.05
    done
}

start_mesim_cluster || { fail "cluster starts" "$(cat "$TMP/mesim.log")"; finish; }
CLUSTER_PID=${_PIDS[${#_PIDS[@]} - 1]}
GW=http://127.0.0.1:$GW_PORT
SA=http://127.0.0.1:$SHARD_A_PORT
SB=http://127.0.0.1:$SHARD_B_PORT
SC=http://127.0.0.1:$SHARD_C_PORT
pass "cluster listens on $GW_PORT and shards $SHARD_A_PORT,$SHARD_B_PORT,$SHARD_C_PORT"

# ---- the order contract (through the gateway) ----
req GET "$GW/health"; expect_eq "gateway /health" 200 "$CODE"
req GET "$SA/health"; expect_eq "shard /health" 200 "$CODE"

req POST "$GW/orders" "$(order s1 TEST-ASSET-A SELL 10000 5)"
expect_eq "resting sell accepted" 200 "$CODE"
expect_eq "resting sell body" "ACCEPTED [] 5 s1" \
    "$(json_get "$TMP/body" 'd["status"], d["fills"], d["remaining"], d["orderId"]' | tr -d "(),'")"
req POST "$GW/orders" "$(order s2 TEST-ASSET-A SELL 10100 5)"
req POST "$GW/orders" "$(order s3 TEST-ASSET-A SELL 10100 5)"
req POST "$GW/orders" "$(order b1 TEST-ASSET-A BUY 10100 7)"
expect_eq "crossing buy fills best price first, then time order" \
    "10000:5:s1 10100:2:s2 | 0" \
    "$(json_get "$TMP/body" '" ".join("%d:%d:%s" % (f["price"], f["quantity"], f["restingOrderId"]) for f in d["fills"]) + " | " + str(d["remaining"])')"
req POST "$GW/orders" "$(order b2 TEST-ASSET-A BUY 10200 10)"
expect_eq "partial fill across the level, remainder rests" "10100:3:s2 10100:5:s3 | 2" \
    "$(json_get "$TMP/body" '" ".join("%d:%d:%s" % (f["price"], f["quantity"], f["restingOrderId"]) for f in d["fills"]) + " | " + str(d["remaining"])')"
req POST "$GW/orders" "$(order b3 TEST-ASSET-A BUY 9000 4)"
expect_eq "non-crossing buy rests whole" "0 4" "$(json_get "$TMP/body" 'len(d["fills"]), d["remaining"]' | tr -d '(),')"
expect_eq "depth: 2 resting bids" 2 "$(metric "$SA" 'me_orderbook_depth{shard="a",symbol="TEST-ASSET-A",side="BUY"}')"
expect_eq "depth: no resting asks" 0 "$(metric "$SA" 'me_orderbook_depth{shard="a",symbol="TEST-ASSET-A",side="SELL"}')"
expect_eq "matches counted one per fill" 4 "$(metric "$SA" 'me_matches_total{shard="a",symbol="TEST-ASSET-A"}')"
expect_eq "orders counted by side (BUY)" 3 "$(metric "$SA" 'me_orders_total{shard="a",symbol="TEST-ASSET-A",side="BUY"}')"
expect_eq "orders counted by side (SELL)" 3 "$(metric "$SA" 'me_orders_total{shard="a",symbol="TEST-ASSET-A",side="SELL"}')"
req POST "$SA/orders" '{"orderId":"q\"u\\ote","symbol":"TEST-ASSET-D","side":"SELL","type":"LIMIT","price":5,"quantity":1}'
expect_eq "order ids are JSON-escaped in replies" 'q"u\ote' "$(json_get "$TMP/body" 'd["orderId"]')"

# ---- bad input: each 400 names the field; the book does not change ----
depth_before=$(curl -s "$SA/metrics" | grep '^me_orderbook_depth')
good='"orderId":"x1","symbol":"TEST-ASSET-A","side":"BUY","type":"LIMIT","price":100'
bad_cases=(
    'body|{"orderId":"x1",'
    'body|not json at all'
    'body|'
    'order|[1,2,3]'
    'order|"just a string"'
    "orderId|{\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "orderId|{\"orderId\":\"\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "orderId|{\"orderId\":42,\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "orderId|{\"orderId\":\"$(printf 'x%.0s' {1..65})\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "symbol|{\"orderId\":\"x1\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "symbol|{\"orderId\":\"x1\",\"symbol\":7,\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "symbol|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-E\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "symbol|{\"orderId\":\"x1\",\"symbol\":\"bad symbol!\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "side|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-A\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "side|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"HOLD\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "side|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"buy\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "type|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"price\":1,\"quantity\":1}"
    "type|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"MARKET\",\"price\":1,\"quantity\":1}"
    "price|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":1}"
    "price|{$good,\"quantity\":1}" # placeholder replaced below
    "quantity|{$good}"
    "quantity|{$good,\"quantity\":0}"
    "quantity|{$good,\"quantity\":-3}"
    "quantity|{$good,\"quantity\":2.5}"
    "quantity|{$good,\"quantity\":\"5\"}"
    "quantity|{$good,\"quantity\":1e300}"
    "quantity|{$good,\"quantity\":null}"
)
# prices: 0, negative, fractional, string, huge, bool
for p in 0 -1 1.5 '"100"' 1e20 true; do
    bad_cases+=("price|{\"orderId\":\"x1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":$p,\"quantity\":1}")
done
unset 'bad_cases[19]'
n_bad=0
declare -A rejected_by_field=()
for c in "${bad_cases[@]}"; do
    field=${c%%|*} body=${c#*|}
    req POST "$SA/orders" "$body"
    n_bad=$((n_bad + 1))
    rejected_by_field[$field]=$((${rejected_by_field[$field]:-0} + 1))
    got=$(json_get "$TMP/body" 'd["status"] + " " + d["field"] + " " + str(d["field"] in d["reason"])' 2>/dev/null)
    if [ "$CODE" = 400 ] && [ "$got" = "REJECTED $field True" ]; then
        pass "400 naming $field for: ${body:0:60}"
    else
        fail "400 naming $field for: ${body:0:60}" "got $CODE $(head -c 300 "$TMP/body")"
    fi
done
expect_eq "bad input left the books alone" "$depth_before" "$(curl -s "$SA/metrics" | grep '^me_orderbook_depth')"
for f in "${!rejected_by_field[@]}"; do
    expect_eq "me_orders_rejected_total counts $f" "${rejected_by_field[$f]}" \
        "$(metric "$SA" "me_orders_rejected_total{shard=\"a\",field=\"$f\"}")"
done
req GET "$SA/orders"; expect_eq "GET /orders is refused" 405 "$CODE"
req GET "$SA/nope"; expect_eq "unknown path is 404" 404 "$CODE"
req POST "$SA/admin/delay" '{"ms":-1}'; expect_eq "bad delay is 400 naming ms" "400 ms" "$CODE $(json_get "$TMP/body" 'd["field"]')"

# ---- strict text and unique ids: 400 naming the field, 409 for an id still resting ----
strict_cases=(
    "body|{\"orderId\":\"t1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}garbage"
    "price|{\"orderId\":\"t1\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":9007199254740993,\"quantity\":1}"
    "orderId|{\"orderId\":\"t1\\u0000x\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
    "orderId|{\"orderId\":\"t1$(printf '\xff')\",\"symbol\":\"TEST-ASSET-A\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}"
)
for c in "${strict_cases[@]}"; do
    field=${c%%|*} body=${c#*|}
    req POST "$SA/orders" "$body"
    check "strict: 400 naming $field, valid UTF-8 JSON reply: ${body:0:50}" python3 -c '
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
sys.exit(0 if sys.argv[2] == "400" and d["field"] == sys.argv[3] and d["status"] == "REJECTED" else 1)' "$TMP/body" "$CODE" "$field"
done
expect_eq "strict: bad text left the books alone" "$depth_before" "$(curl -s "$SA/metrics" | grep '^me_orderbook_depth')"
req POST "$SA/orders" "$(order dup1 TEST-ASSET-C SELL 7000 5)"; expect_eq "dup1 rests" 200 "$CODE"
req POST "$SA/orders" "$(order dup1 TEST-ASSET-C BUY 7000 5)"
expect_eq "a BUY with the id of a resting SELL is 409 naming orderId" "409 orderId" "$CODE $(json_get "$TMP/body" 'd["field"]')"
req POST "$SA/orders" "$(order dup1 TEST-ASSET-A SELL 7000 5)"
expect_eq "the id is unique across the shard's symbols" 409 "$CODE"
expect_eq "no self-trade: dup1 still rests" 1 "$(metric "$SA" 'me_orderbook_depth{shard="a",symbol="TEST-ASSET-C",side="SELL"}')"
req POST "$SA/orders" "$(order dup-taker TEST-ASSET-C BUY 7000 5)"
req POST "$SA/orders" "$(order dup1 TEST-ASSET-C SELL 7100 1)"
expect_eq "once filled, the id is free again" 200 "$CODE"
req POST "$SA/seed" '{"orders":[{"orderId":"dup1","symbol":"TEST-ASSET-C","side":"SELL","type":"LIMIT","price":7200,"quantity":1},{"orderId":"sd1","symbol":"TEST-ASSET-C","side":"SELL","type":"LIMIT","price":7200,"quantity":1},{"orderId":"sd1","symbol":"TEST-ASSET-C","side":"SELL","type":"LIMIT","price":7300,"quantity":1}]}'
expect_eq "seed skips ids still resting and says how many" "200 1 2" "$CODE $(json_get "$TMP/body" 'd["seeded"], d["duplicates"]' | tr -d '(),')"
req POST "$SA/admin/reset"
# ---- 413 ----
python3 -c 'import sys; sys.stdout.write("{\"orderId\":\"" + "x" * 70000 + "\"}")' >"$TMP/big.json"
req POST "$SA/orders" "@$TMP/big.json"
expect_eq "70 KB /orders body is 413" "413 body" "$CODE $(json_get "$TMP/body" 'd["field"]' 2>/dev/null)"
req POST "$GW/orders" "@$TMP/big.json"
expect_eq "70 KB /orders body through the gateway is 413" 413 "$CODE"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$TMP/huge.json"
req POST "$SA/seed" "@$TMP/huge.json"
expect_eq "17 MB /seed body is 413" 413 "$CODE"
req GET "$SA/health"; expect_eq "shard still up after the 413s" 200 "$CODE"

# ---- a 40,000-order (~4 MB) seed through the gateway ----
python3 - "$TMP/seed.json" <<'EOF'
import json, sys
orders = []
for i in range(40000):
    buy = i % 2 == 0
    orders.append({"orderId": "seed-%06d" % i, "symbol": "TEST-ASSET-B",
                   "side": "BUY" if buy else "SELL", "type": "LIMIT",
                   "price": (5000 - i % 500) if buy else (6000 + i % 500), "quantity": 1 + i % 9})
open(sys.argv[1], "w").write(json.dumps({"orders": orders}))
EOF
size=$(stat -c %s "$TMP/seed.json")
expect_num "seed body is about 4 MB" "$size" ge 4000000
t0=$(date +%s.%N)
req POST "$GW/seed/a" "@$TMP/seed.json"
t1=$(date +%s.%N)
expect_eq "seed answers seeded:40000" "200 40000" "$CODE $(json_get "$TMP/body" 'd["seeded"]')"
expect_num "seed took seconds" "$(awk -v a="$t0" -v b="$t1" "BEGIN { print b - a }")" lt 5
expect_eq "seeded bids rest" 20000 "$(metric "$SA" 'me_orderbook_depth{shard="a",symbol="TEST-ASSET-B",side="BUY"}')"
expect_eq "seeded asks rest" 20000 "$(metric "$SA" 'me_orderbook_depth{shard="a",symbol="TEST-ASSET-B",side="SELL"}')"
req POST "$SA/seed" '{"orders":[{"orderId":"ok","symbol":"TEST-ASSET-B","side":"BUY","type":"LIMIT","price":1,"quantity":1},{"orderId":"bad","symbol":"TEST-ASSET-B","side":"BUY","type":"LIMIT","price":0,"quantity":1}]}'
expect_eq "a bad seed order is 400 naming it" "400 orders[1].price" "$CODE $(json_get "$TMP/body" 'd["field"]')"
expect_eq "a bad seed applies nothing" 20000 "$(metric "$SA" 'me_orderbook_depth{shard="a",symbol="TEST-ASSET-B",side="BUY"}')"
req POST "$SA/seed" '{"orders":5}'; expect_eq "seed without an orders array is 400" "400 orders" "$CODE $(json_get "$TMP/body" 'd["field"]')"
req POST "$GW/seed/zz" '{"orders":[]}'
expect_eq "gateway: unknown shard is 400 naming it" "400 True" "$CODE $(json_get "$TMP/body" '"zz" in d["reason"]')"

# ---- reset: books empty, counters keep counting ----
orders_before=$(metric "$SA" 'me_orders_total{shard="a",symbol="TEST-ASSET-B",side="BUY"}')
req POST "$SA/admin/reset"; expect_eq "reset answers 200" 200 "$CODE"
expect_eq "reset empties the books" 0 "$(curl -s "$SA/metrics" | awk '/^me_orderbook_depth/ { s += $2 } END { print s + 0 }')"
expect_eq "reset keeps counters" "$orders_before" "$(metric "$SA" 'me_orders_total{shard="a",symbol="TEST-ASSET-B",side="BUY"}')"
req POST "$GW/orders" "$(order after-reset TEST-ASSET-A SELL 1 1)"
expect_eq "book usable after reset" "200 []" "$CODE $(json_get "$TMP/body" 'd["fills"]')"

# ---- gateway routing ----
req POST "$GW/orders" "$(order r1 TEST-ASSET-F BUY 100 1)"; expect_eq "TEST-ASSET-F routed" 200 "$CODE"
req POST "$GW/orders" "$(order r2 TEST-ASSET-K SELL 100 1)"; expect_eq "TEST-ASSET-K routed" 200 "$CODE"
expect_eq "TEST-ASSET-F went to shard b" 1 "$(metric "$SB" 'me_orders_total{shard="b",symbol="TEST-ASSET-F",side="BUY"}')"
expect_eq "TEST-ASSET-K went to shard c" 1 "$(metric "$SC" 'me_orders_total{shard="c",symbol="TEST-ASSET-K",side="SELL"}')"
req POST "$GW/orders" "$(order r3 TEST-ASSET-Q BUY 100 1)"
expect_eq "gateway: unknown symbol is 400 naming it" "400 symbol True" "$CODE $(json_get "$TMP/body" 'd["field"] + " " + str("TEST-ASSET-Q" in d["reason"])')"
req POST "$GW/orders" "$(order r4 TEST-ASSET-A BUY 0 1)"
expect_eq "gateway forwards the shard's 400 unchanged" "400 price" "$CODE $(json_get "$TMP/body" 'd["field"]')"

# ---- metrics: promtool accepts them, counters match what was sent ----
for u in "$GW" "$SA" "$SB" "$SC"; do
    curl -s "$u/metrics" >"$TMP/metrics.txt"
    check "promtool accepts $u/metrics" sh -c 'promtool check metrics <"$1"' _ "$TMP/metrics.txt"
done
curl -s "$SA/metrics" >"$TMP/a.txt"
for l in 'me_match_duration_seconds_bucket{shard="a",le="+Inf"}' 'me_match_duration_seconds_count{shard="a"}'; do
    expect_eq "histogram $l counts every matched order" \
        "$(awk '/^me_orders_total/ { s += $2 } END { print s }' "$TMP/a.txt")" "$(awk -v k="$l" '$1 == k { print $2 }' "$TMP/a.txt")"
done
expect_match "histogram has microsecond buckets" 'me_match_duration_seconds_bucket\{shard="a",le="1e-06"\}' "$TMP/a.txt"
for name in me_events_published_total me_events_pending me_events_dropped_total me_broker_paused; do
    expect_match "shard exports $name" "^$name\{shard=\"a\"\} " "$TMP/a.txt"
done
# gateway: a got 6 orders + 1 bad + reset order + seed (200) + bad r4; b 1, c 1 (all 200)
expect_eq "gw_requests_total shard a 200" 8 "$(metric "$GW" 'gw_requests_total{shard="a",code="200"}')"
expect_eq "gw_requests_total shard a 400" 1 "$(metric "$GW" 'gw_requests_total{shard="a",code="400"}')"
expect_eq "gw_requests_total shard b 200" 1 "$(metric "$GW" 'gw_requests_total{shard="b",code="200"}')"
expect_eq "gw_requests_total shard c 200" 1 "$(metric "$GW" 'gw_requests_total{shard="c",code="200"}')"
expect_eq "gw_requests_total gateway's own 400s" 2 "$(metric "$GW" 'gw_requests_total{shard="none",code="400"}')"

# ---- delay: honoured, and it does not block other requests ----
req POST "$SC/admin/delay" '{"ms":700}'; expect_eq "POST /admin/delay" "200 700" "$CODE $(json_get "$TMP/body" 'd["delayMs"]')"
python3 - "$GW" "$SC" >"$TMP/delay.out" 2>&1 <<'EOF'
import json, sys, threading, time, urllib.request
gw, sc = sys.argv[1], sys.argv[2]
def post(url, body, out, k):
    t = time.monotonic()
    r = urllib.request.urlopen(urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"}), timeout=10)
    r.read()
    out[k] = (r.status, time.monotonic() - t)
def order(i):
    return {"orderId": "d%d" % i, "symbol": "TEST-ASSET-I", "side": "BUY", "type": "LIMIT", "price": 10, "quantity": 1}
res = {}
t0 = time.monotonic()
ths = [threading.Thread(target=post, args=(gw + "/orders", order(i), res, "gw%d" % i)) for i in range(4)]
ths += [threading.Thread(target=post, args=(sc + "/orders", order(9), res, "direct"))]
for t in ths: t.start()
time.sleep(0.1)
t = time.monotonic()
urllib.request.urlopen(sc + "/health", timeout=10).read()
health = time.monotonic() - t
for t in ths: t.join()
total = time.monotonic() - t0
print("health %.3f" % health)
print("min_order %.3f" % min(v[1] for v in res.values()))
print("total %.3f" % total)
print("codes %s" % sorted(set(v[0] for v in res.values())))
EOF
expect_eq "delayed orders answer 200" "[200]" "$(awk '/^codes/ { print $2 }' "$TMP/delay.out")"
expect_num "every delayed order waited the delay" "$(awk '/^min_order/ { print $2 }' "$TMP/delay.out")" ge 0.69
expect_num "/health answered while orders were delayed" "$(awk '/^health/ { print $2 }' "$TMP/delay.out")" lt 0.5
expect_num "5 concurrent delayed orders (4 via gateway) overlap" "$(awk '/^total/ { print $2 }' "$TMP/delay.out")" lt 1.4
req POST "$SC/admin/delay" '{"ms":0}'

# ---- broker pause: pending grows to the bound, drops counted, orders still fast ----
SP=$(free_port)
"$MESIM" shard --id p --port "$SP" --events-queue 1000 --events-file "$TMP/events.jsonl" >"$TMP/p.log" 2>&1 &
_PIDS+=($!)
wait_port "$SP"
S=http://127.0.0.1:$SP
python3 -c '
import json
print(json.dumps({"orders": [{"orderId": "m%d" % i, "symbol": "X", "side": "SELL", "type": "LIMIT", "price": 100 + i % 7, "quantity": 1} for i in range(1500)]}))' >"$TMP/p-seed.json"
req POST "$S/admin/broker/pause"; expect_eq "broker pause" 200 "$CODE"
expect_eq "me_broker_paused is 1" 1 "$(metric "$S" 'me_broker_paused{shard="p"}')"
req POST "$S/seed" "@$TMP/p-seed.json"
req POST "$S/orders" "$(order sweep1 X BUY 200 600)"
expect_eq "600 fills while paused" 600 "$(json_get "$TMP/body" 'len(d["fills"])')"
expect_eq "pending grows while paused" 600 "$(metric "$S" 'me_events_pending{shard="p"}')"
expect_eq "nothing published while paused" 0 "$(metric "$S" 'me_events_published_total{shard="p"}')"
t=$(curl -s -o "$TMP/body" -w '%{time_total}' -H 'Content-Type: application/json' --data-binary "$(order sweep2 X BUY 200 900)" "$S/orders")
expect_eq "orders still answer while the queue overflows" 900 "$(json_get "$TMP/body" 'len(d["fills"])')"
expect_num "an order answered fast while the broker is away (s)" "$t" lt 0.5
expect_eq "pending stops at the bound" 1000 "$(metric "$S" 'me_events_pending{shard="p"}')"
expect_eq "overflow counted as dropped" 500 "$(metric "$S" 'me_events_dropped_total{shard="p"}')"
req POST "$S/admin/broker/resume"; expect_eq "broker resume" 200 "$CODE"
v=$(poll_metric "$S" 'me_events_published_total{shard="p"}' eq 1000 5)
expect_eq "resume drains the backlog" 1000 "$v"
expect_eq "pending empties" 0 "$(metric "$S" 'me_events_pending{shard="p"}')"
expect_eq "events file holds the published events" 1000 "$(wc -l <"$TMP/events.jsonl")"
expect_eq "event lines are JSON fills" "X m0 sweep1 BUY" \
    "$(head -n 1 "$TMP/events.jsonl" | python3 -c 'import json,sys; e=json.loads(sys.stdin.read()); print(e["symbol"], e["restingOrderId"], e["takerOrderId"], e["takerSide"])')"
expect_eq "shard without --symbols takes any symbol" 2 "$(metric "$S" 'me_orders_total{shard="p",symbol="X",side="BUY"}')"

# ---- 502: a dead shard, the gateway stays up; it reconnects when the shard returns ----
DEAD=$(free_port)
G2=$(free_port)
SQ=$(free_port)
"$MESIM" gateway --port "$G2" --shard "a=127.0.0.1:$SQ" --shard "b=127.0.0.1:$DEAD" --route X=a >"$TMP/g2.log" 2>&1 &
_PIDS+=($!)
"$MESIM" shard --id a --port "$SQ" >"$TMP/q.log" 2>&1 &
QPID=$!
_PIDS+=($QPID)
wait_port "$G2" && wait_port "$SQ"
req POST "http://127.0.0.1:$G2/orders" "$(order g1 X BUY 1 1)"; expect_eq "--route X=a is honoured" 200 "$CODE"
req POST "http://127.0.0.1:$G2/orders" "$(order g2 TEST-ASSET-E BUY 1 1)"
expect_eq "shard at a dead port: 502 naming it" "502 True" "$CODE $(json_get "$TMP/body" '"shard b" in d["reason"]')"
kill "$QPID"; wait "$QPID"
expect_eq "shard exits 0 on SIGTERM" 0 "$?"
req POST "http://127.0.0.1:$G2/orders" "$(order g3 X BUY 1 1)"; expect_eq "stopped shard: 502" 502 "$CODE"
req POST "http://127.0.0.1:$G2/seed/a" '{"orders":[]}'; expect_eq "stopped shard: seed 502" 502 "$CODE"
req GET "http://127.0.0.1:$G2/health"; expect_eq "gateway stays up after 502s" 200 "$CODE"
"$MESIM" shard --id a --port "$SQ" >"$TMP/q2.log" 2>&1 &
_PIDS+=($!)
wait_port "$SQ"
req POST "http://127.0.0.1:$G2/orders" "$(order g4 X BUY 1 1)"; expect_eq "gateway reconnects to a returning shard" 200 "$CODE"
expect_eq "gw_requests_total counts 502s" 3 "$(( $(metric "http://127.0.0.1:$G2" 'gw_requests_total{shard="a",code="502"}') + $(metric "http://127.0.0.1:$G2" 'gw_requests_total{shard="b",code="502"}') ))"

# ---- --delay-ms on the command line ----
SD=$(free_port)
"$MESIM" shard --port "$SD" --delay-ms 300 >"$TMP/d.log" 2>&1 &
_PIDS+=($!)
wait_port "$SD"
t=$(curl -s -o /dev/null -w '%{time_total}' --data-binary "$(order dd X BUY 1 1)" "http://127.0.0.1:$SD/orders")
expect_num "--delay-ms 300 delays /orders" "$t" ge 0.29
t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$SD/metrics")
expect_num "--delay-ms leaves /metrics alone" "$t" lt 0.2

# ---- CLI ----
for c in shard gateway cluster; do
    "$MESIM" "$c" --help >"$TMP/help.txt" 2>&1
    expect_eq "mesim $c --help exits 0" 0 "$?"
done
"$MESIM" --help >"$TMP/help.txt"
expect_match "--help documents the default ports" '8080.*|8081' "$TMP/help.txt"
"$MESIM" cluster --help >"$TMP/help.txt"
expect_match "cluster --help documents 8081,8082,8083" '8081,8082,8083' "$TMP/help.txt"
"$MESIM" shard --bogus >"$TMP/err.txt" 2>&1; expect_eq "unknown option exits 2" 2 "$?"
expect_match "unknown option message" 'bogus' "$TMP/err.txt"
"$MESIM" shard --port 70000 >"$TMP/err.txt" 2>&1; expect_eq "bad port exits 2" 2 "$?"
expect_match "bad port message" 'invalid port' "$TMP/err.txt"
"$MESIM" cluster --shard-ports 1,2 >"$TMP/err.txt" 2>&1; expect_eq "two shard ports exit 2" 2 "$?"
"$MESIM" gateway --route X=zz --shard "a=127.0.0.1:$DEAD" --port "$(free_port)" >"$TMP/err.txt" 2>&1
expect_eq "route to an unknown shard exits 2" 2 "$?"
"$MESIM" frobnicate >/dev/null 2>&1; expect_eq "unknown command exits 2" 2 "$?"
"$MESIM" shard --port "$SD" >"$TMP/err.txt" 2>&1; expect_eq "port in use exits 1" 1 "$?"
expect_match "port in use message" 'cannot listen' "$TMP/err.txt"
P1=$(free_port) P2=$(free_port) P3=$(free_port) P4=$(free_port)
"$MESIM" cluster --port "$P1" --shard-ports "$P2,$P3,$P4" >"$TMP/c2.log" 2>&1 &
CPID=$!
_PIDS+=($CPID)
wait_port "$P1" && wait_port "$P4"
req POST "http://127.0.0.1:$P1/orders" "$(order i1 TEST-ASSET-L SELL 1 1)"
kill -INT "$CPID"; wait "$CPID"
expect_eq "cluster exits 0 on SIGINT" 0 "$?"
req GET "$GW/health"; expect_eq "the first cluster is still serving" 200 "$CODE"

# ---- clean stop; no sanitizer reports (for sanitizer builds) in any mesim log ----
kill -TERM "$CLUSTER_PID"; wait "$CLUSTER_PID"
expect_eq "cluster exits 0 on SIGTERM" 0 "$?"
for p in "${_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
check "no sanitizer reports in the mesim logs" \
    bash -c '! grep -E "Sanitizer|runtime error" "$@"' _ "$TMP"/*.log

finish
