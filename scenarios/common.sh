# shellcheck shell=bash
# common.sh: shared by scenarios/asr1 and scenarios/asr2 (sourced, not run).
# Runs lt once per test case, keeps each JSON summary in the results folder, tabulates them, and
# takes the verdict from `lt report` (one implementation of the spec's criteria, lua/report/).

SCEN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${LT:-}" ]; then
    if [ -x "$SCEN_ROOT/bin/lt" ]; then LT=$SCEN_ROOT/bin/lt; else LT=$(command -v lt || echo lt); fi
fi
OUT_DIR=""
TIME_SCALE=""
RESET_CMD_SUITE=""
ONLY=""
LT_ARGS=()   # -e KEY=VALUE pairs and anything after --
RESULTS=()   # "name exit-code" per test run
SUMMARIES=() # the JSON summaries written (set by table), judged by lt report

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# parse_common ARG...: handles the options both suites share; sets REST to what it did not take.
parse_common() {
    REST=()
    while [ $# -gt 0 ]; do
        case $1 in
            --out-dir) [ $# -ge 2 ] || die "--out-dir needs a folder"; OUT_DIR=$2; shift 2 ;;
            --out-dir=*) OUT_DIR=${1#*=}; shift ;;
            --time-scale) [ $# -ge 2 ] || die "--time-scale needs a factor"; TIME_SCALE=$2; shift 2 ;;
            --time-scale=*) TIME_SCALE=${1#*=}; shift ;;
            --reset-cmd) [ $# -ge 2 ] || die "--reset-cmd needs a command"; RESET_CMD_SUITE=$2; shift 2 ;;
            --only) [ $# -ge 2 ] || die "--only needs a list"; ONLY=$2; shift 2 ;;
            --lt) [ $# -ge 2 ] || die "--lt needs a path"; LT=$2; shift 2 ;;
            -e) [ $# -ge 2 ] || die "-e needs KEY=VALUE"; LT_ARGS+=(-e "$2"); shift 2 ;;
            --) shift; LT_ARGS+=("$@"); break ;;
            *) REST+=("$1"); shift ;;
        esac
    done
}

# prepare: validates what was parsed and creates the results folder (after the suite's own options).
prepare() {
    if [ -n "$TIME_SCALE" ]; then
        awk -v f="$TIME_SCALE" 'BEGIN { exit (f + 0 > 0) ? 0 : 1 }' || die "--time-scale must be a positive number"
    fi
    [ -n "$OUT_DIR" ] || OUT_DIR=$SCEN_ROOT/results/$(date +%Y%m%d-%H%M%S)
    mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"
    [ -x "$LT" ] || command -v "$LT" >/dev/null || die "lt not found at $LT (run make, or pass --lt)"
}

# wanted NAME: true when --only is empty or lists NAME.
wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

# run_test NAME SCRIPT [lt args...]: resets (if asked), runs lt, records the exit code.
run_test() {
    local name=$1 script=$2; shift 2
    local summary=$OUT_DIR/$name.json log=$OUT_DIR/$name.log
    if [ -n "$RESET_CMD_SUITE" ]; then
        echo "== $name: reset: $RESET_CMD_SUITE"
        bash -c "$RESET_CMD_SUITE" >>"$log" 2>&1 || echo "warning: reset command failed (see $log)" >&2
    fi
    local cmd=("$LT" run "$SCEN_ROOT/lua/$script" --summary-export "$summary")
    [ -n "$TIME_SCALE" ] && cmd+=(--time-scale "$TIME_SCALE")
    cmd+=("$@" "${LT_ARGS[@]+"${LT_ARGS[@]}"}")
    echo "== $name: ${cmd[*]}"
    "${cmd[@]}" 2>&1 | tee -a "$log"
    local rc=${PIPESTATUS[0]}
    echo "== $name: exit $rc ($(describe_exit "$rc")); summary $summary"
    RESULTS+=("$name $rc")
    return 0
}

describe_exit() {
    case $1 in
        0) echo "passed" ;; 99) echo "thresholds failed" ;; 104) echo "bad configuration" ;;
        105) echo "interrupted" ;; 107) echo "script error" ;; 108) echo "aborted by the script" ;;
        *) echo "error" ;;
    esac
}

# table: one line per test from its JSON summary (summary_tool.py row: figures only, no verdict);
# returns 1 if lt itself broke on a test (an exit other than 0 or 99: bad configuration, script
# error, interrupted) or wrote no summary. Sets SUMMARIES (the summaries written).
table() {
    local failed=0 entry name rc
    SUMMARIES=()
    printf '\n%-22s %-18s %9s %9s %9s %8s %s\n' test result reqs "rate/s" "p99 ms" "failed" "thresholds"
    for entry in "${RESULTS[@]+"${RESULTS[@]}"}"; do
        name=${entry% *}; rc=${entry##* }
        python3 "$SCEN_ROOT/scenarios/summary_tool.py" row "$OUT_DIR/$name.json" "$name" "$rc" ||
            failed=1
        [ -s "$OUT_DIR/$name.json" ] && SUMMARIES+=("$OUT_DIR/$name.json")
        [ "$rc" -eq 0 ] || [ "$rc" -eq 99 ] || failed=1
    done
    return $failed
}

# report_verdict ASR_KEY TITLE BROKE [lt report flags...]: the suite's verdict, from lt report (the
# spec's section 10 tables, docs/report.md) on the summaries this run wrote: writes report.json,
# report.md and report.html (the charts) into the results folder, prints the rows of ASR_KEY (asr1 or asr2) and the last line
# "TITLE: PASS|FAIL|undecided (folder)". Returns 0 pass, 1 fail (or BROKE=1: lt broke on a test),
# 110 undecided (a row needs data this run does not have: it says which).
report_verdict() {
    local key=$1 title=$2 broke=$3 rc verdict
    shift 3
    if [ ${#SUMMARIES[@]} -eq 0 ]; then
        echo "$title: FAIL (no summary was written) ($OUT_DIR)"
        return 1
    fi
    "$LT" report --format json -o "$OUT_DIR/report.json" "$@" "${SUMMARIES[@]}"
    rc=$?
    "$LT" report -o "$OUT_DIR/report.md" "$@" "${SUMMARIES[@]}" 2>/dev/null
    "$LT" report --format html -o "$OUT_DIR/report.html" "$@" "${SUMMARIES[@]}" 2>/dev/null
    case $rc in 0 | 99 | 110) [ -s "$OUT_DIR/report.json" ] || rc=111 ;; esac
    case $rc in
        0 | 99 | 110) ;;
        *) echo "$title: FAIL (lt report could not judge the summaries: exit $rc) ($OUT_DIR)"; return 1 ;;
    esac
    echo
    verdict=$(python3 "$SCEN_ROOT/scenarios/summary_tool.py" verdicts "$OUT_DIR/report.json" "$key") ||
        { echo "$title: FAIL (unreadable $OUT_DIR/report.json) ($OUT_DIR)"; return 1; }
    if [ "$broke" -ne 0 ]; then
        echo "$title: FAIL (lt broke on a test: see the table) ($OUT_DIR)"
        return 1
    fi
    case $verdict in
        pass) echo "$title: PASS ($OUT_DIR)"; return 0 ;;
        undecided) echo "$title: undecided (the rows above say what would decide it) ($OUT_DIR)"; return 110 ;;
        *) echo "$title: FAIL ($OUT_DIR)"; return 1 ;;
    esac
}
