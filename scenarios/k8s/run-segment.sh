#!/bin/sh
# run-segment.sh — the container command of one pod of the Indexed Job (see README.md here):
# completion index i of LT_INSTANCES = n runs the execution segment i/n:(i+1)/n of the sequence
# 0,1/n,...,1, starting its load at LT_START_AT, and writes LT_RESULTS/summary-i.json.
# A threshold failure (exit 99) is not the pod's failure: the whole test is judged by the merge
# step, so the pod exits 0 and leaves the code in LT_RESULTS/exit-i; any other failure fails the
# pod (and the Job: backoffLimit 0, a retried segment would run its share twice).
set -eu
i=${JOB_COMPLETION_INDEX:?set by Kubernetes for an Indexed Job}
n=${LT_INSTANCES:?}
: "${LT_SCRIPT:?}" "${LT_RESULTS:?}"
LT=${LT:-lt}
seq=0
k=1
while [ "$k" -le "$n" ]; do seq="$seq,$k/$n"; k=$((k + 1)); done
mkdir -p "$LT_RESULTS"
set -- run "$LT_SCRIPT" --quiet \
    --execution-segment "$i/$n:$((i + 1))/$n" --execution-segment-sequence "$seq" \
    --tag "instance=${LT_INSTANCE_PREFIX:-lt}-$i" --summary-export "$LT_RESULTS/summary-$i.json"
[ -n "${LT_START_AT:-}" ] && set -- "$@" --start-at "$LT_START_AT"
# shellcheck disable=SC2086 # LT_ARGS is a list of extra flags, split on spaces on purpose
set -- "$@" ${LT_ARGS:-}
rc=0
"$LT" "$@" || rc=$?
echo "$rc" >"$LT_RESULTS/exit-$i"
[ "$rc" -eq 0 ] || [ "$rc" -eq 99 ] || exit "$rc"
exit 0
