#!/usr/bin/env bash
# scenarios/demo (make demo) and acceptance criterion 6: B4 sends 80% +/- 3% of its orders to
# TEST-ASSET-A (so ~85.5% to shard a), read from mesim's counters as the demo prints them.
# The demo must stop mesim however it ends: normally, when lt fails, and on Ctrl-C.
. "$(dirname "$0")/../lib.sh"
DEMO=$ROOT/scenarios/demo
port_closed() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
gw_port_of() { sed -n 's/.*gateway 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -n 1; }
shard_ports_of() { sed -n 's/.*shards a \([0-9]*\), b \([0-9]*\), c \([0-9]*\).*/\1 \2 \3/p' "$1" | head -n 1; }

DEMO_TIME_SCALE=0.05 LT="$LT" MESIM="$MESIM" timeout -k 5 120 "$DEMO" >"$TMP/demo.out" 2>&1
expect_eq "demo exits 0" 0 "$?"
expect_match "demo prints lt's summary" "http_req_duration" "$TMP/demo.out"
expect_match "demo prints the shares table" "lt reqs +share +mesim BUYs +share +expected" "$TMP/demo.out"
# rows: "TEST-ASSET-A   1008   80.1%   1008   80.1%   80.0%" (lt count, share, mesim count, share, expected)
row() { awk -v k="$1" -v k2="${2:-}" '($1 == k && k2 == "") || ($1 == k && $2 == k2)' "$TMP/demo.out" | tail -n 1; }
pa=$(row TEST-ASSET-A | awk '{ sub("%", "", $5); print $5 }')
sa=$(row shard a | awk '{ sub("%", "", $6); print $6 }')
lb=$(row TEST-ASSET-A | awk '{ sub("%", "", $3); print $3 }')
expect_num "B4: TEST-ASSET-A gets >= 77% of the orders (mesim)" "${pa:-0}" ge 77
expect_num "B4: TEST-ASSET-A gets <= 83% (mesim)" "${pa:-100}" le 83
expect_num "B4: shard a gets >= 82.5% (80% + 3/11 of 20% = 85.5%)" "${sa:-0}" ge 82.5
expect_num "B4: shard a gets <= 88.5%" "${sa:-100}" le 88.5
expect_num "B4: lt's own series agree (TEST-ASSET-A within 1% of mesim)" \
    "$(awk -v a="${lb:-0}" -v b="${pa:-0}" 'BEGIN { d = a - b; print d < 0 ? -d : d }')" le 1
check "demo wrote the JSON summary" test -s "$ROOT/results/demo/b4_hot_symbol.json"
gw=$(gw_port_of "$TMP/demo.out")
check "demo stopped mesim after a normal run (gateway port $gw closed)" port_closed "${gw:-1}"

# lt failing: mesim is still stopped
DEMO_TIME_SCALE=0.05 LT=/bin/false MESIM="$MESIM" timeout -k 5 60 "$DEMO" >"$TMP/fail.out" 2>&1
rc=$?
check "demo exits non-zero when lt fails (exit $rc)" test "$rc" -ne 0
gw=$(gw_port_of "$TMP/fail.out")
check "demo stopped mesim after lt failed" port_closed "${gw:-1}"

# Ctrl-C: SIGINT to the demo's process group (as a terminal does), once lt is running
set -m
DEMO_TIME_SCALE=0.05 LT="$LT" MESIM="$MESIM" "$DEMO" >"$TMP/int.out" 2>&1 &
pid=$!
set +m
deadline=$((SECONDS + 20))
until grep -q "demo: lt -s" "$TMP/int.out" 2>/dev/null || [ $SECONDS -ge $deadline ]; do sleep 0.1; done
read -r pa _ _ < <(shard_ports_of "$TMP/int.out")
# the load is under way once shard a has taken BUYs (the seeds are SELLs)
buys_seen() { curl -s --max-time 2 "http://127.0.0.1:$1/metrics" | awk '/^me_orders_total\{.*side="BUY"/ { s += $2 } END { exit !(s > 0) }'; }
await_cond 15 buys_seen "$pa" || fail "demo: the load started before Ctrl-C"
kill -INT -- "-$pid" 2>/dev/null
deadline=$((SECONDS + 20))
while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
check "demo ends within 20 s of Ctrl-C" bash -c "! kill -0 $pid 2>/dev/null"
wait "$pid" 2>/dev/null; rc=$?
check "demo reports the interruption (exit $rc)" test "$rc" -ne 0
gw=$(gw_port_of "$TMP/int.out")
check "Ctrl-C: mesim stopped (gateway and shard ports closed)" \
    bash -c "! (exec 3<>/dev/tcp/127.0.0.1/${gw:-1}) 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/${pa:-1}) 2>/dev/null"
kill -KILL -- "-$pid" 2>/dev/null

DEMO_TIME_SCALE=0.05 LT=/nonexistent MESIM="$MESIM" "$DEMO" >"$TMP/nolt.out" 2>&1
expect_eq "demo without lt exits 2 before starting anything" 2 "$?"
finish
