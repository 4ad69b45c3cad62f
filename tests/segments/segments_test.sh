#!/usr/bin/env bash
# segments_test.sh — one test split across lt processes with k6's execution segments: a B2-like
# constant-arrival-rate test against mesim, once as one process and once as three segments
# (0:1/3, 1/3:2/3, 2/3:1) started together with --start-at. The three send exactly the requests
# of the schedule, with the single run's per-shard split; shared-iterations and constant-vus
# shares add up exactly; lt merge of the three gives the single run's counts, complete, a p(99)
# (of http_req_duration and of a per-shard sub-metric) that is the three's raw samples' within the
# histogram's 1/1024 and the single run's within a measured factor, judges a count threshold only
# the whole meets, and marks a missing segment partial; lt.vu.idInTest is unique over the
# segments (1..N of the whole test); bad segments and start times are refused (exit 104). ~35 s.
. "$(dirname "$0")/../lib.sh"
SCRIPT=$ROOT/tests/segments/b2_segments.lua
SEQ=0,1/3,2/3,1
RATE=60 DUR=4
# every order waits DELAY ms in the shard: the latencies are the target's, not the busy machine's
# scheduling noise, so the single and the merged run's p(99) can be compared (P99_TOL, below)
DELAY=50
start_mesim_cluster --delay-ms $DELAY || { fail "mesim cluster starts"; finish; }
GW=http://127.0.0.1:$GW_PORT

# sums SUMMARY...: per metric:scenario (and http_reqs per shard) over the summaries' series
sums() {
    python3 - "$@" <<'PY'
import json, sys
tot = {}
for f in sys.argv[1:]:
    for s in json.load(open(f))["series"]:
        m, t = s["metric"], s["tags"]
        keys = []
        if m in ("iterations", "dropped_iterations"): keys.append(m + ":" + t.get("scenario", ""))
        if m == "http_reqs": keys.append("http_reqs:shard=" + t.get("shard", "?"))
        for k in keys: tot[k] = tot.get(k, 0) + int(s["values"]["count"])
print(" ".join("%s=%d" % kv for kv in sorted(tot.items())))
PY
}
get() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# ---- one process
timeout 60 "$LT" run "$SCRIPT" -q -e GATEWAY_URL=$GW -e RATE=$RATE -e DURATION=${DUR}s \
    --out "json=$TMP/whole.k6.ndjson" --summary-export "$TMP/whole.json" >"$TMP/whole.log" 2>&1
expect_eq "single run exits 0" 0 $?
WHOLE=$(sums "$TMP/whole.json")
echo "     single: $WHOLE"
expect_eq "single run: peak starts every scheduled iteration ($((RATE * DUR)))" $((RATE * DUR)) \
    "$(get iterations:peak "$WHOLE")"

# ---- three segments, started together
AT=$(($(date +%s) + 3))
AT_RFC=$(date -u -d "@$AT" +%Y-%m-%dT%H:%M:%SZ)
i=0
for seg in 0:1/3 1/3:2/3 2/3:1; do
    i=$((i + 1))
    at=$AT; [ $i -eq 2 ] && at=$AT_RFC # both forms of --start-at
    timeout 60 "$LT" run "$SCRIPT" -q -e GATEWAY_URL=$GW -e RATE=$RATE -e DURATION=${DUR}s \
        --execution-segment "$seg" --execution-segment-sequence "$SEQ" --start-at "$at" \
        --tag instance=i$i --out "lt-json=$TMP/seg$i.ndjson" --out "json=$TMP/seg$i.k6.ndjson" \
        --summary-export "$TMP/seg$i.json" \
        >"$TMP/seg$i.log" 2>&1 &
    PIDS[$i]=$!
    _PIDS+=($!)
done
for i in 1 2 3; do wait "${PIDS[$i]}"; expect_eq "segment $i exits 0" 0 $?; done
SEGS=$(sums "$TMP/seg1.json" "$TMP/seg2.json" "$TMP/seg3.json")
echo "     3 segments: $SEGS"
started=$(get iterations:peak "$SEGS")
dropped=$(get dropped_iterations:peak "$SEGS")
expect_eq "segments: started + dropped peak iterations = the schedule ($((RATE * DUR)))" \
    $((RATE * DUR)) $((started + ${dropped:-0}))
expect_eq "segments: no peak start dropped" "" "$dropped"
for sh in a b c; do
    expect_eq "segments: shard $sh gets the single run's requests" \
        "$(get "http_reqs:shard=$sh" "$WHOLE")" "$(get "http_reqs:shard=$sh" "$SEGS")"
done
expect_eq "segments: shared-iterations add up to 50" 50 "$(get iterations:shared "$SEGS")"
expect_eq "segments: shared-iterations' iteration_in_test are 0..49, each once" "0..49" "$(python3 -c '
import json, sys
seen = [int(s["tags"]["i"]) for f in sys.argv[1:] for s in json.load(open(f))["series"]
        if s["metric"] == "shared_iteration_in_test" for _ in range(int(s["values"]["count"]))]
print("0..49" if sorted(seen) == list(range(50)) else sorted(seen))' "$TMP"/seg[123].json)"
expect_eq "single run: ramping-arrival-rate starts its 40" 40 "$(get iterations:rising "$WHOLE")"
expect_eq "segments: ramping-arrival-rate starts + drops add up to 40" 40 \
    $(($(get iterations:rising "$SEGS") + $(get dropped_iterations:rising "$SEGS" | grep . || echo 0)))
# k6's shares: maxVUs 60 -> 20 each (20 of every 60 starts); shared 5 VUs -> 2,2,1, 50 -> 20,20,10
each=""
for i in 1 2 3; do each="$each $(sums "$TMP/seg$i.json" | sed -n 's/.*iterations:peak=\([0-9]*\).*/\1/p')"; done
expect_eq "segments: peak split 80/80/80 as k6 stripes maxVUs 60" " 80 80 80" "$each"
each=""
for i in 1 2 3; do each="$each $(sums "$TMP/seg$i.json" | sed -n 's/.*iterations:shared=\([0-9]*\).*/\1/p')"; done
expect_eq "segments: shared-iterations split 20/20/10 (k6's)" " 20 20 10" "$each"
expect_eq "segments: planned_iterations 80/80/80, target_rate 20/s each" "80 20 80 20 80 20" "$(for i in 1 2 3; do
    json_get "$TMP/seg$i.json" '"%d %g" % (d["scenarios"]["peak"]["planned_iterations"], d["scenarios"]["peak"]["target_rate"])'
    done | tr '\n' ' ' | sed 's/ $//')"
for i in 1 2 3; do
    expect_eq "segment $i: summary started_at is --start-at" "$AT_RFC" \
        "$(json_get "$TMP/seg$i.json" 'd["started_at"]')"
done
expect_eq "segment 2: summary execution_segment" "1/3:2/3" \
    "$(json_get "$TMP/seg2.json" 'd["execution_segment"]')"
expect_eq "segment 3: summary execution_segment_sequence" "$SEQ" \
    "$(json_get "$TMP/seg3.json" 'd["execution_segment_sequence"]')"
expect_eq "single run: no execution_segment key" "False" \
    "$(json_get "$TMP/whole.json" '"execution_segment" in d or "execution_segment_sequence" in d')"
expect_eq "segment 1: lt-json run line names the segment and instance" "0:1/3 i1" \
    "$(head -1 "$TMP/seg1.ndjson" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["execution_segment"], d["tags"]["instance"])')"

# ---- lt merge of the three: the whole test again
"$LT" merge "$TMP/seg1.json" "$TMP/seg2.json" "$TMP/seg3.json" >"$TMP/merged.json" 2>"$TMP/merge.err"
expect_eq "lt merge of the three exits 0" 0 $?
MERGED=$(sums "$TMP/merged.json")
expect_eq "merged: the single run's counts (requests per shard, iterations)" "$WHOLE" "$MERGED"
expect_eq "merged: complete (0:1, not partial)" "0:1 False" \
    "$(json_get "$TMP/merged.json" '"%s %s" % (d["execution_segment"], d["partial"])')"
# p(99), of http_req_duration and of its shard a sub-metric. Exact claim: the merged histogram's
# p(99) is the p(99) (k6's interpolation) of every raw sample the three instances wrote with --out
# json, within the histogram's relative error (1/1024: each bucket reports its midpoint; the
# interpolation of two values each within 1/1024 stays within 1/1024). The single run is another
# run of a real target, so its p(99) differs by more than that: against it the merged p(99) is
# asserted within a measured tolerance (P99_TOL below); the target's 50 ms delay keeps both runs'
# latencies the target's rather than the busy machine's.
p99s() { # SUMMARY K6_NDJSON...: per metric, "NAME summary_p99 raw_p99 summary_count raw_count"
    python3 - "$@" <<'PY'
import json, sys
summ = json.load(open(sys.argv[1]))
raw = {"http_req_duration": [], "http_req_duration{shard:a}": []}
for f in sys.argv[2:]:
    for line in open(f):
        d = json.loads(line)
        if d.get("type") != "Point" or d["metric"] != "http_req_duration": continue
        raw["http_req_duration"].append(d["data"]["value"])
        if d["data"]["tags"].get("shard") == "a": raw["http_req_duration{shard:a}"].append(d["data"]["value"])
def pct(v, p): # k6's: linear between the samples at ranks floor and floor+1 of (n-1)*p/100
    v = sorted(v); r = (len(v) - 1) * p / 100.0; i = int(r)
    return v[i] if i + 1 >= len(v) else v[i] + (v[i + 1] - v[i]) * (r - i)
for name, v in raw.items():
    m = summ["metrics"][name]["values"]
    print(name, repr(m["p(99)"]), repr(pct(v, 99) if v else -1), m["count"], len(v))
PY
}
# Single vs merged: the ratio of the two p(99)s (either way up), measured on the 2-core development
# machine with two busy loops beside it, over 9 runs: 1.00-1.09 in 6, 1.92 and 2.29 when a few
# requests of one run stalled behind a 50 ms delay (a compile running beside), 19.6 once under a
# parallel build (that run also dropped starts and failed the counts above). P99_TOL allows the
# stalls; a merge that misplaced buckets (x2 per power of two), units (x1000) or kept one instance's
# tail is caught here or, exactly, by the raw-sample check above.
P99_TOL=3
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = (a > 0 && b > 0) ? (a > b ? a / b : b / a) : 1e9; printf "%.4g\n", r }'; }
relerr() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "%.6g\n", (b > 0 ? d / b : 1) }'; }
p99s "$TMP/merged.json" "$TMP"/seg[123].k6.ndjson >"$TMP/p99.merged"
p99s "$TMP/whole.json" "$TMP/whole.k6.ndjson" >"$TMP/p99.whole"
echo "     p(99) merged vs raw:"; sed 's/^/       /' "$TMP/p99.merged"
echo "     p(99) single vs raw:"; sed 's/^/       /' "$TMP/p99.whole"
for name in 'http_req_duration' 'http_req_duration{shard:a}'; do
    read -r _ mp rp mc rc < <(grep -F "$name " "$TMP/p99.merged")
    expect_eq "merged $name: the histogram counts every raw sample of the three" "$rc" "$mc"
    expect_num "merged $name p(99) within 1/1024 of the three's raw samples' p(99) (rel. error)" \
        "$(relerr "$mp" "$rp")" le 0.0009766
    read -r _ sp srp _ _ < <(grep -F "$name " "$TMP/p99.whole")
    expect_num "single $name p(99) within 1/1024 of its own raw samples' (rel. error)" \
        "$(relerr "$sp" "$srp")" le 0.0009766
    expect_num "single $name p(99) is at least the target's delay ($DELAY ms)" "$sp" ge $DELAY
    expect_num "merged $name p(99) within a factor $P99_TOL of the single run's" \
        "$(ratio "$mp" "$sp")" le $P99_TOL
done
"$LT" merge --threshold 'http_reqs=count>=240' "$TMP/seg1.json" "$TMP/seg2.json" "$TMP/seg3.json" \
    >/dev/null 2>&1
expect_eq "merged: count>=240 (each instance has 80) holds on the whole: exit 0" 0 $?
"$LT" merge --threshold 'http_reqs=count>240' "$TMP/seg1.json" "$TMP/seg2.json" "$TMP/seg3.json" \
    >/dev/null 2>&1
expect_eq "merged: count>240 fails on the whole: exit 99" 99 $?
"$LT" merge "$TMP/seg1.json" "$TMP/seg3.json" >"$TMP/partial.json" 2>"$TMP/partial.err"
expect_eq "merge without 1/3:2/3: partial" "True" "$(json_get "$TMP/partial.json" 'd["partial"]')"
expect_match "merge without 1/3:2/3 names the missing segment" "1/3:2/3" "$TMP/partial.err"
"$LT" merge "$TMP/seg1.json" "$TMP/seg2.json" "$TMP/whole.json" >/dev/null 2>"$TMP/overlap.err"
expect_eq "merge of segments with the whole run (overlap): exit 112" 112 $?

# ---- lt inspect shows the share; constant-vus VUs add up to 10
vus=0
for seg in 0:1/3 1/3:2/3 2/3:1; do
    v=$("$LT" inspect "$SCRIPT" --execution-segment "$seg" --execution-segment-sequence "$SEQ" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["segment"]["scenarios"]["steady"]["vus"])')
    vus=$((vus + v))
done
expect_eq "inspect: constant-vus shares add up to 10" 10 "$vus"
expect_eq "inspect: segment 2/3:1 of peak" "20 20 1/3" "$("$LT" inspect "$SCRIPT" --execution-segment 2/3:1 \
    --execution-segment-sequence "$SEQ" | python3 -c 'import json,sys; p=json.load(sys.stdin)["segment"]["scenarios"]["peak"]; print(p["preAllocatedVUs"], p["maxVUs"], p["iterationShare"])')"

# ---- a segment that owns nothing of a scenario skips it (1 VU over thirds: only 0:1/3 has it)
cat >"$TMP/one.lua" <<'LUA'
options = { scenarios = {
  one = { executor = "per-vu-iterations", vus = 1, iterations = 2 },
  few = { executor = "shared-iterations", vus = 3, iterations = 3 },
} }
function default() end
LUA
f=0
for seg in 0:1/3 1/3:2/3; do
    timeout 30 "$LT" run "$TMP/one.lua" -q --execution-segment $seg --execution-segment-sequence "$SEQ" \
        --summary-export "$TMP/one-$f.json" >"$TMP/one.log" 2>&1
    expect_eq "segment $seg of a 1-VU scenario exits 0" 0 $?
    f=$((f + 1))
done
expect_eq "1-VU scenario: 0:1/3 runs its 2 iterations, 1/3:2/3 none; 3 shared ones 1 + 1" "2 0 1 1" "$(
    { for f in 0 1; do json_get "$TMP/one-$f.json" 'd["scenarios"]["one"]["iterations"]'; done
      for f in 0 1; do json_get "$TMP/one-$f.json" 'd["scenarios"]["few"]["iterations"]'; done; } |
        tr '\n' ' ' | sed 's/ $//')"
# ---- lt.vu.idInTest: unique over the segments and 1..N of the whole test (k6's
# GetUniqueVUIdentifiers); lt.vu.id (idInInstance) is the instance's own 1..n
cat >"$TMP/ids.lua" <<'LUA'
local lt = require "lt"
local seen = lt.metrics.counter("vu_ids")
options = { scenarios = { v = { executor = "per-vu-iterations", vus = 10, iterations = 1 } } }
function default()
  assert(lt.vu.idInInstance == lt.vu.id, "idInInstance is lt.vu.id")
  seen:add(1, { id = tostring(lt.vu.id), test = tostring(lt.vu.idInTest) })
end
LUA
# ids SUMMARY...: per summary "test ids (ascending, comma-separated)/instance ids"
ids() {
    python3 - "$@" <<'PY'
import json, sys
for f in sys.argv[1:]:
    pairs = [(int(s["tags"]["test"]), int(s["tags"]["id"])) for s in json.load(open(f))["series"]
             if s["metric"] == "vu_ids" for _ in range(int(s["values"]["count"]))]
    pairs.sort()
    print(",".join(str(t) for t, _ in pairs) + "/" + ",".join(str(i) for i in sorted(i for _, i in pairs)))
PY
}
timeout 30 "$LT" run "$TMP/ids.lua" -q --summary-export "$TMP/ids-whole.json" >"$TMP/ids.log" 2>&1
expect_eq "not segmented: idInTest is lt.vu.id, 1..10" "1,2,3,4,5,6,7,8,9,10/1,2,3,4,5,6,7,8,9,10" \
    "$(ids "$TMP/ids-whole.json")"
i=0
for seg in 0:1/3 1/3:2/3 2/3:1; do
    i=$((i + 1))
    timeout 30 "$LT" run "$TMP/ids.lua" -q --execution-segment $seg --execution-segment-sequence "$SEQ" \
        --summary-export "$TMP/ids-$i.json" >"$TMP/ids.log" 2>&1
    expect_eq "ids: segment $seg exits 0" 0 $?
done
# k6's stripe over thirds: 0:1/3 owns VUs 1, 4, 7, 10 of the whole test's 10; its own ids are 1..4
expect_eq "segments: idInTest striped as k6's, lt.vu.id each instance's own" \
    "1,4,7,10/1,2,3,4 2,5,8/1,2,3 3,6,9/1,2,3" "$(ids "$TMP"/ids-[123].json | tr '\n' ' ' | sed 's/ $//')"
expect_eq "segments: idInTest over the three instances is 1..10, each once" "1,2,3,4,5,6,7,8,9,10" \
    "$(ids "$TMP"/ids-[123].json | cut -d/ -f1 | tr ',' '\n' | sort -n | paste -sd,)"

# ---- Ctrl-C while waiting for --start-at: the run stops at once (exit 105), no load sent
"$LT" run "$TMP/one.lua" -q --start-at $(($(date +%s) + 60)) --out "lt-json=$TMP/wait.ndjson" \
    --summary-export "$TMP/wait.json" >"$TMP/wait.log" 2>&1 &
WAIT_PID=$!
_PIDS+=($WAIT_PID)
await_cond 10 test -s "$TMP/wait.ndjson" # outputs start before the wait
t0=$SECONDS
kill -INT $WAIT_PID
wait $WAIT_PID
expect_eq "SIGINT during the --start-at wait: exit 105" 105 $?
expect_num "... within 2 s of the signal, not at the start time (s)" $((SECONDS - t0)) le 2
expect_eq "... and no iteration ran" 0 "$(json_get "$TMP/wait.json" 'd["scenarios"]["one"]["iterations"]')"

# ---- the options keys executionSegment / executionSegmentSequence, and the flags over them
cat >"$TMP/opt.lua" <<'LUA'
options = {
  executionSegment = "2/3:1", executionSegmentSequence = "0,1/3,2/3,1",
  scenarios = { s = { executor = "shared-iterations", vus = 6, iterations = 30 } },
}
function default() end
LUA
expect_eq "options.executionSegment: the share of 2/3:1 (2 VUs, 10 iterations)" "2/3:1 2 10" "$("$LT" inspect "$TMP/opt.lua" |
    python3 -c 'import json,sys; g=json.load(sys.stdin)["segment"]; print(g["executionSegment"], g["scenarios"]["s"]["vus"], g["scenarios"]["s"]["iterations"])')"
expect_eq "--execution-segment wins over the option" "0:1/3" "$("$LT" inspect "$TMP/opt.lua" --execution-segment 0:1/3 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["segment"]["executionSegment"])')"
expect_eq "the resolved options stay the whole test's (6 VUs, 30 iterations)" "6 30" "$("$LT" inspect "$TMP/opt.lua" |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["scenarios"]["s"]; print(s["vus"], s["iterations"])')"

# ---- refusals (exit 104)
"$LT" inspect "$SCRIPT" --execution-segment 1/2:1/3 >"$TMP/bad.log" 2>&1
expect_eq "a segment whose start is past its end: exit 104" 104 $?
"$LT" inspect "$SCRIPT" --execution-segment 1/4:1/2 --execution-segment-sequence "$SEQ" >"$TMP/bad2.log" 2>&1
expect_eq "a segment not in the sequence: exit 104" 104 $?
expect_match "the message names the sequence" "not one of the sequence 0,1/3,2/3,1" "$TMP/bad2.log"
"$LT" inspect "$SCRIPT" --start-at $(($(date +%s) - 30)) >"$TMP/past.log" 2>&1
expect_eq "--start-at in the past: exit 104" 104 $?
"$LT" inspect "$SCRIPT" --start-at "$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)" >"$TMP/far.log" 2>&1
expect_eq "--start-at more than 24 h ahead: exit 104" 104 $?
"$LT" inspect "$SCRIPT" --start-at tomorrow >"$TMP/garbage.log" 2>&1
expect_eq "--start-at that is no time: exit 2" 2 $?
finish
