#!/usr/bin/env bash
# Issue 15, the precision budget: schedulePrecision / --schedule-precision let the arrival-rate
# starts due within the budget share one wake-up. At 2,000/s (one start per 0.5 ms) a 1 ms budget
# takes ~3x fewer wake-ups (counted by the scheduler: LT_SCHED_STATS=1) than the default, every
# planned start still happens, and schedule_lag p99 stays within the budget plus the machine's
# own lateness (the default run's p99, measured in the same suite). The default is unchanged: one
# wake-up per start. Rate-sensitive: run it alone under `flock /tmp/lt-timing.lock`.
. "$(dirname "$0")/../lib.sh"
SCRIPT=$ROOT/tests/scenarios/precision.lua
sv() { json_get "$1" "(lambda m: $2)(d['metrics'])" 2>&1; }
wakeups() { sed -n 's/^lt: sched load worker 0: \([0-9]*\) wake-ups.*/\1/p' "$1"; }

# run NAME ARGS...: 2 s at 2,000/s on one worker; summary in $TMP/NAME.json, stderr in NAME.err
run() {
    local name=$1; shift
    LT_SCHED_STATS=1 "$LT" run "$SCRIPT" -q --threads 1 --summary-export "$TMP/$name.json" "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.err"
}

run default; rc=$?
expect_eq "default: exit 0" 0 "$rc"
run budget -e PREC=1ms; rc=$?
expect_eq "schedulePrecision=1ms: exit 0" 0 "$rc"
run cli --schedule-precision 1ms; rc=$?
expect_eq "--schedule-precision 1ms: exit 0" 0 "$rc"

w_default=$(wakeups "$TMP/default.err"); w_budget=$(wakeups "$TMP/budget.err"); w_cli=$(wakeups "$TMP/cli.err")
echo "wake-ups for 4000 starts: default $w_default, schedulePrecision=1ms $w_budget, --schedule-precision 1ms $w_cli"
# the default wakes once per start (a late wake-up may start two)
expect_num "default: wake-ups per 4000 starts" "${w_default:-0}" ge 3200
expect_num "1 ms budget: wake-ups x2 <= the default's" "$((2 * ${w_budget:-999999}))" le "${w_default:-0}"
expect_num "--schedule-precision 1ms: wake-ups x2 <= the default's" "$((2 * ${w_cli:-999999}))" le "${w_default:-0}"
# The schedule's timer is set once per wake-up at most (its own timerfd, set only when its time
# changes), not once per loop turn: the wake-ups for responses between starts do not re-arm it.
sets() { sed -n 's/^lt: sched load worker 0: .* \([0-9]*\) timer sets$/\1/p' "$1"; }
for name in default budget; do
    w=$(wakeups "$TMP/$name.err"); t=$(sets "$TMP/$name.err")
    expect_num "$name: timer sets ($t) <= wake-ups ($w) + 2" "${t:-999999}" le "$(( ${w:-0} + 2 ))"
done
for name in default budget cli; do
    expect_eq "$name: all 4000 planned starts ran" 4000 "$(sv "$TMP/$name.json" 'int(m["iterations"]["values"]["count"])')"
    expect_eq "$name: none dropped" 0 "$(sv "$TMP/$name.json" 'int(m.get("dropped_iterations", {"values": {"count": 0}})["values"]["count"])')"
done
p99_default=$(sv "$TMP/default.json" 'm["schedule_lag"]["values"]["p(99)"]')
p99_budget=$(sv "$TMP/budget.json" 'm["schedule_lag"]["values"]["p(99)"]')
med_budget=$(sv "$TMP/budget.json" 'm["schedule_lag"]["values"]["med"]')
echo "schedule_lag p99: default $p99_default ms, 1 ms budget $p99_budget ms (median $med_budget ms)"
# the budget's lateness shows: starts wait for their batch (median ~0.5 ms at 3 starts a batch)
expect_num "1 ms budget: schedule_lag median shows the batching (ms)" "$med_budget" gt 0.2
bound=$(awk -v d="$p99_default" 'BEGIN { print 1 + d + 0.5 }')
expect_num "1 ms budget: schedule_lag p99 <= 1 ms + the default's p99 + 0.5 ms" "$p99_budget" le "$bound"

# ---- ramping-arrival-rate 0 -> 4,000/s over 2 s: the same 4,000 starts with the budget, the last
# one (due at the stages' end) included
run ramp_default -e RAMP=1 -e RATE=4000; rc1=$?
run ramp_budget -e RAMP=1 -e RATE=4000 -e PREC=1ms; rc2=$?
expect_eq "ramping, default and 1 ms budget: exit 0 0" "0 0" "$rc1 $rc2"
expect_eq "ramping, default: 4000 starts" 4000 "$(sv "$TMP/ramp_default.json" 'int(m["iterations"]["values"]["count"])')"
expect_eq "ramping, 1 ms budget: 4000 starts" 4000 "$(sv "$TMP/ramp_budget.json" 'int(m["iterations"]["values"]["count"])')"
expect_num "ramping, 1 ms budget: wake-ups x2 <= the default's" "$((2 * $(wakeups "$TMP/ramp_budget.err")))" le "$(wakeups "$TMP/ramp_default.err")"

# ---- the option is checked and shown
"$LT" inspect "$SCRIPT" -e PREC=1ms >"$TMP/inspect.out" 2>&1
expect_match "inspect shows schedulePrecision" '"schedulePrecision":[[:space:]]*"1ms"' "$TMP/inspect.out"
"$LT" run "$SCRIPT" -q -e PREC=2s >"$TMP/big.out" 2>&1; rc=$?
expect_eq "schedulePrecision=2s: exit 104" 104 "$rc"
expect_match "schedulePrecision=2s: the message names the option" "scenarios.load.schedulePrecision: at most 1s" "$TMP/big.out"
"$LT" run "$SCRIPT" -q --schedule-precision soon >"$TMP/bad.out" 2>&1; rc=$?
expect_eq "--schedule-precision soon: exit 2" 2 "$rc"
expect_match "--schedule-precision soon: the message names the flag" "--schedule-precision" "$TMP/bad.out"
finish
