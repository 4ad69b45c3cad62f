#!/usr/bin/env bash
# Signals and limits: Ctrl-C (SIGINT/SIGTERM) stops starting iterations, lets running ones finish
# within gracefulStop, runs teardown, writes the summary and outputs, exits 105; a second Ctrl-C
# exits at once with a valid summary marked partial; SIGPIPE never kills lt; summaries are written
# atomically; the descriptor limit is raised (or the shortfall named); setup()/teardown() errors.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/signals/scripts

HP=$(free_port)
python3 "$ROOT/tests/hostile/server.py" --port "$HP" >"$TMP/hostile.log" 2>&1 &
_PIDS+=($!)
wait_port "$HP" || { fail "hostile server starts" "$(cat "$TMP/hostile.log")"; finish; }
H=http://127.0.0.1:$HP
reqs() { python3 -c 'import json,sys,urllib.request; d=json.load(urllib.request.urlopen(sys.argv[1]+"/stats")); print(d.get(sys.argv[2],{}).get("reqs",0))' "$H" "$1"; }

LT_PID=
# start_lt NAME ARGS...: lt in the background; stderr in $TMP/NAME.err, summary $TMP/NAME.json
start_lt() {
    local name=$1; shift
    "$LT" -s "$S/run.lua" -q --summary-export "$TMP/$name.json" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    LT_PID=$!
    _PIDS+=($LT_PID)
}
# await COND_CMD SECONDS: polls a condition (no fixed sleeps)
await() {
    local end=$((SECONDS + $2))
    while [ $SECONDS -le $end ]; do
        eval "$1" && return 0
        sleep 0.05
    done
    return 1
}
# await_exit PID SECONDS: sets EXIT_RC (or "hung", after which lt is killed) and EXIT_SECS
await_exit() {
    local pid=$1 t0 end
    t0=$(date +%s.%N)
    end=$(awk -v a="$t0" -v s="$2" 'BEGIN { printf "%.3f", a + s }')
    while kill -0 "$pid" 2>/dev/null; do
        if awk -v n="$(date +%s.%N)" -v e="$end" 'BEGIN { exit !(n > e) }'; then
            kill -9 "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            EXIT_RC=hung
            EXIT_SECS=$2
            return
        fi
        sleep 0.02
    done
    wait "$pid"
    EXIT_RC=$?
    EXIT_SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
}
valid_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }
# every line of an NDJSON file parses, and the last one is the "end" record
ndjson_complete() {
    python3 -c 'import json,sys
lines = open(sys.argv[1]).read().splitlines()
recs = [json.loads(l) for l in lines]
sys.exit(0 if recs and recs[-1].get("type") == "end" else 1)' "$1"
}
count() { grep -c -- "$2" "$TMP/$1.err"; }

# --- SIGINT: running iterations finish, teardown runs, summary and outputs written, exit 105 ---
start_lt int -e URL="$H/slow-ok?t=int" -o lt-json="$TMP/int.ndjson"
await "grep -qs 'ITER DONE' '$TMP/int.err'" 10 || fail "int: load started"
kill -INT "$LT_PID"
await_exit "$LT_PID" 5
expect_eq "int: exit code 105" 105 "$EXIT_RC"
expect_num "int: ends once the 0.5 s iterations in flight finish (s)" "$EXIT_SECS" lt 2
expect_eq "int: every started iteration finished" "$(count int 'ITER START')" "$(count int 'ITER DONE')"
expect_eq "int: requests the server saw = iterations finished" "$(count int 'ITER DONE')" "$(reqs "/slow-ok?t=int")"
expect_match "int: teardown ran" "TEARDOWN RAN" "$TMP/int.err"
check "int: summary is valid JSON" valid_json "$TMP/int.json"
expect_eq "int: summary exit_code 105" 105 "$(json_get "$TMP/int.json" "d['exit_code']")"
expect_eq "int: summary not partial" False "$(json_get "$TMP/int.json" "d['partial']")"
check "int: json output complete (ends with the end record)" ndjson_complete "$TMP/int.ndjson"
check "int: no temporary files left" bash -c "! ls '$TMP' | grep -q '\.tmp'"

# --- SIGTERM: the same ---
start_lt term -e URL="$H/slow-ok?t=term"
await "grep -qs 'ITER DONE' '$TMP/term.err'" 10 || fail "term: load started"
kill -TERM "$LT_PID"
await_exit "$LT_PID" 5
expect_eq "term: exit code 105" 105 "$EXIT_RC"
expect_match "term: teardown ran" "TEARDOWN RAN" "$TMP/term.err"
check "term: summary is valid JSON" valid_json "$TMP/term.json"

# --- gracefulStop bounds the wait for iterations that do not finish ---
start_lt grace -e URL="$H/hang?t=grace" -e GRACE=1s
await "[ \$(reqs '/hang?t=grace') -ge 2 ]" 10 || fail "grace: both VUs in flight"
kill -INT "$LT_PID"
await_exit "$LT_PID" 10
expect_eq "grace: exit code 105" 105 "$EXIT_RC"
expect_num "grace: waits the 1 s gracefulStop (>=)" "$EXIT_SECS" ge 0.9
expect_num "grace: and not much more (s)" "$EXIT_SECS" lt 2.5
expect_match "grace: teardown ran" "TEARDOWN RAN" "$TMP/grace.err"
check "grace: summary is valid JSON" valid_json "$TMP/grace.json"

# --- a second Ctrl-C exits at once, with a valid summary marked partial ---
start_lt double -e URL="$H/hang?t=double" -e GRACE=30s -o lt-json="$TMP/double.ndjson"
await "[ \$(reqs '/hang?t=double') -ge 2 ]" 10 || fail "double: both VUs in flight"
kill -INT "$LT_PID"
await "grep -qs 'stopping' '$TMP/double.err'" 5 || fail "double: first Ctrl-C acknowledged"
kill -INT "$LT_PID"
await_exit "$LT_PID" 10
expect_eq "double: exit code 105" 105 "$EXIT_RC"
expect_num "double: exits at once (s)" "$EXIT_SECS" lt 1
check "double: summary is valid JSON" valid_json "$TMP/double.json"
expect_eq "double: summary marked partial" True "$(json_get "$TMP/double.json" "d['partial']")"
check "double: json output is whole lines of JSON" ndjson_complete "$TMP/double.ndjson"

# --- a second Ctrl-C while teardown hangs still exits at once ---
start_lt td_hang -e URL="$H/slow-ok?t=td_hang" -e TEARDOWN_URL="$H/hang?t=td_hang_teardown"
await "grep -qs 'ITER DONE' '$TMP/td_hang.err'" 10 || fail "td_hang: load started"
kill -INT "$LT_PID"
if await "[ \$(reqs '/hang?t=td_hang_teardown') -ge 1 ]" 10; then
    kill -INT "$LT_PID"
    await_exit "$LT_PID" 10
    expect_eq "td_hang: second Ctrl-C during a hung teardown: exit code 105" 105 "$EXIT_RC"
    expect_num "td_hang: second Ctrl-C during a hung teardown exits at once (s)" "$EXIT_SECS" lt 1.5
    check "td_hang: summary is valid JSON" valid_json "$TMP/td_hang.json"
else
    fail "td_hang: teardown started"
    kill -9 "$LT_PID" 2>/dev/null
fi

# --- Ctrl-C while setup() hangs: lt stops (105) instead of waiting out setupTimeout ---
start_lt setup_hang -e URL="$H/ok?t=setup_hang" -e SETUP_URL="$H/hang?t=setup_hang_setup"
await "[ \$(reqs '/hang?t=setup_hang_setup') -ge 1 ]" 10 || fail "setup_hang: setup started"
kill -INT "$LT_PID"
await_exit "$LT_PID" 3
if [ "$EXIT_RC" == hung ]; then
    fail "setup_hang: Ctrl-C during a hung setup() ends the run within 3 s" "lt kept waiting for setup() (killed)"
else
    expect_eq "setup_hang: Ctrl-C during a hung setup(): exit code 105" 105 "$EXIT_RC"
fi
expect_eq "setup_hang: no load was started" 0 "$(reqs "/ok?t=setup_hang")"

# --- SIGPIPE never kills lt ---
start_lt pipe -e URL="$H/slow-ok?t=pipe" -e DUR=1.5s
await "grep -qs 'ITER DONE' '$TMP/pipe.err'" 10 || fail "pipe: load started"
kill -PIPE "$LT_PID"
await_exit "$LT_PID" 10
expect_eq "pipe: SIGPIPE does not kill lt (exit 0)" 0 "$EXIT_RC"
# the summary to a stdout whose reader went away
"$LT" -s "$S/run.lua" -q -e URL="$H/ok?t=pipe2" -e DUR=0.3s -e VUS=1 --summary-export - 2>"$TMP/pipe2.err" | head -c 1 >/dev/null
expect_eq "pipe: summary to a closed stdout does not kill lt" 0 "${PIPESTATUS[0]}"

# --- atomic writes: a run killed mid-way leaves earlier files whole ---
echo '{"schema": "lt-summary/1", "old": true}' >"$TMP/atomic.json"
printf '{"type":"run","old":true}\n{"type":"end","old":true}\n' >"$TMP/atomic.ndjson"
cp "$TMP/atomic.ndjson" "$TMP/atomic.ndjson.orig"
start_lt atomic -e URL="$H/slow-ok?t=atomic" -o lt-json="$TMP/atomic.ndjson"
await "grep -qs 'ITER DONE' '$TMP/atomic.err'" 10 || fail "atomic: load started"
expect_eq "atomic: the summary file is untouched during the run" true "$(json_get "$TMP/atomic.json" "str(d.get('old')).lower()")"
kill -9 "$LT_PID"
wait "$LT_PID" 2>/dev/null
check "atomic: a killed run leaves the earlier summary whole" valid_json "$TMP/atomic.json"
check "atomic: a killed run leaves no half-written json output (previous file whole)" \
    cmp "$TMP/atomic.ndjson" "$TMP/atomic.ndjson.orig"

# --- descriptors: the soft limit is raised to the hard limit ---
# Never skipped: a process may always lower its hard limit, so the test picks one it can set
# (1024, or the machine's own when that is lower) and a soft limit below it.
hard=$(ulimit -Hn)
if [ "$hard" == unlimited ] || [ "$hard" -gt 1024 ]; then fd_hard=1024; else fd_hard=$hard; fi
fd_soft=$((fd_hard / 4))
(ulimit -Sn "$fd_soft" && ulimit -Hn "$fd_hard" && "$LT" -s "$S/run.lua" -q -e SHOW_ULIMIT=1 \
    -e URL="$H/ok?t=fd" -e DUR=0.2s -e VUS=1 >/dev/null 2>"$TMP/fd.err")
expect_match "fd: soft limit $fd_soft raised to the hard limit $fd_hard" "ULIMIT $fd_hard\$" "$TMP/fd.err"
# ... and when even the hard limit is short, lt says so before the run, with the number needed;
# the requests that find no descriptor fail, and the run still ends normally (no threshold: 0)
(ulimit -n 128; timeout 30 "$LT" -s "$S/run.lua" -q -e URL="$H/ok?t=fd_short" -e DUR=0.5s -e VUS=500 \
    --summary-export "$TMP/fd_short.json" >/dev/null 2>"$TMP/fd_short.err"; echo $? >"$TMP/fd_short.rc")
expect_match "fd: shortfall named with the number needed" "(5[0-9][0-9]|[6-9][0-9][0-9]) file descriptors" "$TMP/fd_short.err"
expect_eq "fd: descriptors running out fail requests, not the run (exit 0)" 0 "$(cat "$TMP/fd_short.rc")"
expect_num "fd: requests failed for want of descriptors" \
    "$(json_get "$TMP/fd_short.json" "d['metrics']['http_req_failed']['values']['passes']")" gt 0

# --- output paths are checked before any traffic: a directory or an unwritable path is exit 104 ---
mkdir -p "$TMP/adir" "$TMP/adir.gz"
: >"$TMP/afile"
# bad_output NAME WHAT ARGS...: lt with the bad output path in ARGS exits 104 naming it, sends nothing
bad_output() {
    local name=$1 what=$2; shift 2
    timeout 20 "$LT" -s "$S/run.lua" -q -e URL="$H/ok?t=out_$name" -e SETUP_URL="$H/ok?t=out_${name}_setup" \
        -e DUR=0.3s -e VUS=1 "$@" >/dev/null 2>"$TMP/out_$name.err"
    expect_eq "output path $name: exit code 104" 104 "$?"
    expect_match "output path $name: the message names the path" "$what" "$TMP/out_$name.err"
    expect_eq "output path $name: no request sent, setup() did not run" 0 \
        "$(( $(reqs "/ok?t=out_$name") + $(reqs "/ok?t=out_${name}_setup") ))"
}
bad_output summary_dir "summary-export.*adir.*directory" --summary-export "$TMP/adir"
bad_output summary_dir_slash "summary-export.*adir/.*directory" --summary-export "$TMP/adir/"
bad_output summary_no_parent "summary-export.*no/such/s.json" --summary-export "$TMP/no/such/s.json"
bad_output summary_parent_file "summary-export.*afile/s.json" --summary-export "$TMP/afile/s.json"
bad_output json_dir "json.*adir.*directory" -o lt-json="$TMP/adir"
bad_output json_gz_dir "json.*adir.gz.*directory" -o lt-json="$TMP/adir.gz" --summary-export "$TMP/ok.json"
check "output paths: the checks leave no file behind" bash -c "! ls -a '$TMP/adir' '$TMP' | grep -v '^atomic' | grep -Eq '[.](probe|tmp)[.][0-9]+\$'"

# --- setup() error: exit 107 before any load, with the message and line ---
timeout 20 "$LT" -s "$S/run.lua" -q -e URL="$H/ok?t=setup_err" -e SETUP_ERROR=1 -e DUR=1s \
    --summary-export "$TMP/setup_err.json" >/dev/null 2>"$TMP/setup_err.err"
expect_eq "setup error: exit code 107" 107 "$?"
expect_match "setup error: message and line" "run.lua:17:.*(index|nil)" "$TMP/setup_err.err"
expect_eq "setup error: no load sent" 0 "$(reqs "/ok?t=setup_err")"

# --- teardown() error: reported, the summary is still written ---
timeout 20 "$LT" -s "$S/run.lua" -q -e URL="$H/ok?t=td_err" -e TEARDOWN_ERROR=1 -e DUR=0.3s -e VUS=1 \
    --summary-export "$TMP/td_err.json" >/dev/null 2>"$TMP/td_err.err"
expect_match "teardown error: message and line reported" "teardown.*run.lua:32:.*teardown broke on purpose" "$TMP/td_err.err"
check "teardown error: summary still written" valid_json "$TMP/td_err.json"
# --- VUs that cannot fit in memory are refused up front; allocating many VUs stays stoppable ---
start=$SECONDS
timeout 20 "$LT" -s "$S/vus.lua" -q -e N=10000000 >/dev/null 2>"$TMP/vus_huge.err"
expect_eq "vus_huge: 10,000,000 VUs refused: exit code 104" 104 "$?"
expect_num "vus_huge: at once, before allocating (s)" $((SECONDS - start)) le 2
expect_match "vus_huge: says how much memory they need and what it was compared with" \
    "10000000 VUs at once need at least [0-9.]+ GB .*more than (this machine's memory|.*limit)" "$TMP/vus_huge.err"
if [[ "${LT_BIN_DIR:-bin}" != *asan* ]]; then # ASan's shadow memory needs an unlimited address space
    (ulimit -v 1000000; timeout 20 "$LT" -s "$S/vus.lua" -q -e N=300000 >/dev/null 2>"$TMP/vus_ulimit.err")
    expect_eq "vus_ulimit: 300,000 VUs under ulimit -v 1 GB refused: exit code 104" 104 "$?"
    expect_match "vus_ulimit: names the limit" "need at least 1\.[0-9] GB.*ulimit -v" "$TMP/vus_ulimit.err"
fi
"$LT" -s "$S/vus.lua" -q -e N=200000 >/dev/null 2>"$TMP/vus_term.err" &
LT_PID=$!
_PIDS+=($LT_PID)
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
await "[ \$(rss_kb $LT_PID) -gt 100000 ]" 20 || fail "vus_term: allocation started"
kill -TERM "$LT_PID"
await_exit "$LT_PID" 10
expect_eq "vus_term: SIGTERM while 200,000 VUs are being allocated: exit code 105" 105 "$EXIT_RC"
expect_num "vus_term: honoured at once, not after the allocation (s)" "$EXIT_SECS" lt 2

# --- distinct tag sets are capped: 3,000 URLs with IDs under --max-tag-sets 100 (nginx) ---
start_nginx >/dev/null 2>&1 || fail "nginx starts"
peak_rss_kb() { python3 -c 'import resource,subprocess,sys
rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w")).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"; }
read -r rc rss <<<"$(peak_rss_kb "$TMP/urls.err" "$LT" -s "$S/urls.lua" -q --threads 2 --max-tag-sets 100 \
    -e BASE="http://127.0.0.1:$NGINX_PORT" -e N=3000 --summary-export "$TMP/urls.json")"
expect_eq "urls: 3,000 distinct URLs under --max-tag-sets 100: exit code 0" 0 "$rc"
expect_match "urls: warns once, early, naming the name tag" "warning: 10 distinct tag sets.*name" "$TMP/urls.err"
expect_eq "urls: the warning comes once" 1 "$(grep -c 'distinct tag sets so far' "$TMP/urls.err")"
expect_match "urls: says the cap is reached and where samples go" "100 distinct tag sets reached the cap.*series_overflow=true" "$TMP/urls.err"
expect_eq "urls: http_reqs counts every request" 3000 "$(json_get "$TMP/urls.json" "d['metrics']['http_reqs']['values']['count']")"
expect_eq "urls: the series of http_reqs add up to every request" 3000 \
    "$(json_get "$TMP/urls.json" "sum(s['values']['count'] for s in d['series'] if s['metric'] == 'http_reqs')")"
expect_eq "urls: one overflow series for http_reqs, keeping scenario and status" "1 s 200" \
    "$(json_get "$TMP/urls.json" "' '.join(str(x) for x in [len(o), o[0]['tags'].get('scenario'), o[0]['tags'].get('status')]) if (o := [s for s in d['series'] if s['metric'] == 'http_reqs' and s['tags'].get('series_overflow') == 'true']) else 'none'")"
expect_num "urls: it holds the requests past the cap" \
    "$(json_get "$TMP/urls.json" "[s for s in d['series'] if s['metric'] == 'http_reqs' and s['tags'].get('series_overflow') == 'true'][0]['values']['count']")" ge 2850
expect_num "urls: at most 100 tag sets plus the overflow ones (http_reqs series)" \
    "$(json_get "$TMP/urls.json" "len([s for s in d['series'] if s['metric'] == 'http_reqs'])")" le 101
if [[ "${LT_BIN_DIR:-bin}" != *asan* ]]; then # ASan's own memory use says nothing about lt's
    expect_num "urls: peak RSS bounded (MB; 404 MB without the cap)" $((rss / 1024)) lt 80
fi
"$LT" -s "$S/urls.lua" -q --max-tag-sets 0 -e BASE="http://127.0.0.1:$NGINX_PORT" >/dev/null 2>&1
expect_eq "urls: --max-tag-sets 0 is a usage error (exit 2)" 2 "$?"

# --- CPU-bound Lua is stoppable: a VU, setup() or teardown() spinning in `while true do end` ---
# (LuaJIT runs hooks only in the interpreter; a compiled loop is left by the watchdog's signal.)
# start_busy NAME ARGS...: tests/signals/scripts/busy.lua in the background, like start_lt
start_busy() {
    local name=$1; shift
    "$LT" -s "$S/busy.lua" -q --summary-export "$TMP/$name.json" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    LT_PID=$!
    _PIDS+=($LT_PID)
}
interrupted() { json_get "$TMP/$1.json" "d['scenarios']['s'].get('interrupted_iterations')"; }
for loop in jit interp pcall; do
    n=busy_int_$loop
    start_busy $n -e LOOP=$loop -e GRACE=0.3s -e VUS=2 --threads 2
    await "[ \$(count $n 'BUSY default') -ge 2 ]" 10 || fail "$n: both VUs spinning"
    kill -INT "$LT_PID"
    await_exit "$LT_PID" 5
    expect_eq "$n: Ctrl-C stops a spinning default() ($loop loop): exit code 105" 105 "$EXIT_RC"
    expect_num "$n: within the 0.3 s gracefulStop and a bound (s)" "$EXIT_SECS" lt 2.5
    check "$n: summary written" valid_json "$TMP/$n.json"
    expect_eq "$n: both spinning iterations counted as interrupted" 2 "$(interrupted $n)"
    expect_match "$n: teardown ran" "TEARDOWN RAN" "$TMP/$n.err"
done

start_busy busy_double -e GRACE=30s
await "[ \$(count busy_double 'BUSY default') -ge 1 ]" 10 || fail "busy_double: VU spinning"
kill -INT "$LT_PID"
await "grep -qs 'stopping' '$TMP/busy_double.err'" 5 || fail "busy_double: first Ctrl-C acknowledged"
kill -INT "$LT_PID"
await_exit "$LT_PID" 5
expect_eq "busy_double: a second Ctrl-C stops a spinning VU at once: exit code 105" 105 "$EXIT_RC"
expect_num "busy_double: at once (s)" "$EXIT_SECS" lt 1.5
check "busy_double: summary written" valid_json "$TMP/busy_double.json"
expect_eq "busy_double: summary marked partial" True "$(json_get "$TMP/busy_double.json" "d['partial']")"

start_busy busy_end -e DUR=0.5s -e GRACE=0s
await_exit "$LT_PID" 6
expect_eq "busy_end: the duration's end with gracefulStop 0s stops a spinning VU: exit code 0" 0 "$EXIT_RC"
expect_num "busy_end: soon after the 0.5 s duration (s)" "$EXIT_SECS" lt 2.5
check "busy_end: summary written" valid_json "$TMP/busy_end.json"
expect_eq "busy_end: the spinning iteration counted as interrupted" 1 "$(interrupted busy_end)"
expect_eq "busy_end: and not as a complete one" 0 \
    "$(json_get "$TMP/busy_end.json" "d['metrics'].get('iterations', {}).get('values', {}).get('count', 0)")"
expect_match "busy_end: teardown ran" "TEARDOWN RAN" "$TMP/busy_end.err"

start_busy busy_setup -e BUSY_IN=setup
await "[ \$(count busy_setup 'BUSY setup') -ge 1 ]" 10 || fail "busy_setup: setup spinning"
kill -INT "$LT_PID"
await_exit "$LT_PID" 3
expect_eq "busy_setup: Ctrl-C stops a spinning setup(): exit code 105" 105 "$EXIT_RC"
expect_match "busy_setup: says setup() was interrupted" "setup.*interrupted" "$TMP/busy_setup.err"

start_busy busy_setup_to -e BUSY_IN=setup -e SETUP_TIMEOUT=0.5s
await_exit "$LT_PID" 4
expect_eq "busy_setup_to: setupTimeout ends a spinning setup(): exit code 107" 107 "$EXIT_RC"
expect_match "busy_setup_to: says setup() did not finish in time" "setup.*did not finish within" "$TMP/busy_setup_to.err"

start_busy busy_td_to -e BUSY_IN=teardown -e DUR=0.2s -e TEARDOWN_TIMEOUT=0.5s
await_exit "$LT_PID" 4
expect_eq "busy_td_to: teardownTimeout ends a spinning teardown(): exit code 107 (a teardown error)" 107 "$EXIT_RC"
expect_match "busy_td_to: says teardown() did not finish in time" "teardown.*did not finish within" "$TMP/busy_td_to.err"
check "busy_td_to: summary written" valid_json "$TMP/busy_td_to.json"

start_busy busy_td_int -e BUSY_IN=teardown -e DUR=0.2s
await "[ \$(count busy_td_int 'BUSY teardown') -ge 1 ]" 10 || fail "busy_td_int: teardown spinning"
kill -INT "$LT_PID"
await_exit "$LT_PID" 3
expect_eq "busy_td_int: Ctrl-C stops a spinning teardown(): exit code 105" 105 "$EXIT_RC"
check "busy_td_int: summary written" valid_json "$TMP/busy_td_int.json"
finish
