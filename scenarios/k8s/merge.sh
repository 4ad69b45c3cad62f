#!/bin/sh
# merge.sh — the container command of the merge Job: every instance's summary into one
# (LT_RESULTS/merged.json) and the ASR report of it (report.md). Exits as `lt merge` does:
# 0 when the whole test's thresholds hold, 99 when one fails.
set -eu
: "${LT_RESULTS:?}" "${LT_INSTANCES:?}"
LT=${LT:-lt}
n=$(ls "$LT_RESULTS"/summary-*.json 2>/dev/null | wc -l)
[ "$n" -eq "$LT_INSTANCES" ] || echo "merge: $n of $LT_INSTANCES summaries present (the merged summary says partial)" >&2
rc=0
"$LT" merge "$LT_RESULTS"/summary-*.json >"$LT_RESULTS/merged.json" || rc=$?
"$LT" report "$LT_RESULTS/merged.json" >"$LT_RESULTS/report.md" || true
exit "$rc"
