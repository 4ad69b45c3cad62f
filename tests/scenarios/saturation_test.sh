#!/usr/bin/env bash
# Issue 10, past saturation: absurd arrival rates are refused (exit 104) or, below lt's ceiling,
# cost O(1) per wake-up however many starts were missed (a 1 s test at 1e8/s ends in ~1 s, every
# scheduled start is an iteration or a drop, SIGTERM stops it at once); with every VU busy a
# 500 ms stall shows as drops by default (k6's semantics) and, with queueWhenBusy, in the
# corrected latency measured from each start's due time (wrk2's).
# Rate-sensitive: run it alone under `flock /tmp/lt-timing.lock`.
. "$(dirname "$0")/../lib.sh"
SCRIPT=$ROOT/tests/scenarios/saturation.lua
sv() { json_get "$1" "(lambda m: $2)(d['metrics'])" 2>&1; }
# elapsed SECONDS_SINCE: wall time since a `date +%s.%N` stamp
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }

# ---- a rate no machine runs is refused before any traffic
"$LT" -s "$SCRIPT" -q -e RATE=1e12 >"$TMP/ceil.out" 2>&1; rc=$?
expect_eq "rate 1e12/s: exit 104" 104 "$rc"
expect_match "rate 1e12/s: the message names the field and the ceiling" \
    "scenarios.load.rate: 1e\+12 per 1s is 1e\+12 iterations/s, above lt's ceiling of 1e\+09" "$TMP/ceil.out"
"$LT" -s "$SCRIPT" -q -e RATE=2 -e UNIT=1ns >"$TMP/ns.out" 2>&1; rc=$?
expect_eq "rate 2 per 1ns: exit 104" 104 "$rc"

# ---- 1 s at 1e8/s: missed starts are dropped arithmetically, not one by one
for mode in constant ramp; do
    ramp=0; [ "$mode" = ramp ] && ramp=1 # ramping 0 -> 2e8/s over 1 s: also 1e8 starts
    rate=1e8; [ "$mode" = ramp ] && rate=2e8
    t0=$(date +%s.%N)
    "$LT" -s "$SCRIPT" -q -e RATE=$rate -e RAMP=$ramp --summary-export "$TMP/$mode.json" >"$TMP/$mode.out" 2>&1; rc=$?
    secs=$(elapsed "$t0")
    expect_eq "$mode 1e8 starts in 1 s: exit 0" 0 "$rc"
    expect_num "$mode 1e8 starts in 1 s: ends within 1.5 s wall" "$secs" lt 1.5
    expect_eq "$mode: iterations + dropped_iterations = the schedule's 1e8 starts" 100000000 \
        "$(sv "$TMP/$mode.json" 'int(m["iterations"]["values"]["count"] + m["dropped_iterations"]["values"]["count"])')"
done

# ---- SIGTERM at the ceiling (1e9/s) stops at once, with a summary
"$LT" -s "$SCRIPT" -q -e RATE=1e9 -e DUR=60s --summary-export "$TMP/term.json" >"$TMP/term.out" 2>&1 &
pid=$!; _PIDS+=("$pid")
end=$((SECONDS + 10))
until grep -qs "SETUP DONE" "$TMP/term.out" || [ $SECONDS -ge $end ]; do sleep 0.05; done
kill -TERM "$pid"
t0=$(date +%s.%N)
while kill -0 "$pid" 2>/dev/null && [ "$(awk -v s="$(elapsed "$t0")" 'BEGIN { print (s > 10) }')" = 0 ]; do sleep 0.02; done
secs=$(elapsed "$t0")
kill -9 "$pid" 2>/dev/null
wait "$pid"; rc=$?
expect_eq "rate 1e9/s, SIGTERM: exit 105" 105 "$rc"
expect_num "rate 1e9/s, SIGTERM: stops at once (s)" "$secs" lt 1.5
expect_eq "rate 1e9/s, SIGTERM: summary written with exit_code 105" 105 "$(json_get "$TMP/term.json" "d['exit_code']" 2>&1)"
# ---- a 500 ms stall with every VU busy: drops by default, latency with queueWhenBusy
SHARD=$(free_port)
"$MESIM" shard --port "$SHARD" >"$TMP/shard.log" 2>&1 &
_PIDS+=($!)
wait_port "$SHARD" || { fail "mesim shard starts" "$(cat "$TMP/shard.log")"; finish; }
for mode in drop queue; do
    q=0; [ "$mode" = queue ] && q=1
    # 300/s for 3 s on 2 VUs; the stall from 1 s to 1.5 s delays only the ~2-4 requests in
    # flight then (< 1% of 900), while ~150 starts fall due with both VUs stuck
    "$LT" -s "$SCRIPT" -q -e URL="http://127.0.0.1:$SHARD" -e RATE=300 -e DUR=3s -e VUS=2 \
        -e STALL_AT=1s -e QUEUE=$q -e TAG=$mode --summary-export "$TMP/$mode.json" >"$TMP/$mode.out" 2>&1; rc=$?
    expect_eq "stall, $mode: exit 0" 0 "$rc"
    p99c=$(sv "$TMP/$mode.json" 'm["http_req_duration_corrected"]["values"]["p(99)"]')
    dropped=$(sv "$TMP/$mode.json" 'int(m.get("dropped_iterations", {"values": {"count": 0}})["values"]["count"])')
    iters=$(sv "$TMP/$mode.json" 'int(m["iterations"]["values"]["count"])')
    if [ "$mode" = drop ]; then
        expect_num "stall, default: the stall shows as dropped_iterations" "$dropped" ge 50
        expect_num "stall, default: ... not in the corrected p99 (ms)" "$p99c" lt 100
    else
        expect_num "stall, queueWhenBusy: the stall shows in the corrected p99 (ms)" "$p99c" ge 400
        expect_eq "stall, queueWhenBusy: nothing dropped" 0 "$dropped"
        expect_num "stall, queueWhenBusy: every start of the schedule ran (900 + the stall's 1)" "$iters" ge 900
    fi
done
# ---- queueWhenBusy at the schedule's end: starts still waiting are dropped, none starts late
"$LT" -s "$SCRIPT" -q -e URL="http://127.0.0.1:$SHARD" -e RATE=300 -e DUR=2s -e VUS=2 \
    -e STALL_AT=1.7s -e QUEUE=1 -e TAG=end --summary-export "$TMP/end.json" >"$TMP/end.out" 2>&1; rc=$?
expect_eq "stall past the end, queueWhenBusy: exit 0" 0 "$rc"
dropped=$(sv "$TMP/end.json" 'int(m.get("dropped_iterations", {"values": {"count": 0}})["values"]["count"])')
expect_num "stall past the end, queueWhenBusy: the starts waiting at the end are dropped" "$dropped" ge 30
expect_eq "stall past the end, queueWhenBusy: iterations + dropped = the schedule's 600 (+ the stall's 1)" 601 \
    "$(sv "$TMP/end.json" 'int(m["iterations"]["values"]["count"] + m["dropped_iterations"]["values"]["count"])')"
finish
