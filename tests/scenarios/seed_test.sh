#!/usr/bin/env bash
# Acceptance criterion 2: lua/seed_orderbooks.lua seeds the books (me_orderbook_depth > 0), in
# both modes, with the spec's arithmetic (ceil(depth/levels) orders at each of `levels` prices).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/scenarios/helpers.sh"
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
A="http://127.0.0.1:$SHARD_A_PORT"; GWU="http://127.0.0.1:$GW_PORT"

expect_eq "books start empty" 0 "$(msum me_orderbook_depth)"

rc=$(run_lt "$TMP/single.log" 60 run "$ROOT/lua/seed_orderbooks.lua" -e "ME_SHARD_A_URL=$A" --quiet \
    --summary-export "$TMP/single.json")
expect_eq "SEED_MODE=single exits 0" 0 "$rc"
for s in A B C D; do
    expect_eq "single: TEST-ASSET-$s has 500 resting SELLs" 500 "$(msum me_orderbook_depth symbol=TEST-ASSET-$s side=SELL)"
done
expect_eq "single: 50 price levels per symbol" 50 "$(msum me_orderbook_levels symbol=TEST-ASSET-A side=SELL)"
expect_eq "single: nothing on shards b and c" "0 0" "$(msum me_orderbook_depth shard=b) $(msum me_orderbook_depth shard=c)"
expect_eq "single: the seed check passed" 1 "$(json_get "$TMP/single.json" '[c["passes"] for c in d["checks"] if c["name"]=="seed response status is 200"][0]' 2>&1)"
expect_match "single: logs what it seeded" "Seeded ME directly: 2000 orders across 4 symbols, 50 price levels" "$TMP/single.log"

rc=$(run_lt "$TMP/multi.log" 60 run "$ROOT/lua/seed_orderbooks.lua" -e "GATEWAY_URL=$GWU" \
    -e SEED_MODE=multi -e SEED_DEPTH=100 -e SEED_LEVELS=7 --quiet)
expect_eq "SEED_MODE=multi exits 0" 0 "$rc"
# ceil(100/7) = 15 per level, 7 levels: 105 per symbol
expect_eq "multi: TEST-ASSET-E has ceil(100/7)*7 = 105 SELLs" 105 "$(msum me_orderbook_depth symbol=TEST-ASSET-E side=SELL)"
expect_eq "multi: TEST-ASSET-L has 105 SELLs" 105 "$(msum me_orderbook_depth symbol=TEST-ASSET-L side=SELL)"
expect_eq "multi: 7 levels" 7 "$(msum me_orderbook_levels symbol=TEST-ASSET-I side=SELL)"
# seeding on top repeats the spec's ids: levels 1-7 x idx 1-10 of the first seed (10 a level) still
# rest, so mesim skips those 70 as duplicates and adds the other 35 (scenarios/README.md)
expect_eq "multi: shard a now 500 + 105 - 70 ids still resting, per symbol" 535 "$(msum me_orderbook_depth symbol=TEST-ASSET-B side=SELL)"
check "multi: logs each shard" grep -q "Seeded shard c: 420 orders across 4 symbols, 7 price levels" "$TMP/multi.log"

rc=$(run_lt "$TMP/bal.log" 60 run "$ROOT/lua/seed_orderbooks.lua" -e "GATEWAY_URL=$GWU" \
    -e SEED_MODE=multi -e SEED_DEPTH=10 -e SEED_LEVELS=10 -e ORDER_FLOW=balanced --quiet)
expect_eq "ORDER_FLOW=balanced seeding exits 0" 0 "$rc"
expect_eq "balanced: BUYs seeded too" 10 "$(msum me_orderbook_depth symbol=TEST-ASSET-F side=BUY)"

rc=$(run_lt "$TMP/bad.log" 60 run "$ROOT/lua/seed_orderbooks.lua" -e SEED_MODE=triple --quiet)
expect_eq "a bad SEED_MODE aborts (108)" 108 "$rc"
rc=$(run_lt "$TMP/down.log" 60 run "$ROOT/lua/seed_orderbooks.lua" -e "ME_SHARD_A_URL=http://127.0.0.1:1" \
    --quiet --summary-export "$TMP/down.json")
expect_eq "seeding a dead URL fails its check" 1 "$(json_get "$TMP/down.json" '[c["fails"] for c in d["checks"] if c["name"]=="seed response status is 200"][0]' 2>&1)"
finish
