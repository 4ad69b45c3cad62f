#!/usr/bin/env bash
# What lt puts on the wire, checked by a server that counts what it reads (tests/hostile/server.py):
# - no request is sent twice behind the script's back: against a server that reads each request in
#   full and then resets 35% of the connections, every POST the server read is one lt reports
#   (http_reqs) and every reset one lt reports as failed; GET, PUT and a POST with an
#   Idempotency-Key are retried once on a fresh connection, and each retry is counted in
#   http_req_retries (RFC 9110 section 9.2.2, Go's net/http rules);
# - header names and values with CR, LF or NUL are refused (the request fails naming the header and
#   nothing reaches the server), and more than 64 headers are all sent.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/hostile/scripts

HP=$(free_port)
python3 "$ROOT/tests/hostile/server.py" --port "$HP" >"$TMP/hostile.log" 2>&1 &
_PIDS+=($!)
wait_port "$HP" || { fail "hostile server starts" "$(cat "$TMP/hostile.log")"; finish; }
H=http://127.0.0.1:$HP

# stat TARGET FIELD: the server's count of FIELD (reqs, resets, conns) for TARGET
stat() { python3 -c 'import json,sys,urllib.request; d=json.load(urllib.request.urlopen(sys.argv[1]+"/stats")); print(d.get(sys.argv[2],{}).get(sys.argv[3],0))' "$H" "$1" "$2"; }
# metric NAME FILE KEY: values[KEY] of a metric in a summary (0 when the metric is absent)
metric() { json_get "$2" "d['metrics'].get('$1', {}).get('values', {}).get('$3', 0)"; }

# replay NAME METHOD [lt args]: 400 requests of METHOD from 4 VUs to /read-reset?t=NAME (35% reset)
replay() {
    local name=$1 method=$2; shift 2
    timeout 60 "$LT" -s "$S/replay.lua" -e URL="$H/read-reset?t=$name" -e METHOD="$method" -q \
        --summary-export "$TMP/$name.json" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    expect_eq "$name: lt exits 0" 0 "$?"
    LT_REQS=$(metric http_reqs "$TMP/$name.json" count)
    LT_FAILED=$(metric http_req_failed "$TMP/$name.json" passes)
    LT_RETRIES=$(metric http_req_retries "$TMP/$name.json" count)
    SREQS=$(stat "/read-reset?t=$name" reqs)
    SRESETS=$(stat "/read-reset?t=$name" resets)
    expect_eq "$name: lt reports every request of the script" 400 "$LT_REQS"
    expect_eq "$name: the summary has http_req_retries" True \
        "$(json_get "$TMP/$name.json" "'http_req_retries' in d['metrics']")"
}

# --- POST: never sent again; every reset is a failed request with its error ---
replay post POST
expect_eq "post: the server read exactly the POSTs lt reports (no hidden duplicate)" "$LT_REQS" "$SREQS"
expect_eq "post: every reset is a failed request" "$SRESETS" "$LT_FAILED"
expect_eq "post: a reset after the server read the POST is 35% of requests" 140 "$SRESETS"
expect_eq "post: no retry" 0 "$LT_RETRIES"
expect_eq "post: the failures carry error 'connection reset by peer' (1220)" "$LT_FAILED" \
    "$(json_get "$TMP/post.json" "sum(int(s['values']['passes']) for s in d['series'] if s['metric']=='http_req_failed' and s['tags'].get('error')=='connection reset by peer' and s['tags'].get('error_code')=='1220')")"
expect_num "post: the summary text shows http_req_retries" "$(grep -c 'http_req_retries' "$TMP/post.err")" ge 1

# --- GET (idempotent): a reset on a reused connection is retried once, and counted ---
replay get GET
expect_num "get: retried" "$LT_RETRIES" gt 0
expect_eq "get: the server read lt's requests plus the counted retries" "$((LT_REQS + LT_RETRIES))" "$SREQS"
expect_eq "get: every reset is a failure or a counted retry" "$SRESETS" "$((LT_FAILED + LT_RETRIES))"
expect_eq "get: retries are tagged as requests (method GET)" "$LT_RETRIES" \
    "$(json_get "$TMP/get.json" "int(sum(s['values']['count'] for s in d['series'] if s['metric']=='http_req_retries' and s['tags'].get('method')=='GET'))")"

# --- PUT is idempotent too (RFC 9110 9.2.2); a POST with an Idempotency-Key is, as in Go ---
replay put PUT
expect_num "put: retried" "$LT_RETRIES" gt 0
expect_eq "put: the server read lt's requests plus the counted retries" "$((LT_REQS + LT_RETRIES))" "$SREQS"
replay post_idem POST -e IDEMPOTENCY_KEY=1
expect_num "post_idem: a POST with Idempotency-Key is retried" "$LT_RETRIES" gt 0
expect_eq "post_idem: the server read lt's requests plus the counted retries" "$((LT_REQS + LT_RETRIES))" "$SREQS"

# --- headers: CR, LF and NUL are refused; more than 64 are all sent ---
timeout 30 "$LT" -s "$S/headers.lua" -e BASE="$H" -q --summary-export "$TMP/headers.json" \
    >"$TMP/headers.out" 2>"$TMP/headers.err"
expect_eq "headers: lt exits 0" 0 "$?"
sed -n 's/.*RESULT //p' "$TMP/headers.err" >"$TMP/headers.res"
# hres CASE FIELD: a field of the logged result of CASE
hres() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["case"] == sys.argv[2]: print(r.get(sys.argv[3], "")); break
else: print("<missing>")' "$TMP/headers.res" "$1" "$2"; }
expect_eq "many: 100 headers sent, 100 + Host, User-Agent, Connection arrive" 103 "$(hres many count)"
expect_eq "many: status 200" 200 "$(hres many status)"
for c in crlf_value lf_value cr_value nul_value crlf_host; do
    expect_eq "$c: the request fails (invalid header, 1021)" 1021 "$(hres $c code)"
    expect_eq "$c: status 0" 0 "$(hres $c status)"
    expect_eq "$c: nothing reached the server" 0 "$(stat "/headers?t=$c" reqs)"
done
expect_match "crlf_value: the error names the header" 'invalid header field value for \\"X-Evil\\"' "$TMP/headers.res"
expect_match "crlf_host: the error names the header" 'invalid header field value for \\"Host\\"' "$TMP/headers.res"
for c in crlf_name space_name colon_name empty_name; do
    expect_eq "$c: the request fails (invalid header, 1021)" 1021 "$(hres $c code)"
    expect_eq "$c: nothing reached the server" 0 "$(stat "/headers?t=$c" reqs)"
done
expect_match "crlf_name: the error shows the name, escaped" 'invalid header field name \\"X-Evil\\\\r\\\\nX-Injected\\"' "$TMP/headers.res"
expect_eq "tab_value: a tab inside a value is allowed" 200 "$(hres tab_value status)"
expect_match "tab_value: sent as given" 'X-Tab: a\\tb' "$TMP/headers.res"
expect_eq "number_value: a number is sent as its text" 200 "$(hres number_value status)"
expect_eq "headers: the refused requests are http_req_failed tagged error='invalid header'" 9 \
    "$(json_get "$TMP/headers.json" "sum(int(s['values']['passes']) for s in d['series'] if s['metric']=='http_req_failed' and s['tags'].get('error')=='invalid header' and s['tags'].get('error_code')=='1021')")"
finish
