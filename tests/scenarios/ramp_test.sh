#!/usr/bin/env bash
# Acceptance criterion 5: B3's achieved per-second rate follows its stages (17 -> 42 -> 84/s),
# read from mesim's me_orders_total over time, at --time-scale 0.05 (stages of 6, 6, 6, 12 s).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/scenarios/helpers.sh"
SCALE=${LT_SCENARIO_SCALE:-0.05}
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
watch_start "$TMP/watch.jsonl" 0.25
rc=$(run_lt "$TMP/b3.log" 120 run "$ROOT/lua/b3_ramp.lua" -e "GATEWAY_URL=http://127.0.0.1:$GW_PORT" \
    --time-scale "$SCALE" --quiet --summary-export "$TMP/b3.json")
n=$(wc -l <"$TMP/watch.jsonl")
await_cond 5 lines_more_than "$TMP/watch.jsonl" "$n" || fail "a sample after the run was taken"
watch_stop
expect_eq "B3 exits 0" 0 "$rc"

# Orders are BUYs (seeds are SELLs), so me_orders_total{side=BUY} counts exactly the load.
python3 - "$TMP/watch.jsonl" "$SCALE" >"$TMP/ramp.txt" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
scale = float(sys.argv[2])
buys = lambda r: sum(v for k, v in r["s"].items() if k.startswith("me_orders_total{") and "side=BUY" in k)
pts = [(r["t"], buys(r)) for r in rows]
# the run's clock starts at the first order (setup's seeding comes before)
t0 = next(t for (t, n), (t2, n2) in zip(pts, pts[1:]) if n2 > n)
def count_at(t):
    t += t0
    for (a, na), (b, nb) in zip(pts, pts[1:]):
        if a <= t <= b:
            return na + (nb - na) * (t - a) / (b - a)
    return pts[-1][1]
def rate(a, b):  # mean rate over [a, b] seconds of the scaled run
    return (count_at(b) - count_at(a)) / (b - a)
S = lambda unscaled: unscaled * scale        # spec seconds -> run seconds
def want(ts):                                # the schedule, in orders/s, at spec time ts
    if ts < 120: return 17
    if ts < 240: return 17 + 25 * (ts - 120) / 120
    if ts < 360: return 42 + 42 * (ts - 240) / 120
    return 84
for name, a, b in (("stage 1 (17/s)", 10, 110), ("stage 2 midpoint (29.5/s)", 160, 200),
                   ("stage 3 midpoint (63/s)", 280, 320),
                   ("stage 4 (84/s)", 370, 590)):
    want_mean = sum(want(a + (b - a) * i / 100.0) for i in range(101)) / 101
    print("%s|%.2f|%.2f" % (name, rate(S(a), S(b)), want_mean))
print("total|%d|%d" % (count_at(S(600)) - count_at(0), 17 * 120 + (17 + 42) * 60 + (42 + 84) * 60 + 84 * 240))
PY
while IFS='|' read -r name got want; do
    if [ "$name" = total ]; then
        lo=$(awk -v w="$want" -v s="$SCALE" 'BEGIN { print w * s * 0.93 }'); hi=$(awk -v w="$want" -v s="$SCALE" 'BEGIN { print w * s * 1.05 }')
        expect_num "B3: total orders ~ $(awk -v w="$want" -v s="$SCALE" 'BEGIN { print w * s }') (>=)" "$got" ge "$lo"
        expect_num "B3: total orders (<=)" "$got" le "$hi"
    else
        tol=$(awk -v w="$want" 'BEGIN { t = w * 0.12; print (t < 4 ? 4 : t) }')
        expect_num "B3 $name: achieved rate >= $want - $tol" "$got" ge "$(awk -v w="$want" -v t="$tol" 'BEGIN { print w - t }')"
        expect_num "B3 $name: achieved rate <= $want + $tol" "$got" le "$(awk -v w="$want" -v t="$tol" 'BEGIN { print w + t }')"
    fi
done <"$TMP/ramp.txt"
[ -s "$TMP/ramp.txt" ] || fail "B3: rates computed from mesim samples" "$(tail -c 600 "$TMP/watch.jsonl")"
expect_num "B3: summary error rate < 1%" "$(sv "$TMP/b3.json" 'm["http_req_failed"]["values"]["rate"]')" lt 0.01
expect_eq "B3: no dropped iterations" 0 "$(json_get "$TMP/b3.json" 'd["scenarios"]["ramp"]["dropped_iterations"]' 2>&1)"
finish
