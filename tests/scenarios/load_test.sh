#!/usr/bin/env bash
# Acceptance criteria 3 and 4 (A2 and B2 complete with < 1% errors), 8 (match_latency_ms in the
# summary) and 10 (orders match at ~60% while liquidity lasts), at --time-scale 0.05 (15 s runs),
# A2 and B2 side by side against two mesim clusters.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/scenarios/helpers.sh"
SCALE=${LT_SCENARIO_SCALE:-0.05}
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
A2_SHARD_A=$SHARD_A_PORT
start_mesim_cluster || { fail "second mesim cluster starts"; finish; }

"$LT" run "$ROOT/lua/a2_normal_load.lua" -e "ME_SHARD_A_URL=http://127.0.0.1:$A2_SHARD_A" \
    --time-scale "$SCALE" --quiet --summary-export "$TMP/a2.json" >"$TMP/a2.log" 2>&1 &
A2_PID=$!; _PIDS+=("$A2_PID")
rc_b2=$(run_lt "$TMP/b2.log" 120 run "$ROOT/lua/b2_peak_sustained.lua" -e "GATEWAY_URL=http://127.0.0.1:$GW_PORT" \
    --time-scale "$SCALE" --quiet --summary-export "$TMP/b2.json")
wait "$A2_PID"; rc_a2=$?

secs=$(awk -v s="$SCALE" 'BEGIN { print 300 * s }')
# ---- A2 (criterion 3)
A2=$TMP/a2.json
expect_eq "A2 exits 0 (thresholds pass)" 0 "$rc_a2"
expect_num "A2 error rate < 1%" "$(sv "$A2" 'm["http_req_failed"]["values"]["rate"]')" lt 0.01
n=$(sv "$A2" 'm["match_latency_ms"]["values"]["count"]')
expect_num "A2 sent ~17/s for ${secs}s: orders" "$n" ge "$(awk -v s="$secs" 'BEGIN { print 17 * s * 0.93 }')"
expect_num "A2 orders not above schedule" "$n" le "$(awk -v s="$secs" 'BEGIN { print 17 * s * 1.05 + 1 }')"
expect_eq "A2: every order answered 200 and ACCEPTED" "$n $n" \
    "$(json_get "$A2" '" ".join(str(c["passes"]) for c in sorted(d["checks"], key=lambda c: c["name"]) if c["name"] in ("status is 200","response has ACCEPTED status"))' 2>&1)"
expect_eq "A2: mesim shard a saw every order" "$n" "$($PROM sum me_orders_total side=BUY -- "http://127.0.0.1:$A2_SHARD_A/metrics")"
# ---- criterion 8: the custom trend is in the summary, as a time trend with percentiles
expect_num "A2: match_latency_ms p(99) in the summary" "$(sv "$A2" 'm["match_latency_ms"]["values"]["p(99)"]')" gt 0
expect_eq "A2: match_latency_ms is a time trend" "trend time" "$(sv "$A2" 'm["match_latency_ms"]["type"] + " " + m["match_latency_ms"].get("contains","")')"
expect_eq "A2: its threshold is reported" True "$(sv "$A2" 'm["match_latency_ms"]["thresholds"]["p(99)<200"]["ok"]')"

# ---- B2 (criterion 4)
B2=$TMP/b2.json
expect_eq "B2 exits 0 (thresholds pass)" 0 "$rc_b2"
expect_num "B2 error rate < 1%" "$(sv "$B2" 'm["http_req_failed"]["values"]["rate"]')" lt 0.01
nb=$(sv "$B2" 'm["match_latency_ms"]["values"]["count"]')
expect_num "B2 sent ~84/s for ${secs}s: orders" "$nb" ge "$(awk -v s="$secs" 'BEGIN { print 84 * s * 0.93 }')"
expect_num "B2 orders not above schedule" "$nb" le "$(awk -v s="$secs" 'BEGIN { print 84 * s * 1.05 + 1 }')"
buys=$(msum me_orders_total side=BUY)
expect_eq "B2: the three shards saw every order" "$nb" "$buys"
for sh in a b c; do
    share=$(awk -v x="$(msum me_orders_total shard=$sh side=BUY)" -v n="$buys" 'BEGIN { print x / n }')
    expect_num "B2: shard $sh gets ~1/3 of the orders" "$share" ge 0.28
    expect_num "B2: shard $sh not above 1/3 + 5%" "$share" le 0.39
done
expect_eq "B2: per-symbol series in the summary (12 symbols)" 12 \
    "$(json_get "$B2" 'len({s["tags"]["symbol"] for s in d["series"] if s["metric"]=="http_reqs" and s["tags"].get("kind") in ("aggressive","passive")})' 2>&1)"
# ---- criterion 10: while liquidity lasts, ~60% of the orders match (lt's match_count counts
# orders with at least one fill); mesim's me_matches_total counts fills, ~1.1 per order
mc=$(sv "$B2" 'm["match_count"]["values"]["count"]')
expect_num "B2: orders that matched / orders (~0.6 early on)" "$(awk -v a="$mc" -v n="$nb" 'BEGIN { print a / n }')" ge 0.45
expect_num "B2: ... and at most 0.7" "$(awk -v a="$mc" -v n="$nb" 'BEGIN { print a / n }')" le 0.70
fills=$(msum me_matches_total)
expect_num "B2: mesim fills / orders (~1.1: a matching order touches ~2 resting orders)" \
    "$(awk -v a="$fills" -v n="$nb" 'BEGIN { print a / n }')" ge 0.85
expect_num "B2: ... and at most 1.4" "$(awk -v a="$fills" -v n="$nb" 'BEGIN { print a / n }')" le 1.4
a2fills=$($PROM sum me_matches_total -- "http://127.0.0.1:$A2_SHARD_A/metrics")
expect_num "A2: mesim fills / orders" "$(awk -v a="$a2fills" -v n="$n" 'BEGIN { print a / n }')" ge 0.85
finish
