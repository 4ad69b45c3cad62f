#!/usr/bin/env bash
# lt against a hostile HTTP server (tests/hostile/server.py, one misbehaviour per path) and hostile
# TLS ports: each request fails with its documented error (res.error_code, and the `error` and
# `error_code` tags on http_req_failed), untrusted connections are not reused (the server counts
# connections per request target), timeouts fire on time, memory stays bounded, the run ends on
# schedule, and VUs hitting a healthy server in the same run are unaffected.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/hostile/scripts

# --- servers: the hostile one (plain, self-signed TLS, TLS garbage, TLS close) and nginx ---
HP=$(free_port); HTLS=$(free_port); HGARB=$(free_port); HCLOSE=$(free_port)
mkdir -p "$TMP/hc"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$TMP/hc/key.pem" -out "$TMP/hc/cert.pem" >/dev/null 2>&1 || { fail "self-signed cert"; finish; }
python3 "$ROOT/tests/hostile/server.py" --port "$HP" --tls-port "$HTLS" --cert "$TMP/hc/cert.pem" \
    --key "$TMP/hc/key.pem" --tls-garbage-port "$HGARB" --tls-close-port "$HCLOSE" >"$TMP/hostile.log" 2>&1 &
_PIDS+=($!)
for p in "$HP" "$HTLS" "$HGARB" "$HCLOSE"; do wait_port "$p" || { fail "hostile server starts" "$(cat "$TMP/hostile.log")"; finish; }; done
start_nginx || { fail "nginx starts"; finish; }
H=http://127.0.0.1:$HP

# Memory bounds are for the optimised build; AddressSanitizer's shadow memory and quarantine
# roughly double a process's peak, so the sanitizer run (LT_BIN_DIR=bin-asan) allows 3x.
RSS_SCALE=1
case "${LT_BIN_DIR:-bin}" in *asan*) RSS_SCALE=3 ;; esac
# Ensure the harness measures lt, not itself: peak RSS (KiB) of the lt child goes to $TMP/NAME.rss.
RUN_RSS='import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1] + ".out", "w"), stderr=open(sys.argv[1] + ".err", "w"))
open(sys.argv[1] + ".rss", "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc if rc >= 0 else 128 - rc)'

# probe NAME URLS [lt args...]: runs tests/hostile/scripts/probe.lua (one VU; each iteration GETs
# every URL of the comma-separated list), results in $TMP/NAME.{res,json,err,rss,rc,secs}.
probe() {
    local name=$1 urls=$2; shift 2
    local t0 t1
    t0=$(date +%s.%N)
    timeout 100 python3 -c "$RUN_RSS" "$TMP/$name" "$LT" -s "$S/probe.lua" -e URL="$urls" -q \
        --summary-export "$TMP/$name.json" "$@"
    echo $? >"$TMP/$name.rc"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >"$TMP/$name.secs"
    sed -n 's/.*RESULT //p' "$TMP/$name.err" >"$TMP/$name.res"
}
# res NAME INDEX FIELD: a field of the INDEX-th logged result (from 0)
res() { python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(r[int(sys.argv[2])].get(sys.argv[3], "") if len(r) > int(sys.argv[2]) else "<missing>")' "$TMP/$1.res" "$2" "$3"; }
nres() { wc -l <"$TMP/$1.res" | tr -d ' '; }
# failed_with NAME ERROR CODE: passes of the http_req_failed series tagged error=ERROR, error_code=CODE
failed_with() {
    json_get "$TMP/$1.json" "sum(int(s['values']['passes']) for s in d['series'] if s['metric']=='http_req_failed' and s['tags'].get('error')=='$2' and s['tags'].get('error_code')=='$3')"
}
# conns TARGET: distinct connections that carried a request for TARGET (path?query), from /stats
conns() { python3 -c 'import json,sys,urllib.request; d=json.load(urllib.request.urlopen(sys.argv[1]+"/stats")); print(d.get(sys.argv[2],{}).get("conns",0))' "$H" "$1"; }
reqs() { python3 -c 'import json,sys,urllib.request; d=json.load(urllib.request.urlopen(sys.argv[1]+"/stats")); print(d.get(sys.argv[2],{}).get("reqs",0))' "$H" "$1"; }

# expect_failure NAME PATH CODE ERROR [TIMEOUT]: two requests in one iteration to PATH both fail
# with CODE/ERROR; status 0; tagged in the summary; two connections (none reused); lt exits 0.
expect_failure() {
    local name=$1 path=$2 code=$3 err=$4 to=${5:-2s}
    local target="$path?t=$name"
    probe "$name" "$H$target,$H$target" -e TIMEOUT="$to"
    expect_eq "$name: lt exits 0" 0 "$(cat "$TMP/$name.rc")"
    expect_eq "$name: both requests reported" 2 "$(nres "$name")"
    local i
    for i in 0 1; do
        expect_eq "$name: request $i error_code" "$code" "$(res "$name" $i code)"
        expect_eq "$name: request $i status is 0 (failed)" 0 "$(res "$name" $i status)"
        check "$name: request $i res.error is set" test -n "$(res "$name" $i error)"
    done
    expect_eq "$name: http_req_failed tagged error='$err' error_code=$code" 2 "$(failed_with "$name" "$err" "$code")"
    expect_eq "$name: the connection is not reused" 2 "$(conns "$target")"
}
# expect_success NAME PATH BODY_LEN CONNS: two requests succeed (200, body length); CONNS connections
expect_success() {
    local name=$1 path=$2 len=$3 want_conns=$4
    local target="$path?t=$name"
    probe "$name" "$H$target,$H$target" -e TIMEOUT=2s
    expect_eq "$name: lt exits 0" 0 "$(cat "$TMP/$name.rc")"
    local i
    for i in 0 1; do
        expect_eq "$name: request $i status 200" 200 "$(res "$name" $i status)"
        expect_eq "$name: request $i no error" 0 "$(res "$name" $i code)"
        expect_eq "$name: request $i body length" "$len" "$(res "$name" $i len)"
    done
    expect_eq "$name: connections used" "$want_conns" "$(conns "$target")"
}
# timed NAME LOW HIGH: both requests of NAME took between LOW and HIGH seconds
timed() {
    local i
    for i in 0 1; do
        expect_num "$1: request $i ended by its timeout on time (>=)" "$(res "$1" $i elapsed)" ge "$2"
        expect_num "$1: request $i ended by its timeout on time (<=)" "$(res "$1" $i elapsed)" le "$3"
    done
}

# The default timeout (60 s, as k6) is checked by a run started now, in the background.
DEF_T0=$(date +%s.%N)
( probe default_timeout "$H/hang?t=default_timeout" ) &
DEF_PID=$!

# --- status line ---
expect_failure bad_status /bad-status 1600 "malformed status line"
expect_failure bad_status_code /bad-status-code 1600 "malformed status line"
expect_failure bad_version /bad-version 1600 "malformed status line"
expect_failure drip_status /drip-status 1050 "request timeout" 1s
timed drip_status 0.95 1.5

# --- headers ---
expect_failure no_header_end /no-header-end 1050 "request timeout" 1s
timed no_header_end 0.95 1.5
expect_failure no_header_end_close /no-header-end-close 1221 "connection closed before response complete"
expect_failure huge_header /huge-header 1602 "response header too large"
expect_num "huge_header: a 1 MB header line keeps lt small (peak RSS KiB)" "$(cat "$TMP/huge_header.rss")" lt $((60000 * RSS_SCALE))
expect_failure many_headers /many-headers 1602 "response header too large"
expect_failure bad_header /bad-header 1601 "malformed header"

# --- Content-Length ---
expect_failure cl_short_close /cl-short-close 1221 "connection closed before response complete"
expect_failure cl_short_hang /cl-short-hang 1050 "request timeout" 1s
timed cl_short_hang 0.95 1.5
expect_failure cl_negative /cl-negative 1603 "invalid content-length"
expect_failure cl_nonnumeric /cl-nonnumeric 1603 "invalid content-length"
expect_failure cl_conflict /cl-conflict 1603 "invalid content-length"
expect_failure cl_list /cl-list 1603 "invalid content-length"
expect_failure cl_and_chunked /cl-and-chunked 1603 "invalid content-length"
# Identical duplicates: RFC 9110 lets a client reject them or take the one value; lt rejects.
expect_failure cl_dup_same /cl-dup-same 1603 "invalid content-length"
# Longer than said: the response is the first 2 bytes; the extra bytes make the connection untrusted.
expect_success cl_long /cl-long 2 2
expect_eq "cl_long: body is the announced 2 bytes" ok "$(res cl_long 0 body)"
expect_failure huge_length /huge-length 1605 "response body too large"

# --- chunked ---
expect_failure chunk_bad_size /chunk-bad-size 1604 "invalid chunked encoding"
expect_failure chunk_overflow /chunk-overflow 1604 "invalid chunked encoding"
expect_failure chunk_size_mismatch /chunk-size-mismatch 1604 "invalid chunked encoding"
expect_failure chunk_no_term_close /chunk-no-terminator-close 1221 "connection closed before response complete"
expect_failure chunk_no_term_hang /chunk-no-terminator-hang 1050 "request timeout" 1s
timed chunk_no_term_hang 0.95 1.5
expect_success chunk_trailers /chunk-trailers 5 1
expect_eq "chunk_trailers: body is the chunks' data" 'ok!!!' "$(res chunk_trailers 0 body)"

# --- bodies delimited by close, never ending, dripping ---
expect_success until_close /until-close 100000 2
expect_success until_close_nohdr /until-close-nohdr 5000 2
expect_failure never_ends /never-ends 1050 "request timeout" 1s
timed never_ends 0.95 1.5
expect_failure drip /drip 1050 "request timeout" 2s
timed drip 1.95 2.5

# A body that never ends, as fast as lt reads: the kept body stops at the 64 MiB limit...
expect_failure flood_kept /flood 1605 "response body too large" 10s
expect_num "flood_kept: peak RSS bounded (KiB, 64 MiB body limit + slack)" "$(cat "$TMP/flood_kept.rss")" lt $((200000 * RSS_SCALE))
# ...and a discarded one runs until the timeout, in constant memory.
probe flood_discard "$H/flood?t=flood_discard" -e TIMEOUT=1.5s -e DISCARD=1
expect_eq "flood_discard: request timeout" 1050 "$(res flood_discard 0 code)"
expect_num "flood_discard: on time (>=)" "$(res flood_discard 0 elapsed)" ge 1.45
expect_num "flood_discard: on time (<=)" "$(res flood_discard 0 elapsed)" le 2.0
expect_num "flood_discard: peak RSS small (KiB)" "$(cat "$TMP/flood_discard.rss")" lt $((60000 * RSS_SCALE))

# --- resets and closes ---
expect_failure reset_mid /reset-mid 1220 "connection reset by peer"
expect_failure reset_before /reset-before 1220 "connection reset by peer"
expect_failure close_before /close-before 1221 "connection closed before response complete"

# --- interim responses, HTTP/1.0, Connection: close, garbage ---
expect_success continue /continue 2 1
expect_eq "continue: the final status is the real answer's" 200 "$(res continue 1 status)"
expect_success continue_twice /continue-twice 2 1
expect_success http10 /http10 2 2
expect_success http10_until_close /http10-until-close 3000 2
expect_success conn_close_hdr /conn-close-hdr 2 2
expect_success garbage_after /garbage-after 2 2
# Garbage that arrives while the connection is idle: it must be dropped, not read as the next answer.
probe garbage_late "$H/garbage-after-late?t=garbage_late" -e ITERS=2 -e SLEEP=0.3
expect_eq "garbage_late: second request succeeds" 200 "$(res garbage_late 1 status)"
expect_eq "garbage_late: the idle connection with garbage is not reused" 2 "$(conns "/garbage-after-late?t=garbage_late")"
expect_success healthy_keepalive /ok 2 1

# --- TLS ---
probe tls_selfsigned "https://localhost:$HTLS/ok?t=tls_selfsigned,https://127.0.0.1:$HTLS/ok?t=tls_selfsigned"
for i in 0 1; do expect_eq "tls_selfsigned: request $i rejected by default" 1310 "$(res tls_selfsigned $i code)"; done
expect_eq "tls_selfsigned: tagged" 2 "$(failed_with tls_selfsigned "tls certificate verification failed" 1310)"
expect_eq "tls_selfsigned: no request reached the server" 0 "$(reqs "/ok?t=tls_selfsigned")"
probe tls_insecure_opt "https://localhost:$HTLS/ok?t=tls_insecure_opt,https://localhost:$HTLS/ok?t=tls_insecure_opt" -e INSECURE=1
for i in 0 1; do expect_eq "tls_insecure_opt: insecureSkipTLSVerify accepts it (request $i)" 200 "$(res tls_insecure_opt $i status)"; done
expect_eq "tls_insecure_opt: kept alive over TLS" 1 "$(conns "/ok?t=tls_insecure_opt")"
probe tls_insecure_flag "https://127.0.0.1:$HTLS/ok?t=tls_insecure_flag" --insecure-skip-tls-verify
expect_eq "tls_insecure_flag: --insecure-skip-tls-verify accepts it" 200 "$(res tls_insecure_flag 0 status)"
probe tls_garbage "https://127.0.0.1:$HGARB/ok,https://127.0.0.1:$HGARB/ok" -e INSECURE=1
for i in 0 1; do expect_eq "tls_garbage: handshake fails (request $i)" 1300 "$(res tls_garbage $i code)"; done
expect_eq "tls_garbage: tagged" 2 "$(failed_with tls_garbage "tls handshake failed" 1300)"
probe tls_close "https://127.0.0.1:$HCLOSE/ok,https://127.0.0.1:$HCLOSE/ok"
for i in 0 1; do expect_eq "tls_close: handshake fails (request $i)" 1300 "$(res tls_close $i code)"; done
# hostile behaviours behind TLS too
probe tls_reset_mid "https://127.0.0.1:$HTLS/reset-mid?t=tls_reset_mid" -e INSECURE=1
expect_eq "tls_reset_mid: connection reset by peer over TLS" 1220 "$(res tls_reset_mid 0 code)"
probe tls_until_close "https://127.0.0.1:$HTLS/until-close?t=tls_until_close" -e INSECURE=1
expect_eq "tls_until_close: body until close over TLS" 100000 "$(res tls_until_close 0 len)"
probe tls_cl_short "https://127.0.0.1:$HTLS/cl-short-close?t=tls_cl_short" -e INSECURE=1
expect_eq "tls_cl_short: short body over TLS is an error" 1221 "$(res tls_cl_short 0 code)"

# --- one run: healthy VUs next to hostile ones; the run ends on schedule ---
t0=$(date +%s.%N)
timeout 60 "$LT" -s "$S/mixed.lua" -e HEALTHY="http://127.0.0.1:$NGINX_PORT/" -e HOSTILE="$H" -q \
    --summary-export "$TMP/mixed.json" >"$TMP/mixed.out" 2>"$TMP/mixed.err"
rc=$?
el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
expect_eq "mixed: lt exits 0" 0 "$rc"
expect_num "mixed: 3 s of load + 1 s gracefulStop ends on schedule (s)" "$el" lt 5.5
mj() { json_get "$TMP/mixed.json" "$1"; }
healthy_fails=$(mj "sum(int(s['values']['passes']) for s in d['series'] if s['metric']=='http_req_failed' and s['tags'].get('scenario')=='healthy')")
healthy_ok=$(mj "sum(int(s['values']['fails']) for s in d['series'] if s['metric']=='http_req_failed' and s['tags'].get('scenario')=='healthy')")
hostile_fails=$(mj "sum(int(s['values']['passes']) for s in d['series'] if s['metric']=='http_req_failed' and s['tags'].get('scenario')=='hostile')")
expect_eq "mixed: no healthy request failed" 0 "$healthy_fails"
expect_num "mixed: healthy VUs kept their pace (requests)" "$healthy_ok" ge 400
expect_num "mixed: the hostile VUs did fail" "$hostile_fails" gt 10
hp99=$(mj "[s['values']['p(99)'] for s in d['series'] if s['metric']=='http_req_duration' and s['tags'].get('scenario')=='healthy' and s['tags'].get('status')=='200'][0]")
expect_num "mixed: healthy p99 latency unaffected (ms)" "$hp99" lt 50

# --- the default timeout is 60 s ---
wait "$DEF_PID"
expect_eq "default_timeout: request timeout" 1050 "$(res default_timeout 0 code)"
expect_num "default_timeout: fires at 60 s (>=)" "$(res default_timeout 0 elapsed)" ge 59.9
expect_num "default_timeout: fires at 60 s (<=)" "$(res default_timeout 0 elapsed)" le 61
finish
