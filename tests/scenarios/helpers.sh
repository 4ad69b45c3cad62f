# shellcheck shell=bash
# helpers.sh: shared by tests/scenarios/*_test.sh (sourced after tests/lib.sh).
PROM="python3 $ROOT/tests/scenarios/prom.py"
SHARDS_METRICS() { echo "http://127.0.0.1:$SHARD_A_PORT/metrics http://127.0.0.1:$SHARD_B_PORT/metrics http://127.0.0.1:$SHARD_C_PORT/metrics"; }

# msum NAME [label=value ...]: the sum over the three shards' /metrics.
# shellcheck disable=SC2046  # three URLs, split on purpose
msum() { $PROM sum "$@" -- $(SHARDS_METRICS); }

# watch_start FILE [SECONDS]: samples the shards and gateway in the background until watch_stop.
watch_start() {
    # shellcheck disable=SC2046
    $PROM watch "$1" "${2:-0.5}" $(SHARDS_METRICS) "http://127.0.0.1:$GW_PORT/metrics" &
    WATCH_PID=$!
    _PIDS+=("$WATCH_PID")
}
watch_stop() { kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; return 0; }

# run_lt LOG SECONDS ARGS...: lt bounded by a timeout; prints the exit code.
run_lt() {
    local log=$1 secs=$2; shift 2
    timeout -s INT -k 10 "$secs" "$LT" "$@" >"$log" 2>&1
    echo $?
}

# summary value: sv FILE PYEXPR, with m = metrics (errors print as "missing")
sv() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d.get("metrics",{}); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null || echo missing; }
