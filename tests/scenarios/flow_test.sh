#!/usr/bin/env bash
# The order-flow arithmetic of scenarios/README.md against mesim: with the spec's flow (BUYs only)
# shard a's seeded asks (500 per symbol) run out after ~4,700 orders, i.e. ~4.6 min of A2 at 17/s,
# after which nothing matches; with -e ORDER_FLOW=balanced depth stays put and ~55% of orders keep
# matching. Read from mesim's me_orderbook_depth and me_matches_total. Also: --seed reproduces.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/scenarios/helpers.sh"
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
A="http://127.0.0.1:$SHARD_A_PORT"
P=$ROOT/tests/scenarios/flow_probe.lua
probe() { # probe NAME ITERATIONS [lt args]
    local name=$1 n=$2; shift 2
    run_lt "$TMP/$name.log" 120 run "$P" -e "ME_SHARD_A_URL=$A" -e "ITERATIONS=$n" -e VUS=10 --quiet \
        --summary-export "$TMP/$name.json" "$@"
}
depth() { $PROM sum me_orderbook_depth "side=$1" -- "$A/metrics"; }
fills() { $PROM sum me_matches_total -- "$A/metrics"; }
reset() { curl -fsS -X POST "$A/admin/reset" >/dev/null; }
matched() { sv "$TMP/$1.json" 'm.get("match_count",{}).get("values",{}).get("count",0)'; }

# ---- the spec's flow: 1,000 orders (~1 min of A2), then 4,000 more, then 1,000 more
expect_eq "spec flow: first 1,000 orders" 0 "$(probe s1 1000)"
expect_num "spec: ~60% of the first 1,000 orders match" "$(matched s1)" ge 480
expect_num "spec: ... at most 650" "$(matched s1)" le 650
f1=$(fills)
expect_num "spec: me_matches_total (fills) ~1.1 per order early on" "$f1" ge 900
expect_num "spec: asks left after 1,000 orders (of 2,000)" "$(depth SELL)" ge 1000
expect_eq "spec flow: 4,000 more" 0 "$(probe s2 4000 -e SEED=0)"
asks=$(depth SELL)
# What is left is random (quantities, prices, which VU sends what): in 85 runs on this machine 55%
# left no ask, the rest a tail of up to 43 (once; CI once saw 42). 100 is 5% of the 2,000 seeded,
# far from the ~1,450 a book that stopped matching keeps; the next 1,000 orders match about as
# many orders as asks are left.
expect_num "spec: after ~5,000 orders (~4.9 min of A2) the asks are (almost) gone (< 5%)" "$asks" le 100
expect_num "spec: ... while resting BUYs pile up" "$(depth BUY)" ge 2500
expect_num "spec: the matched share fell (orders 1,001-5,000 matched < 45%)" "$(matched s2)" le 1800
f2=$(fills)
expect_eq "spec flow: 1,000 more" 0 "$(probe s3 1000 -e SEED=0)"
expect_num "spec: after exhaustion hardly anything matches (< 10%, against ~55% at first)" "$(matched s3)" le 100
expect_num "spec: me_matches_total stalls (< 20% of the first 1,000 orders' fills)" "$(( $(fills) - f2 ))" le $(( f1 / 5 ))

# ---- the balanced flow: depth stays stationary, ~55% keep matching
reset
expect_eq "balanced flow: 3,000 orders" 0 "$(probe b1 3000 -e ORDER_FLOW=balanced)"
s1=$(depth SELL); b1=$(depth BUY)
expect_eq "balanced flow: 6,000 more" 0 "$(probe b2 6000 -e ORDER_FLOW=balanced -e SEED=0)"
s2=$(depth SELL); b2=$(depth BUY)
for v in "$s1" "$b1" "$s2" "$b2"; do
    expect_num "balanced: resting orders per side stay near the seeded 2,000 (4 x 500)" "$v" ge 1000
    expect_num "balanced: ... and do not pile up" "$v" le 2800
done
expect_num "balanced: orders 3,001-9,000 still match (>= 45%)" "$(matched b2)" ge 2700
expect_num "balanced: ... (<= 65%)" "$(matched b2)" le 3900

# ---- --seed reproduces the request sequence (one VU, so no scheduling freedom)
# (mesim's counters are cumulative across resets, so compare what each run added)
snap() { echo "$($PROM sum me_matches_total -- "$A/metrics") $($PROM sum me_orders_total symbol=TEST-ASSET-C side=BUY -- "$A/metrics")"; }
seeded_run() {
    reset
    local f0 c0 f1 c1
    read -r f0 c0 < <(snap)
    run_lt "$TMP/r.log" 60 run "$P" -e "ME_SHARD_A_URL=$A" -e ITERATIONS=300 -e VUS=1 --quiet --seed "$1" >/dev/null
    read -r f1 c1 < <(snap)
    echo "fills $((f1 - f0)) C-orders $((c1 - c0)) bids $($PROM sum me_orderbook_depth side=BUY -- "$A/metrics")"
}
r1=$(seeded_run 7); r2=$(seeded_run 7); r3=$(seeded_run 8)
expect_eq "--seed 7 twice: same fills, depth, per-symbol orders" "$r1" "$r2"
check "--seed 8 differs from --seed 7 ($r1 / $r3)" test "$r1" != "$r3"
finish
