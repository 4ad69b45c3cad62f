#!/usr/bin/env bash
# lt merge (issue 13): one summary from several instances' summaries. Three closed-model runs of
# 200 iterations against nginx on loopback (and one of 600) give the summaries; every merged
# figure is checked against one computed here independently (python3) from the three inputs.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/merge/scripts
F=$ROOT/tests/report/fixtures

start_nginx || { fail "nginx starts"; finish; }
URL=http://127.0.0.1:$NGINX_PORT/

# run NAME ARGS...: one bounded lt run of closed.lua, summary in $TMP/NAME.json, rc in RC.
run() {
    local n=$1; shift
    timeout 60 "$LT" -q --no-color -s "$S/closed.lua" -e URL="$URL" --summary-export "$TMP/$n.json" \
        "$@" >"$TMP/$n.out" 2>"$TMP/$n.err"
    RC=$?
}
# merge NAME ARGS...: lt merge, the merged summary in $TMP/NAME.json, stderr in $TMP/NAME.err.
merge() {
    local n=$1; shift
    timeout 60 "$LT" merge --no-color -o "$TMP/$n.json" "$@" >"$TMP/$n.out" 2>"$TMP/$n.err"
    RC=$?
}
py() { python3 -c "import json, sys; ld = lambda f: json.load(open(f)); $1" "${@:2}"; }

# The p99 of the union of the summaries' histograms of METRIC (every series), computed from the
# `pos`/`neg`/`zero` buckets as hist.h defines them: a sample is its bucket's midpoint, clamped to
# [min, max]; the lowest and highest samples are min and max; k6's interpolation between ranks.
union_pct() { python3 - "$@" <<'PY'
import json, sys, math
metric, p, files = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
vals, lo, hi = [], math.inf, -math.inf
mid = lambda i, sub: (1 + (i % sub + 0.5) / sub) * 2.0 ** (i // sub - 1100)
for f in files:
    for s in json.load(open(f))["series"]:
        if s["metric"] != metric: continue
        h = s["histogram"]; lo = min(lo, h["min"]); hi = max(hi, h["max"])
        vals += [0.0] * h["zero"]
        for i, c in h["pos"]: vals += [mid(i, h["sub"])] * c
        for i, c in h["neg"]: vals += [-mid(i, h["sub"])] * c
vals.sort(); n = len(vals)
vals = [min(hi, max(lo, v)) for v in vals]; vals[0] = lo; vals[-1] = hi
r = (n - 1) * p / 100; f = int(r)
print(repr(vals[f] if f + 1 >= n else vals[f] + (vals[f + 1] - vals[f]) * (r - f)))
PY
}
close() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-b) <= 1e-9*max(1,abs(b)) else 1)' "$1" "$2"; }
sum_of() { py "print(sum(eval(sys.argv[1], {'d': ld(f)}) for f in sys.argv[2:]))" "$@"; }

# --- three instances of 200 iterations, and one run of 600 ---
for i in a b c; do
    run $i --tag instance=$i -e GAUGE=$(printf '%d' "'$i")
    expect_eq "instance $i: http_reqs count>500 fails on its own (exit 99)" 99 "$RC"
done
run single -e ITERS=600
expect_eq "single run of 600: count>500 holds (exit 0)" 0 "$RC"
I3=("$TMP/a.json" "$TMP/b.json" "$TMP/c.json")

merge m "${I3[@]}"
expect_eq "merged: count>500 holds on the whole (exit 0)" 0 "$RC"
M=$TMP/m.json
expect_eq "merged http_reqs count = sum of the three" \
    "$(sum_of "d['metrics']['http_reqs']['values']['count']" "${I3[@]}")" \
    "$(py 'print(ld(sys.argv[1])["metrics"]["http_reqs"]["values"]["count"])' "$M")"
expect_eq "merged http_reqs count = the single run's 600" \
    "$(py 'print(ld(sys.argv[1])["metrics"]["http_reqs"]["values"]["count"])' "$TMP/single.json")" \
    "$(py 'print(ld(sys.argv[1])["metrics"]["http_reqs"]["values"]["count"])' "$M")"
expect_eq "merged iterations of scenario main = sum" \
    "$(sum_of "d['scenarios']['main']['iterations']" "${I3[@]}")" \
    "$(py 'print(ld(sys.argv[1])["scenarios"]["main"]["iterations"])' "$M")"
expect_eq "merged http_req_duration count = sum" \
    "$(sum_of "d['metrics']['http_req_duration']['values']['count']" "${I3[@]}")" \
    "$(py 'print(ld(sys.argv[1])["metrics"]["http_req_duration"]["values"]["count"])' "$M")"
expect_eq "merged checks passes = sum" \
    "$(sum_of "d['checks'][0]['passes']" "${I3[@]}")" \
    "$(py 'print(ld(sys.argv[1])["checks"][0]["passes"])' "$M")"
expect_eq "merged http_req_failed fails+passes = sum" \
    "$(sum_of "d['metrics']['http_req_failed']['values']['passes'] + d['metrics']['http_req_failed']['values']['fails']" "${I3[@]}")" \
    "$(py 'v = ld(sys.argv[1])["metrics"]["http_req_failed"]["values"]; print(v["passes"] + v["fails"])' "$M")"
for m in http_req_duration body_ms; do
    want=$(union_pct $m 99 "${I3[@]}")
    got=$(py 'print(repr(ld(sys.argv[1])["metrics"][sys.argv[2]]["values"]["p(99)"]))' "$M" $m)
    check "merged $m p(99) $got = p99 of the union of the three histograms $want" close "$got" "$want"
done
want=$(union_pct http_req_duration 50 "${I3[@]}")
check "merged med = p50 of the union" close "$(py 'print(ld(sys.argv[1])["metrics"]["http_req_duration"]["values"]["med"])' "$M")" "$want"
expect_eq "merged histogram count = sum of bucket counts" \
    "$(py 'print(sum(sum(c for _, c in s["histogram"]["pos"]) + s["histogram"]["zero"] for s in ld(sys.argv[1])["series"] if s["metric"] == "http_req_duration"))' "$M")" \
    "$(py 'print(ld(sys.argv[1])["metrics"]["http_req_duration"]["values"]["count"])' "$M")"
expect_eq "merged series = the union of the three's (metric, tags) keys" \
    "$(py 'print(len({(s["metric"], json.dumps(s["tags"], sort_keys=True)) for f in sys.argv[1:] for s in ld(f)["series"]}))' "${I3[@]}")" \
    "$(py 'print(len(ld(sys.argv[1])["series"]))' "$M")"
expect_eq "merged started_unix = the earliest start" \
    "$(py 'print(min(ld(f)["started_unix"] for f in sys.argv[1:]))' "${I3[@]}")" \
    "$(py 'print(ld(sys.argv[1])["started_unix"])' "$M")"
check "merged duration_s = latest end - earliest start" py '
d = ld(sys.argv[1]); ins = [ld(f) for f in sys.argv[2:]]
want = max(i["started_unix"] + i["duration_s"] for i in ins) - min(i["started_unix"] for i in ins)
sys.exit(0 if abs(d["duration_s"] - want) < 1e-6 else 1)' "$M" "${I3[@]}"
expect_eq "merged thresholds judged again: http_reqs count>500 ok" "True 600" \
    "$(py 'print(*[(t["ok"], int(t["observed"])) for t in ld(sys.argv[1])["thresholds"] if t["metric"] == "http_reqs"][0])' "$M")"
expect_eq "merged exit_code field 0, partial false" "0 False" \
    "$(py 'd = ld(sys.argv[1]); print(d["exit_code"], d["partial"])' "$M")"
expect_match "text summary on stderr names the merge" 'merged 3 summaries' "$TMP/m.err"
expect_match "text summary shows the threshold on the whole" "✓ http_reqs: 'count>500' \\(count=600\\)" "$TMP/m.err"
expect_eq "schema: the merged summary has every key of a run's but timeline, plus 'merge'" "+merge -timeline" \
    "$(py 'a, b = set(ld(sys.argv[1])), set(ld(sys.argv[2])); print(*["+" + k for k in sorted(a - b)] + ["-" + k for k in sorted(b - a)])' "$M" "$TMP/a.json")"
expect_eq "merged tags: only those all instances share (instance=a/b/c differ: none)" "{}" \
    "$(py 'print(json.dumps(ld(sys.argv[1])["tags"]))' "$M")"
expect_eq "... each instance's timeline is kept under merge.inputs (not merged)" "True" \
    "$(py 'd = ld(sys.argv[1]); print(all(i["timeline"] == ld(f)["timeline"] for i, f in zip(d["merge"]["inputs"], sys.argv[2:])))' "$M" "${I3[@]}")"
expect_eq "schema: same lt-summary/1" "lt-summary/1" "$(py 'print(ld(sys.argv[1])["schema"])' "$M")"

# --- the reverse: count<500 holds on each instance, fails on the whole ---
for i in d e f; do
    run $i --tag instance=$i -e COUNT_EXPR='count<500'
    expect_eq "instance $i: count<500 holds on its own (exit 0)" 0 "$RC"
done
merge r "$TMP/d.json" "$TMP/e.json" "$TMP/f.json"
expect_eq "merged: count<500 fails on the whole (exit 99)" 99 "$RC"
expect_eq "merged summary says exit_code 99" 99 "$(py 'print(ld(sys.argv[1])["exit_code"])' "$TMP/r.json")"

# --- --threshold adds or replaces; --no-thresholds ---
merge t1 --threshold 'http_reqs=count<500' "${I3[@]}"
expect_eq "--threshold replaces the summaries' http_reqs threshold (count<500: exit 99)" 99 "$RC"
expect_eq "--threshold: the replaced one is gone" "count<500" \
    "$(py 'print(*[t["expr"] for t in ld(sys.argv[1])["thresholds"] if t["metric"] == "http_reqs"])' "$TMP/t1.json")"
merge t2 --threshold 'http_reqs=count>=600' --threshold 'http_reqs=count<601' \
    --threshold 'http_req_duration{scenario:main}=count==600' "${I3[@]}"
expect_eq "--threshold repeated and on a sub-metric: all hold (exit 0)" 0 "$RC"
expect_eq "--threshold: 4 thresholds (2 replacing, 1 added, 1 carried)" \
    "http_req_duration:p(99)<5000 http_req_duration{scenario:main}:count==600 http_reqs:count<601 http_reqs:count>=600" \
    "$(py 'print(" ".join(sorted(t["metric"] + ":" + t["expr"] for t in ld(sys.argv[1])["thresholds"])))' "$TMP/t2.json")"
merge t3 --no-thresholds --threshold 'http_reqs=count<500' "${I3[@]}"
expect_eq "--no-thresholds: exit 0" 0 "$RC"
merge t4 --threshold 'nosuch_metric=count>1' "${I3[@]}"
expect_eq "--threshold on an unknown metric: exit 104" 104 "$RC"
expect_match "... naming it" "nosuch_metric" "$TMP/t4.err"
merge t5 --threshold 'http_reqs' "${I3[@]}"
expect_eq "--threshold without =EXPR: exit 2" 2 "$RC"
merge t6 --threshold 'http_reqs=p(99)<1' "${I3[@]}"
expect_eq "--threshold with an aggregate the type lacks: exit 104" 104 "$RC"

# --- stdin, and lt merge | lt report - ---
"$LT" merge -q - "$TMP/b.json" "$TMP/c.json" <"$TMP/a.json" >"$TMP/stdin.json" 2>"$TMP/stdin.err"
expect_eq "'-' reads a summary from stdin (exit 0)" 0 "$?"
expect_eq "... same count as from files" 600 "$(py 'print(ld(sys.argv[1])["metrics"]["http_reqs"]["values"]["count"])' "$TMP/stdin.json")"
expect_eq "-q: no text summary" "" "$(cat "$TMP/stdin.err")"
cp "$F/b2_pass.json" "$TMP/b2_copy.json"
"$LT" merge -q "$F/b2_pass.json" "$TMP/b2_copy.json" | "$LT" report --format json - >"$TMP/rep.json" 2>"$TMP/rep.err"
rc=$?
expect_eq "lt merge B2 B2 | lt report -: read (exit 110: B2 alone leaves ASR 2 undecided, not 111)" 110 "$rc"
expect_eq "... the per-shard p99 row of the merged B2 passes" pass \
    "$(py 'print(next(r for r in ld(sys.argv[1])["asr2"]["rows"] if r["criterion"].startswith("per-shard"))["verdict"])' "$TMP/rep.json" 2>&1)"

py 'd = ld(sys.argv[1]); d["exit_code"] = 105; json.dump(d, open(sys.argv[2], "w"))' "$TMP/c.json" "$TMP/c105.json"
merge n1 "$TMP/a.json" "$TMP/b.json" "$TMP/c105.json"
expect_eq "an instance interrupted (its run exited 105): merged, verdict of the thresholds (exit 0)" 0 "$RC"
expect_eq "... a note names it" "1 c105.json: its run exited 105 (interrupted); its samples are merged" \
    "$(py 'n = ld(sys.argv[1])["merge"]["notes"]; print(len(n), n[0].split("/")[-1])' "$TMP/n1.json")"
expect_match "... also on stderr" "note: .*c105.json: its run exited 105" "$TMP/n1.err"

# --- refusals ---
cp "$S/closed.lua" "$TMP/other.lua"
timeout 60 "$LT" -q -s "$TMP/other.lua" -e URL="$URL" --summary-export "$TMP/other.json" >/dev/null 2>&1
merge x1 "$TMP/a.json" "$TMP/other.json"
expect_eq "different scripts: exit 112" 112 "$RC"
expect_match "... the message names both files and scripts" "a.json and .*other.json are summaries of different scripts \\(.*closed.lua, .*other.lua\\)" "$TMP/x1.err"
run ts --time-scale 0.5
merge x2 "$TMP/a.json" "$TMP/ts.json"
expect_eq "different time scales: exit 112" 112 "$RC"
expect_match "... named" "ran at different time scales \\(1, 0.5\\)" "$TMP/x2.err"
run it -e ITERS=10
merge x3 "$TMP/a.json" "$TMP/it.json"
expect_eq "different options: exit 112" 112 "$RC"
expect_match "... naming the option" "options.scenarios.main differs" "$TMP/x3.err"
head -c 5000 "$TMP/a.json" >"$TMP/trunc.json"
merge x4 "$TMP/a.json" "$TMP/trunc.json"
expect_eq "a truncated summary: exit 111" 111 "$RC"
expect_match "... named, as truncated" "trunc.json: not JSON, or truncated" "$TMP/x4.err"
echo '{"metrics": {}, "series": []}' >"$TMP/notsum.json"
merge x5 "$TMP/notsum.json" "$TMP/a.json"
expect_eq "a JSON file that is not a summary: exit 111" 111 "$RC"
expect_match "... named" "notsum.json: not an lt summary" "$TMP/x5.err"
merge x6 "$TMP/a.json" "$TMP/nonexistent.json"
expect_eq "a missing file: exit 111" 111 "$RC"
py 'd = ld(sys.argv[1]); next(s for s in d["series"] if s["type"] == "trend")["histogram"]["pos"] = "x"; json.dump(d, open(sys.argv[2], "w"))' "$TMP/a.json" "$TMP/badhist.json"
merge x7 "$TMP/a.json" "$TMP/badhist.json"
expect_eq "a summary with a malformed histogram: exit 111" 111 "$RC"
"$LT" merge -q -o "$TMP/no/such/dir/m.json" "${I3[@]}" 2>"$TMP/x9.err"
expect_eq "-o into a missing directory: exit 104, before merging" 104 "$?"
expect_match "... naming the path" "-o .*no/such/dir/m.json" "$TMP/x9.err"
merge x10 "$TMP/a.json" "$TMP/b.json" "$TMP/../$(basename "$TMP")/a.json"
expect_eq "one file given twice (by two names): exit 2" 2 "$RC"
expect_match "... it would count twice" "are the same file: it would count twice" "$TMP/x10.err"
merge x8
expect_eq "no file: exit 2" 2 "$RC"
check "the refused merges wrote no output file" test ! -e "$TMP/x1.json" -a ! -e "$TMP/x4.json"

# --- gauges of the same series (instances without their own tags): docs/merge.md's rules ---
# The three summaries with the instance tag taken out and a vus series set: depth takes min of
# mins, max of maxes and the value of the instance that ended last; vus adds.
for i in a b c; do
    py '
d = ld(sys.argv[1]); v = int(sys.argv[4])
for s in d["series"]: s["tags"].pop("instance", None)
vus = {"value": v, "min": v - 1, "max": v + 10}
d["series"].append({"metric": "vus", "type": "gauge", "tags": {}, "values": vus})
d["metrics"]["vus"] = {"type": "gauge", "contains": "default", "values": vus}
json.dump(d, open(sys.argv[2], "w"))
d["series"][-1]["tags"] = {"instance": sys.argv[4]}  # as an instance tagging its own series
json.dump(d, open(sys.argv[3], "w"))' "$TMP/$i.json" "$TMP/u$i.json" "$TMP/v$i.json" "$(printf '%d' "'$i")" $i
done
merge g "$TMP/ub.json" "$TMP/uc.json" "$TMP/ua.json"
expect_eq "untagged: series collide into one per tag set (1 http_reqs series)" 1 \
    "$(py 'print(sum(s["metric"] == "http_reqs" for s in ld(sys.argv[1])["series"]))' "$TMP/g.json")"
expect_eq "gauge depth: value of the instance that ended last (c=99), min 97, max 99" "99 97 99" \
    "$(py 'v = [s for s in ld(sys.argv[1])["series"] if s["metric"] == "depth"][0]["values"]; print(int(v["value"]), int(v["min"]), int(v["max"]))' "$TMP/g.json")"
expect_eq "gauge vus: values, mins and maxes add (97+98+99)" "294 291 324" \
    "$(py 'v = ld(sys.argv[1])["metrics"]["vus"]["values"]; print(int(v["value"]), int(v["min"]), int(v["max"]))' "$TMP/g.json")"
merge g2 "$TMP/vb.json" "$TMP/vc.json" "$TMP/va.json"
expect_eq "vus series tagged per instance: kept apart (3 series)" 3 \
    "$(py 'print(sum(s["metric"] == "vus" for s in ld(sys.argv[1])["series"]))' "$TMP/g2.json")"
expect_eq "... and the metric-level vus is still their sum" "294 291 324" \
    "$(py 'v = ld(sys.argv[1])["metrics"]["vus"]["values"]; print(int(v["value"]), int(v["min"]), int(v["max"]))' "$TMP/g2.json")"

# --- execution segments (summaries will carry "execution_segment": "0:1/3") ---
seg() { py 'd = ld(sys.argv[1]); d["execution_segment"] = sys.argv[3]; json.dump(d, open(sys.argv[2], "w"))' "$@"; }
seg "$TMP/a.json" "$TMP/s1.json" "0:1/3"; seg "$TMP/b.json" "$TMP/s2.json" "1/3:2/3"
seg "$TMP/c.json" "$TMP/s3.json" "2/3:1"; seg "$TMP/b.json" "$TMP/s2b.json" "0.25:1"
merge sg1 "$TMP/s3.json" "$TMP/s1.json" "$TMP/s2.json"
expect_eq "segments 0:1/3, 1/3:2/3, 2/3:1: exit 0" 0 "$RC"
expect_eq "... cover the test: execution_segment 0:1, not partial" "0:1 False" \
    "$(py 'd = ld(sys.argv[1]); print(d["execution_segment"], d["partial"])' "$TMP/sg1.json")"
merge sg2 "$TMP/s1.json" "$TMP/s3.json"
expect_eq "segments 0:1/3 and 2/3:1 (one missing): merged, exit 99 (count 400 < 500)" 99 "$RC"
expect_eq "... partial, with a note naming the missing 1/3:2/3" "True execution segments missing: 1/3:2/3 (the merged summary is partial)" \
    "$(py 'd = ld(sys.argv[1]); print(d["partial"], *d["merge"]["notes"])' "$TMP/sg2.json")"
merge sg3 "$TMP/s1.json" "$TMP/s2b.json"
expect_eq "overlapping segments 0:1/3 and 0.25:1: exit 112" 112 "$RC"
expect_match "... named" "s1.json \\(segment 0:1/3\\) and .*s2b.json \\(segment 0.25:1\\) overlap" "$TMP/sg3.err"
merge sg4 "$TMP/s1.json" "$TMP/b.json"
expect_eq "a summary without a segment among segmented ones (it ran the whole test): exit 112" 112 "$RC"
seg "$TMP/a.json" "$TMP/sbad.json" "1/3"
merge sg5 "$TMP/sbad.json" "$TMP/s2.json"
expect_eq "a malformed segment: exit 112" 112 "$RC"
expect_match "... named, as a summary writes segments" "sbad.json: execution_segment '1/3' is not FROM:TO" "$TMP/sg5.err"
# the segment grammar is plan/segment.c's (one parser for runs and merge): decimals, percentages
seg "$TMP/a.json" "$TMP/sp1.json" "0:50%"; seg "$TMP/b.json" "$TMP/sp2.json" "0.5:1"
merge sg6 "$TMP/sp1.json" "$TMP/sp2.json"
expect_eq "segments 0:50% and 0.5:1 cover the test: 0:1, not partial" "0:1 False" \
    "$(py 'd = ld(sys.argv[1]); print(d["execution_segment"], d["partial"])' "$TMP/sg6.json")"
seg "$TMP/a.json" "$TMP/sp3.json" "1/3:2/3:1"
merge sg7 "$TMP/sp3.json" "$TMP/s1.json"
expect_eq "a segment with a stray ':' (1/3:2/3:1): exit 112" 112 "$RC"
expect_match "... with the parser's reason" "is not FROM:TO .*: '2/3:1' is not a fraction" "$TMP/sg7.err"

# --- one summary merged alone is itself (the report fixtures: real runs of A2, A4, B1, B2; not
# the html test's tl_* files, real runs given a made-up timeline and time scale, so their rates
# no longer match their durations) ---
for f in "$F"/*.json; do
    n=$(basename "$f" .json)
    [[ $n == tl_* ]] && continue
    merge id_$n "$f"
    expect_eq "$n merged alone: exit = the run's exit_code" "$(py 'print(ld(sys.argv[1])["exit_code"])' "$f")" "$RC"
    check "$n merged alone: every metric value (to 1e-12), threshold, check and duration_s the same" py '
a, b = ld(sys.argv[1]), ld(sys.argv[2])
for k, m in a["metrics"].items():
    for vk, v in m["values"].items():
        w = b["metrics"][k]["values"][vk]
        assert abs(v - w) <= 1e-12 * max(1, abs(v)), (k, vk, v, w)
# observed to 1e-12 too: the fixtures were written by cJSON (15 digits); the writer now round-trips
strip = lambda ts: [dict(t, observed=None) for t in ts]
assert strip(a["thresholds"]) == strip(b["thresholds"]), (a["thresholds"], b["thresholds"])
for t, u in zip(a["thresholds"], b["thresholds"]):
    assert (t["observed"] is None) == (u["observed"] is None), (t, u)
    assert t["observed"] is None or abs(t["observed"] - u["observed"]) <= 1e-12 * max(1, abs(t["observed"])), (t, u)
assert a["checks"] == b["checks"] and a["duration_s"] == b["duration_s"]
assert len(a["series"]) == len(b["series"])' "$f" "$TMP/id_$n.json"
done
merge mm "$M" "$TMP/a.json"; [ "$RC" == 0 ] || cat "$TMP/mm.err" >&2
expect_eq "a merged summary merges again (m + a: exit 0)" 0 "$RC"
expect_eq "... http_reqs count 600 + 200" 800 "$(py 'print(ld(sys.argv[1])["metrics"]["http_reqs"]["values"]["count"])' "$TMP/mm.json")"

# --- the summary writer (output/summary_write.h) against cJSON's (LT_SUMMARY_CJSON=1): the same
# merge written by both is the same text once numbers are masked (layout byte for byte), the same
# JSON value parsed, numbers within cJSON's 15-digit rounding where they differ ---
for n in b2_pass m; do
    in=$F/$n.json; [ "$n" == m ] && in=$M
    LT_SUMMARY_CJSON=1 "$LT" merge -q -o "$TMP/w_old_$n.json" "$in" 2>/dev/null
    "$LT" merge -q -o "$TMP/w_new_$n.json" "$in" 2>/dev/null
    check "$n: the writer's summary is cJSON's, numbers aside (layout byte for byte, values equal)" python3 - "$TMP/w_old_$n.json" "$TMP/w_new_$n.json" <<'PY'
import json, math, re, sys
old, new = (open(f, "rb").read().decode("utf-8") for f in sys.argv[1:3])  # strict: valid UTF-8
num = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
assert num.sub("N", old) == num.sub("N", new), "layout differs"
diff, floats = [], [0]
def cmp(a, b, path):
    assert type(a) is type(b) or {type(a), type(b)} <= {int, float}, (path, a, b)
    if isinstance(a, dict):
        assert list(a) == list(b), (path, list(a), list(b))
        for k in a: cmp(a[k], b[k], path + "/" + k)
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)): cmp(x, y, "%s/%d" % (path, i))
    elif isinstance(a, float) or isinstance(b, float):
        floats[0] += 1
        if a != b:
            assert math.isclose(a, b, rel_tol=1e-14, abs_tol=0), (path, a, b)
            diff.append(path)
    else:
        assert a == b, (path, a, b)
cmp(json.loads(old), json.loads(new), "")
print("%d floats, %d differ in the last digits (cJSON's 15-digit rounding)" % (floats[0], len(diff)))
PY
    sed 's/^/     /' "$TMP/check.out"
done

# --- cost: 100 summaries of a B2 run (the fixture, a real B2 run: 387 series), each with its own
# instance tag, as 100 machines would write them ---
py '
d = ld(sys.argv[1])
for k in range(100):
    for s in d["series"]: s["tags"]["instance"] = "i%03d" % k
    json.dump(d, open("%s/b2_%03d.json" % (sys.argv[2], k), "w"))' "$F/b2_pass.json" "$TMP"
/usr/bin/time -f '%e %M' -o "$TMP/time.txt" "$LT" merge -q -o "$TMP/b2m.json" "$TMP"/b2_0*.json 2>"$TMP/b2m.err"
rc=$?
read -r secs kb <"$TMP/time.txt"
echo "     merging 100 B2 summaries ($(du -ch "$TMP"/b2_0*.json | tail -1 | cut -f1) in, $(py 'print(len(ld(sys.argv[1])["series"]))' "$TMP/b2m.json") series out): ${secs}s, peak RSS $((kb / 1024)) MB"
expect_eq "100 B2 summaries merge (exit 0)" 0 "$rc"
expect_eq "... http_reqs count = 100 x the fixture's" \
    "$(py 'print(100 * ld(sys.argv[1])["metrics"]["http_reqs"]["values"]["count"])' "$F/b2_pass.json")" \
    "$(py 'print(ld(sys.argv[1])["metrics"]["http_reqs"]["values"]["count"])' "$TMP/b2m.json")"
expect_num "... in under 20 s" "$secs" lt 20
for k in $(seq -w 0 99); do cp "$F/b2_pass.json" "$TMP/b2s_$k.json"; done
/usr/bin/time -f '%e %M' -o "$TMP/time.txt" "$LT" merge -q -o "$TMP/b2s.json" "$TMP"/b2s_*.json 2>"$TMP/b2s.err"
rc=$?
read -r secs kb <"$TMP/time.txt"
echo "     merging 100 copies of the B2 summary (series shared, $(py 'print(len(ld(sys.argv[1])["series"]))' "$TMP/b2s.json") out): ${secs}s, peak RSS $((kb / 1024)) MB"
expect_eq "100 copies (series shared) merge (exit 0)" 0 "$rc"

finish
