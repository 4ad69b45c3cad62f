#!/usr/bin/env bash
# smoke_test.sh — the benchmark still works: a 1-second, one-pair run of tests/bench/run prints the
# table and writes bench-results.json with every case. It checks that the numbers exist, never the
# bars (a short run on a shared CI machine says nothing about performance).
set -u
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

unset LT_BENCH_CASES LT_BENCH_STRICT LT_BENCH_PROFILE LT_BENCH_BASELINE
out=$TMP/bench.out
json=$TMP/bench-results.json
LT_BENCH_SECONDS=${LT_BENCH_SECONDS:-1} LT_BENCH_PAIRS=${LT_BENCH_PAIRS:-1} LT_BENCH_OUT=$json \
    "$ROOT/tests/bench/run" >"$out" 2>"$TMP/bench.err"
rc=$?
expect_eq "bench exits 0 (every run produced results)" 0 "$rc"
[ "$rc" -eq 0 ] || { echo "--- stdout"; tail -n 30 "$out"; echo "--- stderr"; tail -n 30 "$TMP/bench.err"; }
expect_match "table states the machine" '^lt benchmark -- machine: .*cores' "$out"
expect_match "table has its header" '^case +metric +lt \(median\) +wrk \(median\) +lt/wrk +bar +result' "$out"
for c in "P1 raw" "P2 scripted" "P3 open" "P4 memory" "P5 schedule" "P6 honesty" "P7 start-up" "P8 samples" "P9 merge" "P10 summary"; do
    expect_match "table has a row for $c" "^$c " "$out"
done
check "bench-results.json parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$json"
check "JSON has the machine and every case" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "lt-bench/1" and d["machine"]["cores"] >= 1
assert set(d["cases"]) >= {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10"}, sorted(d["cases"])
assert not d["broken_runs"], d["broken_runs"]
' "$json"
check "P1 measured both tools" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["cases"]["P1"]
assert c["lt_rps"] > 0 and c["wrk_rps"] > 0 and c["lt_cpu_per_100k"] > 0 and c["wrk_cpu_per_100k"] > 0, c
' "$json"
check "P2 lt checks passed and wrk saw only 200s" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["cases"]["P2"]
assert c["lt_rps"] > 0 and c["wrk_rps"] > 0 and c["lt_check_fails"] == 0 and c["wrk_non_2xx"] == 0, c
' "$json"
check "P3/P5/P6 have schedule numbers" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["cases"]
assert d["P3"]["achieved_requests"] > 0 and d["P5"]["lag_p99_ms"] is not None
assert d["P5"]["corr_minus_uncorr_p50_ms"] is not None and d["P6"]["dropped_iterations"] >= 0
' "$json"
check "P4 and P7 measured" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["cases"]
assert d["P4"]["lt_peak_rss_mb"] > 0 and d["P4"]["peak_connections_seen"] > 0
assert d["P7"]["largest_ms"] > 0
' "$json"
finish
