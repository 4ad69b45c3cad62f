#!/usr/bin/env bash
# k8s_test.sh — scenarios/k8s offline: the generator's manifests for N = 1, 3, 8 parsed and
# checked (python3-yaml), then the run container's command, with the environment job.yaml gives
# it, run locally for each completion index of N = 3 against mesim (paths /scripts and /results
# mapped to temporary directories, the script taken from the ConfigMap's data); the summaries
# add up to the whole schedule; and, where lt has `merge`, the merge Job's command. ~15 s.
. "$(dirname "$0")/../lib.sh"
GEN=$ROOT/scenarios/k8s/generate.py
CHECK=$ROOT/tests/segments/k8s_check.py
SCRIPT=$ROOT/tests/segments/b2_segments.lua
for n in 1 3 8; do
    python3 "$GEN" -n $n --script "$SCRIPT" --env GATEWAY_URL=http://gateway:8080 --start-in 120 \
        -o "$TMP/k8s-$n" >/dev/null
    while read -r status line; do
        if [ "$status" = ok ]; then pass "$line"; else fail "$line"; fi
    done < <(python3 "$CHECK" "$TMP/k8s-$n" $n "$SCRIPT")
done

# ---- the Dockerfile's runtime stage installs the package of every library bin/lt links (the
# image itself is not built here: no Docker daemon in the tests)
missing=""
for lib in $(ldd "$LT" | awk '/=>/ {print $3}'); do
    pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
    case "$pkg" in "" | libc6 | libgcc-s1 | libstdc++6 | zlib1g | libasan* | libubsan* | libcrypt1) continue ;; esac
    grep -qw -- "$pkg" "$ROOT/scenarios/k8s/Dockerfile" || missing="$missing $pkg"
done
expect_eq "Dockerfile installs the runtime package of every library lt links" "" "$missing"

# ---- the pods' command, locally, N = 3
start_mesim_cluster || { fail "mesim cluster starts"; finish; }
mkdir -p "$TMP/scripts" "$TMP/results"
python3 -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["data"]
for k, v in d.items(): open(sys.argv[2] + "/" + k, "w").write(v)' "$TMP/k8s-3/configmap.yaml" "$TMP/scripts"
python3 "$GEN" -n 3 --script "$SCRIPT" --args "-e RATE=30 -e DURATION=3s" --start-in 3 \
    --env GATEWAY_URL=http://127.0.0.1:$GW_PORT -o "$TMP/k8s-local" >/dev/null
python3 "$CHECK" --env-of-run "$TMP/k8s-local" >"$TMP/run.env"
OUR_LT=$LT
for i in 0 1 2; do
    (
        . "$TMP/run.env"
        export JOB_COMPLETION_INDEX=$i LT=$OUR_LT LT_SCRIPT=$TMP/scripts/${LT_SCRIPT#/scripts/}
        export LT_RESULTS=$TMP/results
        exec "$ROOT/scenarios/k8s/$(basename "$CMD")"
    ) >"$TMP/pod$i.log" 2>&1 &
    PODS[$i]=$!
    _PIDS+=($!)
done
for i in 0 1 2; do wait "${PODS[$i]}"; expect_eq "pod $i (the manifest's command) exits 0" 0 $?; done
for i in 0 1 2; do
    expect_eq "pod $i: lt exit code recorded" 0 "$(cat "$TMP/results/exit-$i" 2>/dev/null)"
done
expect_eq "pods' segments are i/3:(i+1)/3" "0:1/3 1/3:2/3 2/3:1" "$(for i in 0 1 2; do
    json_get "$TMP/results/summary-$i.json" 'd["execution_segment"]'; done | tr '\n' ' ' | sed 's/ $//')"
total=$(python3 -c 'import json, sys
print(sum(int(s["values"]["count"]) for f in sys.argv[1:] for s in json.load(open(f))["series"]
          if s["metric"] in ("iterations", "dropped_iterations") and s["tags"].get("scenario") == "peak"))' \
    "$TMP"/results/summary-*.json)
expect_eq "pods together: every start of the schedule (30/s x 3 s)" 90 "$total"
expect_eq "pods are labelled instance=lt-i" "lt-0 lt-1 lt-2" "$(for i in 0 1 2; do
    json_get "$TMP/results/summary-$i.json" 'd["tags"]["instance"]'; done | tr '\n' ' ' | sed 's/ $//')"

# ---- the merge Job's command, where lt merge exists
if "$LT" --help 2>&1 | grep -q 'lt merge'; then
    python3 "$CHECK" --env-of-merge "$TMP/k8s-local" >"$TMP/merge.env"
    (
        . "$TMP/merge.env"
        export LT=$OUR_LT LT_RESULTS=$TMP/results
        exec "$ROOT/scenarios/k8s/$(basename "$CMD")"
    ) >"$TMP/merge.log" 2>&1
    expect_eq "merge Job's command exits 0" 0 $?
    expect_eq "merged summary: every start of the schedule" 90 "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(int(s["values"]["count"]) for s in d["series"]
          if s["metric"] in ("iterations", "dropped_iterations") and s["tags"].get("scenario") == "peak"))' \
        "$TMP/results/merged.json")"
else
    echo "     (lt has no merge command yet: the merge Job's command is not run)"
fi
finish
