# userAgent / --user-agent, noConnectionReuse / --no-connection-reuse and noVUConnectionReuse /
# --no-vu-connection-reuse, as k6 means them: nginx on loopback logs each request's connection
# serial number ($connection) and User-Agent, and the suite counts both.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/opts/scripts

start_log_nginx() {
    NGINX_PORT=$(free_port)
    start_nginx_http <<CONF
    log_format conn '\$connection|\$http_user_agent|\$request_uri';
    access_log $TMP/nginx/logs/access.log conn;
    keepalive_requests 100000; keepalive_timeout 300s;
    default_type application/json;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / { return 200 '{"ok":true}'; }
    }
CONF
}
start_log_nginx || { fail "nginx starts"; finish; }
LOG=$TMP/nginx/logs/access.log

# run_case NAME EXPECTED_REQUESTS ARGS...: lt against /NAME, then waits for nginx's log lines.
run_case() {
    local name=$1 want=$2; shift 2
    timeout 30 "$LT" run "$S/conn.lua" -q -e URL="http://127.0.0.1:$NGINX_PORT/$name" "$@" \
        >"$TMP/$name.out" 2>&1
    expect_eq "$name: exit code" 0 $?
    await_cond 5 lines_for "$name" "$want" || true
    expect_eq "$name: requests logged" "$want" "$(grep -c "|/$name\$" "$LOG")"
}
lines_for() { [ "$(grep -c "|/$1\$" "$LOG")" -ge "$2" ]; }
connections() { grep "|/$1\$" "$LOG" | cut -d'|' -f1 | sort -u | wc -l; }
agents() { grep "|/$1\$" "$LOG" | cut -d'|' -f2 | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# --- defaults: one VU keeps one connection for 2 iterations x 3 requests; lt's User-Agent ---
run_case default 6
expect_eq "default: 6 requests on 1 connection" 1 "$(connections default)"
expect_eq "default: User-Agent is lt/VERSION" "lt/$("$LT" version | cut -d' ' -f2)" "$(agents default)"

# --- userAgent ---
run_case ua_opt 6 -e UA_SET=1 -e "UA=k6-compat/1.0 (test)"
expect_eq "options.userAgent is sent" "k6-compat/1.0 (test)" "$(agents ua_opt)"
run_case ua_cli 6 -e UA_SET=1 -e UA=from-options --user-agent from-cli/2
expect_eq "--user-agent wins over options.userAgent" "from-cli/2" "$(agents ua_cli)"
run_case ua_empty 6 -e UA_SET=1 -e UA=
expect_eq "userAgent '' sends no User-Agent header (nginx logs -)" "-" "$(agents ua_empty)"
run_case ua_cli_empty 6 --user-agent ''
expect_eq "--user-agent '' sends none" "-" "$(agents ua_cli_empty)"
run_case ua_req 6 -e UA_SET=1 -e UA=from-options -e REQ_UA=per-request/3
expect_eq "a request's own User-Agent header wins" "per-request/3" "$(agents ua_req)"
run_case ua_req_empty 6 -e REQ_UA=
expect_eq "a request's empty User-Agent header sends none (as Go)" "-" "$(agents ua_req_empty)"

# --- noConnectionReuse: every request on a new connection ---
run_case ncr_opt 6 -e NCR=true
expect_eq "noConnectionReuse: 6 requests on 6 connections" 6 "$(connections ncr_opt)"
run_case ncr_cli 6 --no-connection-reuse
expect_eq "--no-connection-reuse: 6 requests on 6 connections" 6 "$(connections ncr_cli)"
run_case ncr_false 6 -e NCR=false
expect_eq "noConnectionReuse false: 1 connection" 1 "$(connections ncr_false)"

# --- noVUConnectionReuse: connections kept within an iteration, not across ---
run_case nvcr_opt 9 -e NVCR=true -e ITERS=3
expect_eq "noVUConnectionReuse: 3 iterations x 3 requests on 3 connections" 3 "$(connections nvcr_opt)"
run_case nvcr_cli 12 --no-vu-connection-reuse -e VUS=2 -e ITERS=2
expect_eq "--no-vu-connection-reuse: 2 VUs x 2 iterations on 4 connections" 4 "$(connections nvcr_cli)"
run_case reuse_2vus 12 -e VUS=2 -e ITERS=2
expect_eq "default: 2 VUs x 2 iterations on 2 connections" 2 "$(connections reuse_2vus)"

# --- lt inspect shows the resolved values; bad values are refused with 104 ---
"$LT" inspect "$S/conn.lua" -e UA_SET=1 -e UA=x/1 -e NCR=true >"$TMP/inspect.json" 2>&1
expect_eq "inspect: userAgent" "x/1" "$(json_get "$TMP/inspect.json" "d['userAgent']")"
expect_eq "inspect: noConnectionReuse" "True" "$(json_get "$TMP/inspect.json" "d['noConnectionReuse']")"
expect_eq "inspect: noVUConnectionReuse default" "False" "$(json_get "$TMP/inspect.json" "d['noVUConnectionReuse']")"
"$LT" inspect "$S/conn.lua" --user-agent cli/1 --no-connection-reuse --no-vu-connection-reuse >"$TMP/inspect2.json" 2>&1
expect_eq "inspect: flags resolved" "cli/1 True True" "$(json_get "$TMP/inspect2.json" "' '.join(str(d[k]) for k in ('userAgent','noConnectionReuse','noVUConnectionReuse'))")"
printf 'options = { userAgent = 5 }\nfunction default() end\n' >"$TMP/bad_ua.lua"
"$LT" inspect "$TMP/bad_ua.lua" >"$TMP/bad_ua.out" 2>&1
expect_eq "userAgent = 5: exit 104" 104 $?
expect_match "userAgent = 5: message names the option" "options.userAgent: must be a string" "$TMP/bad_ua.out"
printf 'options = { noVUConnectionReuse = "yes" }\nfunction default() end\n' >"$TMP/bad_nvcr.lua"
"$LT" inspect "$TMP/bad_nvcr.lua" >"$TMP/bad_nvcr.out" 2>&1
expect_eq "noVUConnectionReuse = \"yes\": exit 104" 104 $?
expect_match "noVUConnectionReuse = \"yes\": message" "options.noVUConnectionReuse: must be true or false" "$TMP/bad_nvcr.out"
finish
