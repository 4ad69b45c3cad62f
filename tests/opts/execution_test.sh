# k6/execution's fields (lt.vu, lt.scenario, lt.instance with k6's names): each iteration checks
# what it reads; the suite checks the recorded numbers and the totals logged by teardown.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/opts/scripts
timeout 30 "$LT" run "$S/execution.lua" -q --summary-export "$TMP/x.json" >"$TMP/x.out" 2>&1
expect_eq "execution script: exit code" 0 $?
j() { json_get "$TMP/x.json" "$1"; }
expect_eq "every check inside the iterations passes (failing ones listed)" "[]" "$(j "[c['name'] for c in d['checks'] if c['fails']]")"
expect_num "checks ran" "$(j "sum(c['passes'] for c in d['checks'])")" ge 50
expect_eq "lt.test.options checked in every iteration" "$(j "int(d['metrics']['iterations']['values']['count'])")" "$(j "[c['passes'] for c in d['checks'] if c['name']=='lt.test.options are the resolved options'][0]")"
sel() { j "[s['values']['$3'] for s in d['series'] if s['metric']=='$1' and s['tags'].get('scenario_seen')=='$2'][0]"; }
expect_eq "shared-iterations: iterationInTest runs 0..5 over 6 iterations (count)" 6 "$(sel iteration_in_test shared count)"
expect_eq "... min 0" 0 "$(sel iteration_in_test shared min)"
expect_eq "... max 5" 5 "$(sel iteration_in_test shared max)"
expect_num "shared-iterations: progress is done/6, below 1 while iterations start" "$(sel progress shared max)" lt 1
expect_num "constant-vus 600 ms: progress by time reaches past 0.5" "$(sel progress timed max)" gt 0.5
expect_num "... and starts near 0 (below 0.3 even on a slow machine)" "$(sel progress timed min)" lt 0.3
completed=$(sed -n 's/.*instance completed=\([0-9]*\).*/\1/p' "$TMP/x.out")
interrupted=$(sed -n 's/.*interrupted=\([0-9]*\).*/\1/p' "$TMP/x.out")
expect_eq "teardown: iterationsCompleted = the summary's iterations" "$(j "int(d['metrics']['iterations']['values']['count'])")" "$completed"
expect_eq "teardown: iterationsInterrupted = 1 (the cut scenario's)" 1 "$interrupted"
finish
