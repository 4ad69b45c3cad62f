# lt.sleep(s) lasts at least s, also in the first iteration of VUs made at a scenario's start:
# the timer counted from the event loop's cached time, which the making of 2,000 VUs in the same
# loop pass had made stale, so those sleeps ended ~2 ms early (found by execution_test under ASan).
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/opts/scripts
timeout 60 "$LT" run "$S/sleep_start.lua" -q --threads 1 --summary-export "$TMP/s.json" >"$TMP/s.out" 2>&1
expect_eq "sleep script: exit code" 0 $?
expect_num "lt.sleep(0.05): the shortest of every VU's sleeps, ms" \
    "$(json_get "$TMP/s.json" "d['metrics']['slept_ms']['values']['min']")" ge 50
expect_num "... over 2,000 VUs' first iterations and more" \
    "$(json_get "$TMP/s.json" "d['metrics']['slept_ms']['values']['count']")" ge 2000
finish
