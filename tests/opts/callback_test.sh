# k6's response callbacks: http.expectedStatuses / http.setResponseCallback and a request's
# responseCallback decide http_req_failed and the expected_response tag; business rejections
# (409, 422) declared expected are not failures. Against nginx on loopback.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/opts/scripts

start_status_nginx() {
    NGINX_PORT=$(free_port)
    start_nginx_http <<CONF
    access_log off;
    default_type application/json;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /s/200 { return 200 '{"status":"ACCEPTED"}'; }
        location = /s/409 { return 409 '{"status":"REJECTED","reason":"duplicate"}'; }
        location = /s/422 { return 422 '{"status":"REJECTED","reason":"price"}'; }
        location = /s/500 { return 500 '{"error":"boom"}'; }
    }
CONF
}
start_status_nginx || { fail "nginx starts"; finish; }
BASE=http://127.0.0.1:$NGINX_PORT

# run_mode NAME EXPECTED_EXIT ARGS...
run_mode() {
    local name=$1 want=$2; shift 2
    timeout 30 "$LT" run "$S/callback.lua" -q -e BASE="$BASE" --summary-export "$TMP/$name.json" "$@" \
        >"$TMP/$name.out" 2>&1
    local rc=$?
    expect_eq "$name: exit code" "$want" "$rc"
    [ "$rc" == "$want" ] || tail -5 "$TMP/$name.out" | sed 's/^/       | /'
}
j() { json_get "$TMP/$1.json" "$2"; }
failed_rate() { j "$1" "d['metrics']['http_req_failed']['values']['rate']"; }
# expected_response tag of the http_reqs series of status $2 ('' when it has none)
exp_tag() { j "$1" "sorted(set(s['tags'].get('expected_response','') for s in d['series'] if s['metric']=='http_reqs' and s['tags'].get('status')=='$2'))[0]"; }

run_mode default 0 -e MODE=default
expect_eq "default (200-399 expected): 409, 422, 500 fail, rate 0.75" 0.75 "$(failed_rate default)"
expect_eq "default: 409 tagged expected_response=false" false "$(exp_tag default 409)"
expect_eq "default: 200 tagged expected_response=true" true "$(exp_tag default 200)"
expect_eq "default: every status as asked, error_code 1000 + status from 400 (k6)" 0 "$(j default "sum(c['fails'] for c in d['checks'])")"
expect_eq "default: the 422's series tagged error_code=1422, no error tag" "1422 None" "$(j default "' '.join(str(x) for x in [(s['tags'].get('error_code'), s['tags'].get('error')) for s in d['series'] if s['metric']=='http_reqs' and s['tags'].get('status')=='422'][0])")"
expect_eq "default: the 200's series has no error_code tag" None "$(j default "[s['tags'].get('error_code') for s in d['series'] if s['metric']=='http_reqs' and s['tags'].get('status')=='200'][0]")"

run_mode set 0 -e MODE=set -e "THRESHOLD=rate<0.3"
expect_eq "expectedStatuses(200, {min=400,max=422}): only 500 fails, rate 0.25" 0.25 "$(failed_rate set)"
expect_eq "set: 409 tagged expected_response=true" true "$(exp_tag set 409)"
expect_eq "set: 422 tagged expected_response=true" true "$(exp_tag set 422)"
expect_eq "set: 500 tagged expected_response=false" false "$(exp_tag set 500)"
expect_eq "set: http_reqs still counts all 20" 20 "$(j set "int(d['metrics']['http_reqs']['values']['count'])")"
run_mode default_thr 99 -e MODE=default -e "THRESHOLD=rate<0.3"
expect_eq "without the callback the same threshold fails (rate 0.75)" 0.75 "$(failed_rate default_thr)"

run_mode none 99 -e MODE=none
expect_eq "setResponseCallback(nil): no http_req_failed sample" 0 "$(j none "d['metrics']['http_req_failed']['values']['passes'] + d['metrics']['http_req_failed']['values']['fails']")"
expect_match "setResponseCallback(nil): so its threshold has no data (exit 99)" "http_req_failed: 'rate<=1' \(no data" "$TMP/none.out"
expect_eq "setResponseCallback(nil): http_reqs still counts all 20" 20 "$(j none "int(d['metrics']['http_reqs']['values']['count'])")"
expect_eq "setResponseCallback(nil): no expected_response tag" "" "$(exp_tag none 500)"

run_mode param 0 -e MODE=param
expect_eq "responseCallback = expectedStatuses(409) on the 409: 422 and 500 fail, rate 0.5" 0.5 "$(failed_rate param)"
expect_eq "param: that 409 tagged expected_response=true" true "$(exp_tag param 409)"
run_mode param_false 0 -e MODE=param_false
expect_eq "responseCallback = false on the 409: its request is not failed (rate 2/3)" 0.667 \
    "$(j param_false "round(d['metrics']['http_req_failed']['values']['rate'], 3)")"
expect_eq "param_false: that 409 has no expected_response tag" "" "$(exp_tag param_false 409)"

run_mode vu 0 -e MODE=vu
expect_eq "set inside an iteration ({min=200,max=599}): nothing fails" 0 "$(j vu "int(d['metrics']['http_req_failed']['values']['rate'])")"

run_mode bad_set 107 -e MODE=bad_set
expect_match "setResponseCallback(function): script error names it" "setResponseCallback: unsupported argument" "$TMP/bad_set.out"
run_mode bad_args 107 -e MODE=bad_args
expect_match "expectedStatuses('x'): script error" "argument 1 was neither an integer nor a table" "$TMP/bad_args.out"
run_mode no_args 107 -e MODE=no_args
expect_match "expectedStatuses(): script error" "expectedStatuses: no arguments" "$TMP/no_args.out"
finish
