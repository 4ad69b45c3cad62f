#!/usr/bin/env bash
# lt report (issue 12): verdicts from fixtures made by real runs at --time-scale 0.01 against mesim
# (a2_pass, a3_pass, b1_pass, b2_pass, b2_scrape: B2 with the shards scraped, b3_pass, b4_pass;
# a2_slow: mesim --delay-ms 250; b1_dead: a refused port; the failing A3, B2, B3, B4 variants are
# these runs edited by the test). Each figure
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
expect_match "A2 pass: ASR 1 PASS" '^## ASR 1 \(from A2[^)]*\): PASS' "$TMP/a2.out"
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
check "linear scaling ratio = B2 / (3 x B1) from the fixtures" close "$(row "$TMP/b.out" asr2 "linear scaling" value)" "$want"
expect_eq "linear scaling passes" pass "$(row "$TMP/b.out" asr2 "linear scaling" verdict)"
expect_eq "matches/min undecided without a scrape" undecided "$(row "$TMP/b.out" asr2 0 verdict)"
expect_match "matches/min names the scrape" "scrape the shards' /metrics" "$TMP/b.out"
expect_eq "B only: ASR 1 and 2 undecided -> exit 110" 110 "$RC"

# --- a dead-target B1 (every request refused): linear scaling FAIL, never pass; exit 99 ---
report dead --format json "$F/b1_dead.json" "$F/b2_pass.json"
expect_eq "dead B1: exit 99" 99 "$RC"
expect_eq "dead B1: scaling row fails" fail "$(row "$TMP/dead.out" asr2 "linear scaling" verdict)"
expect_match "dead B1: says all requests failed, and of what" 'all 31 load requests failed \(connection refused: 31\)' "$TMP/dead.out"
# (a count of 0 is true in Lua: this reason was never given before the fix)
expect_match "dead B1: says match_latency_ms has no sample" 'match_latency_ms has no sample' "$TMP/dead.out"

report deadonly --format json "$F/b1_dead.json"
expect_eq "dead B1 alone: exit 99 (the scaling row cannot pass, B2 or not)" 99 "$RC"
expect_eq "dead B1 alone: scaling row fails" fail "$(row "$TMP/deadonly.out" asr2 "linear scaling" verdict)"

# --- B2 without B1: the scaling row is undecided and asks for B1; exit 110 ---
report nob1 --format json "$F/b2_pass.json"
expect_eq "no B1: exit 110" 110 "$RC"
expect_eq "no B1: scaling undecided" undecided "$(row "$TMP/nob1.out" asr2 "linear scaling" verdict)"
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

# --- rows of A3, B3, B4, matches/min and isolation (fixtures: real runs at --time-scale 0.01;
# the failing variants are those runs edited here, so each verdict is known in advance) ---
# edit IN OUT PYTHON: runs PYTHON on the summary `s` (helpers: slow(row, octaves) multiplies a
# series histogram's samples by 2^octaves, load(metric) its load series) and writes OUT.
edit() { python3 - "$@" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def load(m): return [r for r in s["series"] if r["metric"] == m and r.get("tags", {}).get("kind") not in ("seed", "control")]
def slow(r, octaves):
    h = r["histogram"]; h["pos"] = [[i + octaves * h["sub"], c] for i, c in h["pos"]]
    h["min"] *= 2 ** octaves; h["max"] *= 2 ** octaves
exec(sys.argv[3])
json.dump(s, open(sys.argv[2], "w"))
PY
}
report a3 --format json "$F/a2_pass.json" "$F/a3_pass.json"
expect_eq "A2+A3: exit 0" 0 "$RC"
for d in shallow medium deep; do
    expect_eq "A3 $d: row passes" pass "$(row "$TMP/a3.out" asr1 "A3: p99 match_latency_ms at depth $d" verdict)"
done
edit "$F/a3_pass.json" "$TMP/a3deep.json" 's["series"] = [r for r in s["series"] if r.get("tags", {}).get("scenario") == "deep"]; [r["tags"].__setitem__("shard", "x") for r in s["series"]]'
check "A3 deep: figure = merged histograms' p99 of scenario deep" close "$(row "$TMP/a3.out" asr1 "A3: p99 match_latency_ms at depth deep" value)" "$(py_shard_p99 "$TMP/a3deep.json" x)"
edit "$F/a3_pass.json" "$TMP/a3_slow.json" '[slow(r, 9) for r in load("match_latency_ms") if r["tags"].get("scenario") == "deep"]'
report a3s --format json "$F/a2_pass.json" "$TMP/a3_slow.json"
expect_eq "A3 deep 512x slower: exit 99" 99 "$RC"
expect_eq "A3 deep 512x slower: deep fails" fail "$(row "$TMP/a3s.out" asr1 "A3: p99 match_latency_ms at depth deep" verdict)"
expect_eq "A3 deep 512x slower: shallow still passes" pass "$(row "$TMP/a3s.out" asr1 "A3: p99 match_latency_ms at depth shallow" verdict)"
edit "$F/a3_pass.json" "$TMP/a3_nodeep.json" 'del s["scenarios"]["deep"]; s["series"] = [r for r in s["series"] if r.get("tags", {}).get("scenario") != "deep"]'
report a3n --format json "$F/a2_pass.json" "$TMP/a3_nodeep.json"
expect_eq "A3 without deep: the deep row is undecided" undecided "$(row "$TMP/a3n.out" asr1 "A3: p99 match_latency_ms at depth deep" verdict)"
expect_match "A3 without deep: names the depth" 'depth deep did not run' "$TMP/a3n.out"
expect_eq "A3 without deep: ASR 1 undecided, exit 110" "undecided 110" "$(asr "$TMP/a3n.out" asr1) $RC"
edit "$F/a3_pass.json" "$TMP/a3_dead.json" '[r["values"].__setitem__("passes", r["values"].get("passes", 0) + r["values"].get("fails", 0)) for r in load("http_req_failed")]'
report a3d --format json "$F/a2_pass.json" "$TMP/a3_dead.json"
expect_eq "A3 with every request failed: fails, never passes" fail "$(row "$TMP/a3d.out" asr1 "A3:" verdict)"
expect_eq "no A3: undecided, not counted" "undecided False" "$(row "$TMP/a2j.out" asr1 "A3:" verdict) $(row "$TMP/a2j.out" asr1 "A3:" required)"

# matches/min: scraped me_matches_total (12 series, 3 shards) in B2
report mm --format json "$F/b2_scrape.json"
want=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); r=[x["values"] for x in s["series"] if x["metric"]=="me_matches_total"]; print(60*sum(v["value"]-v["min"] for v in r)/s["duration_s"])' "$F/b2_scrape.json")
check "matches/min: average = 60 x scraped increase / duration" close "$(row "$TMP/mm.out" asr2 0 value)" "$want"
expect_eq "matches/min without a timeline: undecided" undecided "$(row "$TMP/mm.out" asr2 0 verdict)"
expect_match "matches/min without a timeline: says what decides it" 'needs a summary with a timeline' "$TMP/mm.out"
edit "$F/b2_scrape.json" "$TMP/mm_low.json" '[r["values"].__setitem__("value", r["values"]["min"] + 1) for r in s["series"] if r["metric"] == "me_matches_total"]'
report mml --format json "$TMP/mm_low.json"
expect_eq "matches/min: 12 matches in all cannot be 2.4 s at 4,750/min: fail" fail "$(row "$TMP/mml.out" asr2 0 verdict)"
# timeline.scraped (the summary's timeline): three 1 s intervals; tl RATES OUT gives each of the
# 12 me_matches_total series (4 symbols per shard) a quarter of the per-shard RATES
tl() { edit "$F/b2_scrape.json" "$2" 'r = '"$1"'
s["timeline"] = {"interval_s": 1, "t": [1, 2, 3], "scraped": [
  {"metric": "me_matches_total_per_s", "tags": x["tags"], "values": [v if v is None else v / 4 for v in r]}
  for x in s["series"] if x["metric"] == "me_matches_total"]}'; }
tl '[28, 28, 28]' "$TMP/tl_pass.json"
report tlp --format json "$TMP/tl_pass.json"
expect_eq "timeline 3 x 84/s (5,040/min) for 3 s >= 2.4 s: pass" pass "$(row "$TMP/tlp.out" asr2 0 verdict)"
expect_eq "timeline: the figure is the longest run in seconds" 3 "$(row "$TMP/tlp.out" asr2 0 value)"
tl '[28, 20, 28]' "$TMP/tl_dip.json"
report tld --format json "$TMP/tl_dip.json"
expect_eq "timeline with a dip to 3,600/min in second 2 (runs of 1 s): fail" fail "$(row "$TMP/tld.out" asr2 0 verdict)"
tl '[28, None, 28]' "$TMP/tl_null.json"
report tln --format json "$TMP/tl_null.json"
expect_eq "timeline with no sample in second 2 (null counts 0): fail, never a pass" fail "$(row "$TMP/tln.out" asr2 0 verdict)"
edit "$TMP/tl_pass.json" "$TMP/tl_trunc.json" 's["timeline"]["scraped"] = s["timeline"]["scraped"][:8]; s["timeline"]["scraped_truncated"] = True'
report tlt --format json "$TMP/tl_trunc.json"
expect_eq "timeline holding 8 of the 12 series (scraped_truncated): undecided, not a low sum" undecided "$(row "$TMP/tlt.out" asr2 0 verdict)"
expect_match "timeline truncated: says so and what to do" 'the timeline kept 8 of the 12 series' "$TMP/tlt.out"

# the spec's rate(...[1m]): at time scale 0.05 a window of 3 one-second intervals; 1 s rates that
# alternate 70/s and 100/s (4,200 and 6,000/min) pass in 3 s windows (>= 80/s: 4,800/min)
tlw() { edit "$F/b2_scrape.json" "$2" 'r = '"$1"'
s["time_scale"] = 0.05
s["timeline"] = {"interval_s": 1, "t": list(range(1, len(r) + 1)), "scraped": [
  {"metric": "me_matches_total_per_s", "tags": x["tags"], "values": [v / 12 for v in r]}
  for x in s["series"] if x["metric"] == "me_matches_total"]}'; }
tlw '[70, 100] * 7 + [70]' "$TMP/tlw_pass.json"
report tlwp --format json "$TMP/tlw_pass.json"
expect_eq "1 min window x 0.05 = 3 intervals: alternating 70/100 per s passes (13 s >= 12 s)" "pass 13" "$(row "$TMP/tlwp.out" asr2 0 verdict) $(row "$TMP/tlwp.out" asr2 0 value)"
expect_match "the source names the window" 'sliding window of 3 intervals' "$TMP/tlwp.out"
tlw '[85] * 6 + [50] * 3 + [85] * 6' "$TMP/tlw_dip.json"
report tlwd --format json "$TMP/tlw_dip.json"
expect_eq "3 s at 50/s in the middle of 15 s: no 12 s run of windows, fail" fail "$(row "$TMP/tlwd.out" asr2 0 verdict)"
# shard isolation: B1 vs B2 shard a p99
report iso --format json "$F/b1_pass.json" "$F/b2_pass.json"
want=$(python3 -c 'import sys; print(float(sys.argv[2]) / float(sys.argv[1]))' "$(py_shard_p99 "$F/b1_pass.json" a)" "$(py_shard_p99 "$F/b2_pass.json" a)")
check "isolation: ratio = B2 / B1 shard a p99 from the fixtures" close "$(row "$TMP/iso.out" asr2 "shard isolation" value)" "$want"
expect_eq "isolation: passes (B2's shard a no slower)" pass "$(row "$TMP/iso.out" asr2 "shard isolation" verdict)"
edit "$F/b2_pass.json" "$TMP/b2_slow_a.json" '[slow(r, 3) for r in load("match_latency_ms") if r["tags"].get("shard") == "a"]'
report isos --format json "$F/b1_pass.json" "$TMP/b2_slow_a.json"
expect_eq "isolation: B2's shard a 8x slower fails" fail "$(row "$TMP/isos.out" asr2 "shard isolation" verdict)"
report ison --format json --isolation-noise-ms 50 "$F/b1_pass.json" "$TMP/b2_slow_a.json"
expect_eq "isolation: ... unless the rise is under --isolation-noise-ms 50" pass "$(row "$TMP/ison.out" asr2 "shard isolation" verdict)"
expect_match "isolation without B1: asks for B1" 'run B1 too' "$TMP/nob1.out"
expect_eq "isolation without B1: undecided" undecided "$(row "$TMP/nob1.out" asr2 "shard isolation" verdict)"
report isobad --isolation-noise-ms -3 "$F/b2_pass.json"
expect_eq "--isolation-noise-ms -3: exit 2" 2 "$RC"

# B3: the ramp delivered, p99 during it
report b3 --format json "$F/b3_pass.json"
expect_eq "B3: ramp row passes" pass "$(row "$TMP/b3.out" asr2 "B3: the ramp" verdict)"
expect_eq "B3: the figure is iterations / planned in %" 100 "$(row "$TMP/b3.out" asr2 "B3: the ramp" value)"
expect_eq "B3: p99 row passes" pass "$(row "$TMP/b3.out" asr2 "B3: p99" verdict)"
expect_eq "B3 with a timeline: the achieved-rate row passes" pass "$(row "$TMP/b3.out" asr2 "B3: the achieved rate" verdict)"
want=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); tl=s["timeline"]; r=tl["scenarios"]["ramp"]; v=[i/tl["interval_s"] for i,t in zip(r["iterations"], r["target_rate"]) if t is not None and t >= 84*0.999]; print(100*sum(v)/len(v)/84)' "$F/b3_pass.json")
check "B3: its value = mean achieved / 84 over the intervals targeting 84/s (%)" close "$(row "$TMP/b3.out" asr2 "B3: the achieved rate" value)" "$want"
edit "$F/b3_pass.json" "$TMP/b3_flat.json" 'r = s["timeline"]["scenarios"]["ramp"]; r["iterations"] = [min(i, 50) for i in r["iterations"]]'
report b3f --format json "$TMP/b3_flat.json"
expect_eq "B3 stuck at 50/s (timeline edited): the achieved-rate row fails" fail "$(row "$TMP/b3f.out" asr2 "B3: the achieved rate" verdict)"
expect_match "B3 stuck at 50/s: says 84/s was never reached" '84/s never' "$TMP/b3f.out"
edit "$F/b3_pass.json" "$TMP/b3_notl.json" 'del s["timeline"]'
report b3n --format json "$TMP/b3_notl.json"
expect_eq "B3 without a timeline: the achieved-rate row undecided, not counted" "undecided False" "$(row "$TMP/b3n.out" asr2 "B3: the achieved rate" verdict) $(row "$TMP/b3n.out" asr2 "B3: the achieved rate" required)"
edit "$F/b3_pass.json" "$TMP/b3_short.json" 'sc = s["scenarios"]["ramp"]; sc["iterations"] = sc["planned_iterations"] // 2; sc["dropped_iterations"] = sc["planned_iterations"] - sc["iterations"]'
report b3s --format json "$TMP/b3_short.json"
expect_eq "B3 that delivered half its plan: ramp row fails, exit 99" "fail 99" "$(row "$TMP/b3s.out" asr2 "B3: the ramp" verdict) $RC"
expect_eq "no B3: undecided, not counted" "undecided False" "$(row "$TMP/b.out" asr2 "B3:" verdict) $(row "$TMP/b.out" asr2 "B3:" required)"

# B4: per-shard p99 under skew, shares
report b4 --format json "$F/b4_pass.json"
for sh in a b c; do
    expect_eq "B4 shard $sh p99 passes" pass "$(row "$TMP/b4.out" asr2 "B4: per-shard p99 match_latency_ms under the hot-symbol skew, shard $sh" verdict)"
done
check "B4 shard a p99 = merged histograms' p99" close "$(row "$TMP/b4.out" asr2 "B4: per-shard p99 match_latency_ms under the hot-symbol skew, shard a" value)" "$(py_shard_p99 "$F/b4_pass.json" a)"
want=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); r=[x for x in s["series"] if x["metric"]=="http_reqs" and x["tags"].get("kind") not in ("seed","control") and "symbol" in x["tags"]]; print(100*sum(x["values"]["count"] for x in r if x["tags"]["symbol"]=="TEST-ASSET-A")/sum(x["values"]["count"] for x in r))' "$F/b4_pass.json")
check "B4 hot-symbol share = fixture's TEST-ASSET-A requests / all" close "$(row "$TMP/b4.out" asr2 "B4: share of the hot symbol" value)" "$want"
expect_eq "B4 hot-symbol share passes" pass "$(row "$TMP/b4.out" asr2 "B4: share of the hot symbol" verdict)"
expect_eq "B4 shard a share passes" pass "$(row "$TMP/b4.out" asr2 "B4: share of shard a" verdict)"
edit "$F/b4_pass.json" "$TMP/b4_even.json" '[r["tags"].update(symbol="TEST-ASSET-E", shard="b") for r in load("http_reqs") if r["tags"].get("symbol") == "TEST-ASSET-A" and r["tags"].get("kind") == "aggressive"]'
report b4e --format json "$TMP/b4_even.json"
expect_eq "B4 with the hot symbol's aggressive orders moved to shard b: share fails" fail "$(row "$TMP/b4e.out" asr2 "B4: share of the hot symbol" verdict)"
expect_eq "... and shard a's share fails" fail "$(row "$TMP/b4e.out" asr2 "B4: share of shard a" verdict)"
edit "$F/b4_pass.json" "$TMP/b4_slow_b.json" '[slow(r, 9) for r in load("match_latency_ms") if r["tags"].get("shard") == "b"]'
report b4s --format json "$TMP/b4_slow_b.json"
expect_eq "B4 shard b 512x slower: its row fails, exit 99" "fail 99" "$(row "$TMP/b4s.out" asr2 "B4: per-shard p99 match_latency_ms under the hot-symbol skew, shard b" verdict) $RC"
edit "$F/b4_pass.json" "$TMP/b4_err.json" 'f = load("http_req_failed"); f[0]["values"]["passes"] = f[0]["values"].get("passes", 0) + 10'
report b4x --format json "$TMP/b4_err.json"
expect_eq "B4 with 10 of 252 failed (4%): the B error-rate row fails" fail "$(row "$TMP/b4x.out" asr2 "error rate of the B runs" verdict)"
expect_eq "no B run: the B error-rate row is undecided" undecided "$(row "$TMP/a2j.out" asr2 "error rate of the B runs" verdict)"

# target-side p99 me_match_duration_seconds: the shards' scraped histogram buckets (real runs
# with --scrape-filter me_match_duration_seconds_bucket), Prometheus's histogram_quantile
py_hq() { python3 - "$@" <<'PY'
import json, sys, math
s = json.load(open(sys.argv[1])); shard = sys.argv[2] if len(sys.argv) > 2 else None
inc = {}
for r in s["series"]:
    t = r["tags"]
    if r["metric"] == "me_match_duration_seconds_bucket" and (shard is None or t.get("shard") == shard):
        le = math.inf if t["le"] == "+Inf" else float(t["le"])
        inc[le] = inc.get(le, 0) + r["values"]["value"] - r["values"]["min"]
les = sorted(inc); rank = 0.99 * inc[math.inf]; lo, prev = 0.0, 0
for le in les:
    if inc[le] >= rank:
        print(1000 * (lo if le == math.inf else lo + (le - lo) * (rank - prev) / (inc[le] - prev))); break
    lo, prev = le, inc[le]
PY
}
report tgt --format json "$F/a2_scrape.json" "$F/b2_scrape.json"
expect_eq "A2 scraped: target-side p99 row passes, counted" "pass True" "$(row "$TMP/tgt.out" asr1 "p99 me_match_duration_seconds" verdict) $(row "$TMP/tgt.out" asr1 "p99 me_match_duration_seconds" required)"
check "A2 scraped: target-side p99 = histogram_quantile(0.99) of the buckets' increase" close "$(row "$TMP/tgt.out" asr1 "p99 me_match_duration_seconds" value)" "$(py_hq "$F/a2_scrape.json")"
for sh in a b c; do
    check "B2 scraped: shard $sh target-side p99 = histogram_quantile of its buckets" close "$(row "$TMP/tgt.out" asr2 "per-shard p99 me_match_duration_seconds (target side), shard $sh" value)" "$(py_hq "$F/b2_scrape.json" $sh)"
done
expect_eq "B2 scraped: target-side shard b passes" pass "$(row "$TMP/tgt.out" asr2 "per-shard p99 me_match_duration_seconds (target side), shard b" verdict)"
# every observation moved above 200 ms (the buckets below 0.5 s gain nothing during the run)
edit "$F/a2_scrape.json" "$TMP/a2_tslow.json" '[r["values"].__setitem__("value", r["values"]["min"]) for r in s["series"] if r["metric"] == "me_match_duration_seconds_bucket" and r["tags"]["le"] != "+Inf" and float(r["tags"]["le"]) < 0.5]'
report tgts --format json "$TMP/a2_tslow.json"
expect_eq "A2 with every match slower than 200 ms on the target: row fails, exit 99" "fail 99" "$(row "$TMP/tgts.out" asr1 "p99 me_match_duration_seconds" verdict) $RC"
check "... its figure = histogram_quantile (in (200, 500] ms)" close "$(row "$TMP/tgts.out" asr1 "p99 me_match_duration_seconds" value)" "$(py_hq "$TMP/a2_tslow.json")"
expect_eq "A2 not scraped: target-side row undecided, not counted" "undecided False" "$(row "$TMP/a2j.out" asr1 "p99 me_match_duration_seconds" verdict) $(row "$TMP/a2j.out" asr1 "p99 me_match_duration_seconds" required)"
expect_match "A2 not scraped: names the flags" "me_match_duration_seconds_bucket" "$TMP/a2j.out"

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
