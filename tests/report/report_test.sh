#!/usr/bin/env bash
# lt report (issue 12): verdicts from fixtures made by real runs at --time-scale 0.01 against mesim
# (a2_pass, b1_pass, b2_pass; a2_slow: mesim --delay-ms 250; b1_dead: a refused port). Each figure
# is checked against a value computed here from the fixture independently (python3).
source "$(dirname "$0")/../lib.sh"
F=$ROOT/tests/report/fixtures

# report NAME ARGS...: runs lt report, output in $TMP/NAME.out, stderr in $TMP/NAME.err, rc in RC.
report() { local n=$1; shift; "$LT" report "$@" >"$TMP/$n.out" 2>"$TMP/$n.err"; RC=$?; }
# row FILE ASR INDEX|PREFIX FIELD: a field of a row of a JSON report (by index, or the first row
# whose criterion starts with PREFIX).
row() { python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))[sys.argv[2]]["rows"]
k = sys.argv[3]
r = rows[int(k)] if k.isdigit() else next(x for x in rows if x["criterion"].startswith(k))
print(r[sys.argv[4]])' "$@"; }
asr() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["verdict"])' "$@"; }
close() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-b) <= 1e-6*max(1,abs(b)) else 1)' "$1" "$2"; }

# Independent figures from a fixture.
py_p99() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"][sys.argv[2]]["values"]["p(99)"])' "$@"; }
py_shard_p99() { python3 - "$@" <<'PY'
import json, sys, math
s = json.load(open(sys.argv[1])); shard = sys.argv[2]
vals = []  # every sample as its bucket's midpoint, clamped to [min, max] later
lo, hi = math.inf, -math.inf
for r in s["series"]:
    t = r.get("tags", {})
    if r["metric"] != "match_latency_ms" or t.get("shard") != shard or t.get("kind") in ("seed", "control"):
        continue
    h = r["histogram"]; lo = min(lo, h["min"]); hi = max(hi, h["max"])
    vals += [0.0] * h["zero"]
    for i, c in h["pos"]:
        e, k = divmod(i, h["sub"]); vals += [(1 + (k + 0.5) / h["sub"]) * 2.0 ** (e - 1100)] * c
vals.sort(); n = len(vals)
vals = [min(hi, max(lo, v)) for v in vals]; vals[0] = lo; vals[-1] = hi
r = (n - 1) * 0.99; f = int(r)
print(vals[f] if f + 1 >= n else vals[f] + (vals[f + 1] - vals[f]) * (r - f))
PY
}
py_throughput() { python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
load = lambda m: [r for r in s["series"] if r["metric"] == m and r.get("tags", {}).get("kind") not in ("seed", "control")]
ok = sum(r["values"]["count"] for r in load("http_reqs")) - sum(r["values"]["passes"] for r in load("http_req_failed"))
print(ok / s["duration_s"])
PY
}

# --- a passing A2: ASR 1 passes, exit 0 (ASR 2 undecided: it has no B data) ---
report a2 "$F/a2_pass.json"
expect_eq "A2 pass: exit 0" 0 "$RC"
expect_match "A2 pass: ASR 1 PASS" '^## ASR 1 \(from A2\): PASS' "$TMP/a2.out"
expect_match "A2 pass: the time scale is stated" 'Time scale 0.01' "$TMP/a2.out"
report a2j --format json "$F/a2_pass.json"
check "json output is valid JSON" python3 -m json.tool "$TMP/a2j.out"
expect_eq "json: ASR 1 pass" pass "$(asr "$TMP/a2j.out" asr1)"
check "json: p99 http_req_duration figure = fixture's" close "$(row "$TMP/a2j.out" asr1 0 value)" "$(py_p99 "$F/a2_pass.json" http_req_duration)"
check "json: p99 match_latency_ms figure = fixture's" close "$(row "$TMP/a2j.out" asr1 1 value)" "$(py_p99 "$F/a2_pass.json" match_latency_ms)"
expect_eq "json: GC row undecided, naming the data" "undecided" "$(row "$TMP/a2j.out" asr1 4 verdict)"
expect_match "json: the GC row says mesim has no GC" 'mesim has no GC' "$TMP/a2j.out"
report a2o --format json -o "$TMP/written.json" "$F/a2_pass.json"
check "-o writes the file (same as stdout)" cmp "$TMP/written.json" "$TMP/a2j.out"
expect_eq "-o: nothing on stdout" "" "$(cat "$TMP/a2o.out")"

# --- a failing A2 (mesim 250 ms slower): ASR 1 fails, exit 99 ---
report a2s --format json "$F/a2_slow.json"
expect_eq "A2 slow: exit 99" 99 "$RC"
expect_eq "A2 slow: ASR 1 fail" fail "$(asr "$TMP/a2s.out" asr1)"
expect_eq "A2 slow: match_latency_ms row fails" fail "$(row "$TMP/a2s.out" asr1 1 verdict)"
check "A2 slow: its figure = fixture's p99" close "$(row "$TMP/a2s.out" asr1 1 value)" "$(py_p99 "$F/a2_slow.json" match_latency_ms)"

# --- B1 + B2: per-shard p99 and linear scaling, figures computed independently ---
report b --format json "$F/b1_pass.json" "$F/b2_pass.json"
for i in 1 2 3; do
    sh=$(echo " a b c" | cut -d' ' -f$((i + 1)))
    expect_eq "B2 shard $sh p99 row passes" pass "$(row "$TMP/b.out" asr2 $i verdict)"
    check "B2 shard $sh p99 = merged histograms' p99" close "$(row "$TMP/b.out" asr2 $i value)" "$(py_shard_p99 "$F/b2_pass.json" $sh)"
done
want=$(python3 -c "import sys; print(float(sys.argv[2]) / (3 * float(sys.argv[1])))" "$(py_throughput "$F/b1_pass.json")" "$(py_throughput "$F/b2_pass.json")")
check "linear scaling ratio = B2 / (3 x B1) from the fixtures" close "$(row "$TMP/b.out" asr2 4 value)" "$want"
expect_eq "linear scaling passes" pass "$(row "$TMP/b.out" asr2 4 verdict)"
expect_eq "matches/min undecided without a scrape" undecided "$(row "$TMP/b.out" asr2 0 verdict)"
expect_match "matches/min names the scrape" "scrape the shards' /metrics" "$TMP/b.out"
expect_eq "B only: ASR 1 and 2 undecided -> exit 110" 110 "$RC"

# --- a dead-target B1 (every request refused): linear scaling FAIL, never pass; exit 99 ---
report dead --format json "$F/b1_dead.json" "$F/b2_pass.json"
expect_eq "dead B1: exit 99" 99 "$RC"
expect_eq "dead B1: scaling row fails" fail "$(row "$TMP/dead.out" asr2 4 verdict)"
expect_match "dead B1: says all requests failed" 'all 31 load requests failed' "$TMP/dead.out"

report deadonly --format json "$F/b1_dead.json"
expect_eq "dead B1 alone: exit 99 (the scaling row cannot pass, B2 or not)" 99 "$RC"
expect_eq "dead B1 alone: scaling row fails" fail "$(row "$TMP/deadonly.out" asr2 "linear scaling" verdict)"

# --- B2 without B1: the scaling row is undecided and asks for B1; exit 110 ---
report nob1 --format json "$F/b2_pass.json"
expect_eq "no B1: exit 110" 110 "$RC"
expect_eq "no B1: scaling undecided" undecided "$(row "$TMP/nob1.out" asr2 4 verdict)"
expect_match "no B1: names what decides it" 'run B1 too' "$TMP/nob1.out"

# --- stdin, and all three together ---
"$LT" report - <"$F/a2_pass.json" >"$TMP/stdin.out" 2>&1; RC=$?
expect_eq "stdin: exit 0" 0 "$RC"
expect_match "stdin: recognised as A2" '\(stdin\): A2' "$TMP/stdin.out"
report all "$F/a2_pass.json" "$F/b1_pass.json" "$F/b2_pass.json"
expect_eq "A2+B1+B2: ASR 1 pass, ASR 2 undecided -> exit 0" 0 "$RC"

# --- A4 (real run at --time-scale 0.02, broker paused via mesim's admin call) ---
report a4 --format json "$F/a2_pass.json" "$F/a4_pass.json"
expect_eq "A4: row passes" pass "$(row "$TMP/a4.out" asr1 "A4:" verdict)"
want=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]; print(m["match_latency_ms{phase:outage}"]["values"]["p(99)"] / m["match_latency_ms{phase:before}"]["values"]["p(99)"])' "$F/a4_pass.json")
check "A4: ratio = outage p99 / before p99 from the fixture" close "$(row "$TMP/a4.out" asr1 "A4:" value)" "$want"
# the same run with the outage p99 doubled (edited here): fails, unless the rise is under the allowance
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); v=s["metrics"]["match_latency_ms{phase:outage}"]["values"]; v["p(99)"]=2*s["metrics"]["match_latency_ms{phase:before}"]["values"]["p(99)"]; json.dump(s,open(sys.argv[2],"w"))' "$F/a4_pass.json" "$TMP/a4_slow.json"
report a4s --format json "$F/a2_pass.json" "$TMP/a4_slow.json"
expect_eq "A4 doubled: exit 99" 99 "$RC"
expect_eq "A4 doubled: row fails" fail "$(row "$TMP/a4s.out" asr1 "A4:" verdict)"
report a4n --format json --a4-noise-ms 5 "$F/a2_pass.json" "$TMP/a4_slow.json"
expect_eq "A4 doubled, --a4-noise-ms 5 (rise ~0.3 ms): passes" pass "$(row "$TMP/a4n.out" asr1 "A4:" verdict)"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["metrics"]["match_latency_ms{phase:outage}"]["values"]["count"]=0; json.dump(s,open(sys.argv[2],"w"))' "$F/a4_pass.json" "$TMP/a4_empty.json"
report a4e --format json "$TMP/a4_empty.json"
expect_eq "A4 without outage samples: fails, never passes" fail "$(row "$TMP/a4e.out" asr1 "A4:" verdict)"
report noa4 --format json "$F/a2_pass.json"
expect_eq "no A4: undecided and not counted (ASR 1 still passes)" "undecided False pass" "$(row "$TMP/noa4.out" asr1 "A4:" verdict) $(row "$TMP/noa4.out" asr1 "A4:" required) $(asr "$TMP/noa4.out" asr1)"

# --- bad input and usage ---
echo '{"schema":"other"}' >"$TMP/foreign.json"
report foreign "$TMP/foreign.json"
expect_eq "foreign JSON: exit 111" 111 "$RC"
expect_match "foreign JSON: names the file" 'foreign.json: not an lt JSON summary' "$TMP/foreign.err"
head -c 5000 "$F/a2_pass.json" >"$TMP/truncated.json"
report trunc "$TMP/truncated.json"
expect_eq "truncated summary: exit 111" 111 "$RC"
expect_match "truncated summary: says not JSON" 'truncated.json: not JSON' "$TMP/trunc.err"
report missing "$TMP/nonexistent.json"
expect_eq "missing file: exit 111" 111 "$RC"
report xml --format xml "$F/a2_pass.json"
expect_eq "--format xml: exit 2" 2 "$RC"
expect_match "--format xml: names the formats" 'md, json or html' "$TMP/xml.err"
report none
expect_eq "no summary: exit 2" 2 "$RC"
report badflag --frobnicate "$F/a2_pass.json"
expect_eq "unknown flag: exit 2" 2 "$RC"

# --- an installed binary run from another directory finds its lua/report ---
mkdir -p "$TMP/inst/bin" "$TMP/inst/lua"
cp "$LT" "$TMP/inst/bin/lt" && cp -r "$ROOT/lua/report" "$TMP/inst/lua/"
(cd / && "$TMP/inst/bin/lt" report "$F/a2_pass.json" >"$TMP/inst.out" 2>&1); RC=$?
expect_eq "installed binary from /: exit 0" 0 "$RC"

# --- Markdown escapes what comes from the input (a file name with markup) ---
cp "$F/a2_pass.json" "$TMP/<b>x|y.json"
report esc "$TMP/<b>x|y.json"
expect_match "file name escaped in Markdown" '&lt;b&gt;x\\\|y\.json' "$TMP/esc.out"
finish
