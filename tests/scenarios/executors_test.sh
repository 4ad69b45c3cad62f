#!/usr/bin/env bash
# Issue 11: lt's executors run k6's own test cases (grafana/k6 lib/executor/*_test.go) with k6's
# expected counts: dropped_iterations of per-vu/shared iterations cut by maxDuration, ramp-down
# VU counts, gracefulRampDown after the stages' end, arrival-rate drops with no idle VU, and
# constant-arrival-rate ending at its duration. No traffic (lt.sleep only); each run <= 5 s.
# The schedule arithmetic itself (start offsets, VU steps) is tests/unit/test_k6_executors.c.
. "$(dirname "$0")/../lib.sh"
SCRIPT=$ROOT/tests/scenarios/executors.lua
# run CASE SLEEP: runs the case, summary in $TMP/CASE.json
run() {
    local c=$1 s=$2
    shift 2
    timeout 30 "$LT" run "$SCRIPT" -q -e CASE="$c" -e SLEEP="$s" --summary-export "$TMP/$c.json" "$@" \
        >"$TMP/$c.out" 2>&1
    expect_eq "$c: exit 0" 0 "$?"
}
sc() { json_get "$TMP/$1.json" "d['scenarios']['$1']['$2']" 2>&1; }

# k6 counts 5 iterations and 95 dropped: 5 VUs x 20 (or 100 shared), the first 5 blocked past 1 s
for c in per_vu_dropped shared_dropped; do
    run $c 10
    expect_eq "$c: 5 iterations started (k6: 5)" 5 "$(sc $c iterations)"
    expect_eq "$c: the 5 interrupted at maxDuration" 5 "$(sc $c interrupted_iterations)"
    expect_eq "$c: 95 dropped_iterations (k6: 95; lt counted 0)" 95 "$(sc $c dropped_iterations)"
done

# 10 VUs x 100 in 3 s, one VU taking 201 ms: it starts 15 (the 15th at 2.814 s ends in the 1 s
# gracefulStop), the 9 others their 100 — k6 counts 15 and 915; lt drops the slow VU's other 85.
# The 15th start has 186 ms to spare before maxDuration.
run per_vu_variable 0.201
expect_eq "per_vu_variable: 915 iterations (k6: 9 x 100 + 15)" 915 "$(sc per_vu_variable iterations)"
expect_eq "per_vu_variable: none interrupted" 0 "$(sc per_vu_variable interrupted_iterations)"
expect_eq "per_vu_variable: the slow VU's 85 unstarted are dropped" 85 "$(sc per_vu_variable dropped_iterations)"

# 10 VUs for 1 s of 210 ms iterations: 5 each (the 5th, at 0.84 s, ends in the 100 ms gracefulStop)
run constant_vus 0.21
expect_eq "constant_vus: 50 iterations (k6: 10 x 5)" 50 "$(sc constant_vus iterations)"
expect_eq "constant_vus: none interrupted" 0 "$(sc constant_vus interrupted_iterations)"

# 4 -> 0 VUs over 4 s: k6 keeps VU n until n s (the count never below the line), so with 0.3 s
# iterations VU 1 starts 4 (0 .. 0.9 s), VU 2 7, VU 3 10, VU 4 14: 35 (lt rounded down: 21).
# Every start is >= 100 ms from a VU's stop time; a late timer only moves starts later, and it
# would take 100 ms of lateness over 13 sleeps to lose one.
run ramp_down 0.3
expect_eq "ramp_down: 35 iterations started (VU n runs until n s)" 35 "$(sc ramp_down iterations)"
expect_eq "ramp_down: none interrupted (gracefulRampDown 1s)" 0 "$(sc ramp_down interrupted_iterations)"

# VU 1 of a 0 -> 8 ramp over 40 ms is due at 5 ms; lt's old 10 ms tick started it at >= 10 ms in
# every run. One thread, so the first start recorded is VU 1's. A busy machine wakes a timer late
# by a random amount (18 ms seen with two CPU-bound neighbours), so up to 5 runs are made and the
# earliest counts: a tick makes every run >= 10 ms, lateness does not repeat itself 5 times.
first=
for attempt in 1 2 3 4 5; do
    run ramp_exact 0.5 --threads 1
    f=$(json_get "$TMP/ramp_exact.json" "[s['values']['min'] for s in d['series'] if s['metric']=='first_start_ms'][0]")
    first=$(python3 -c "import sys; a=[float(x) for x in sys.argv[1:] if x]; print(min(a))" $first $f)
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 9 else 1)" "$first" && break
done
expect_num "ramp_exact: VU 1 starts at its step time, 5 ms (no 10 ms tick; earliest of $attempt runs)" "$first" lt 9
expect_num "ramp_exact: ... not before it" "$first" ge 5

# one VU ramped down at 0.5 s (the stages' end) with gracefulRampDown 300ms: its 1.2 s iteration
# is interrupted at 0.8 s (lt ran it to 1.2 s under the 2 s gracefulStop)
run ramp_down_after_end 1.2
expect_eq "ramp_down_after_end: the iteration is interrupted" 1 "$(sc ramp_down_after_end interrupted_iterations)"
secs=$(json_get "$TMP/ramp_down_after_end.json" "d['duration_s']")
expect_num "ramp_down_after_end: the run ends at 0.8 s, not 1.2 s" "$secs" lt 1.1

# 10/s for 950 ms on 5 VUs that never come back: 5 started, 5 dropped (k6's values)
run car_dropped 10
expect_eq "car_dropped: 5 iterations (k6: 5)" 5 "$(sc car_dropped iterations)"
expect_eq "car_dropped: 5 dropped (k6: 5)" 5 "$(sc car_dropped dropped_iterations)"
expect_eq "car_dropped: 10 starts planned" 10 "$(sc car_dropped planned_iterations)"

# 10/s for 1 s, 1 VU preallocated, maxVUs 2, 0.15 s iterations: the start at 0.1 s finds VU 1
# busy and is dropped, a second VU is added, and every later start finds an idle VU
# (lt started it on a new VU at once: 0 dropped). Starts and returns are >= 50 ms apart.
run car_grow 0.15
expect_eq "car_grow: 1 dropped (no idle VU at 0.1 s)" 1 "$(sc car_grow dropped_iterations)"
expect_eq "car_grow: 9 iterations started" 9 "$(sc car_grow iterations)"

# 0 -> 10/s over 2 s starts at sqrt(i+1 / 2.5) s: 0.632, 0.894, 1.095, ... 2.0 (10, the last on
# the end). The first iteration takes 0.4 s, so the start at 0.894 s finds no idle VU: dropped,
# and a second VU is added; VU 1 is back at 1.032 s, 63 ms before the next start. k6's test
# expects 2 VUs initialised.
run rar_slow 0.4
expect_eq "rar_slow: 1 dropped" 1 "$(sc rar_slow dropped_iterations)"
expect_eq "rar_slow: 9 iterations" 9 "$(sc rar_slow iterations)"
expect_eq "rar_slow: 2 VUs (k6: 2 initialised)" 2 \
    "$(json_get "$TMP/rar_slow.json" "int(d['metrics']['vus_max']['values']['max'])")"

# 2/s for 1.9 s: starts at 0, 0.5, 1, 1.5 s; the scenario lasts its 1.9 s (lt ended at 1.5 s)
run car_end 0
expect_eq "car_end: 4 iterations" 4 "$(sc car_end iterations)"
secs=$(json_get "$TMP/car_end.json" "d['duration_s']")
expect_num "car_end: the run lasts the 1.9 s duration" "$secs" ge 1.89
finish
