# shellcheck shell=bash
# common.sh: shared by scenarios/asr1 and scenarios/asr2 (sourced, not run).
# Runs lt once per test case, keeps each JSON summary in the results folder, and tabulates them.

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
MAX_FAILED=1 # a counted test fails when more than this % of its load requests failed
COUNTED=0    # tests that count towards the verdict (set by table)

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
            --max-failed) [ $# -ge 2 ] || die "--max-failed needs a percentage"; MAX_FAILED=$2; shift 2 ;;
            -e) [ $# -ge 2 ] || die "-e needs KEY=VALUE"; LT_ARGS+=(-e "$2"); shift 2 ;;
            --) shift; LT_ARGS+=("$@"); break ;;
            *) REST+=("$1"); shift ;;
        esac
    done
}

# prepare: validates what was parsed and creates the results folder (after the suite's own options).
prepare() {
    awk -v f="$MAX_FAILED" 'BEGIN { exit (f ~ /^[0-9.]+$/ && f + 0 <= 100) ? 0 : 1 }' ||
        die "--max-failed must be a percentage from 0 to 100"
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

# table: one line per test from its JSON summary, with the reasons a test cannot pass (all or too
# many load requests failed, no successful sample, a threshold with no data: summary_tool.py row);
# returns 1 if any counted test failed. Tests named in DISCARD (space separated) are shown but
# never fail the suite unless lt broke. Sets COUNTED.
table() {
    local failed=0 entry name rc numbers_ok
    COUNTED=0
    printf '\n%-22s %-18s %9s %9s %9s %8s %s\n' test result reqs "rate/s" "p99 ms" "failed" "thresholds"
    for entry in "${RESULTS[@]+"${RESULTS[@]}"}"; do
        name=${entry% *}; rc=${entry##* }
        numbers_ok=1
        python3 "$SCEN_ROOT/scenarios/summary_tool.py" row "$OUT_DIR/$name.json" "$name" "$rc" \
            --max-failed "$MAX_FAILED" || numbers_ok=0
        if [[ " ${DISCARD:-} " == *" $name "* ]]; then
            [ "$rc" -eq 0 ] || [ "$rc" -eq 99 ] || failed=1
            continue
        fi
        COUNTED=$((COUNTED + 1))
        [ "$rc" -eq 0 ] && [ $numbers_ok -eq 1 ] || failed=1
    done
    return $failed
}

# suite_verdict NAME STATUS: the last line; no counted test run is undecided, never a pass.
suite_verdict() {
    if [ "$COUNTED" -eq 0 ]; then
        echo "$1: FAIL (no counted test ran: undecided) ($OUT_DIR)"
        return 1
    fi
    if [ "$2" -eq 0 ]; then echo "$1: PASS ($OUT_DIR)"; else echo "$1: FAIL ($OUT_DIR)"; fi
    return "$2"
}
