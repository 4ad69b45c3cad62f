# k6's K6_* option variables (k6: script < environment < command line): each one lt has a flag for
# is honoured with the flag's meaning and loses to the flag; one naming an option lt reads from
# the script only, or does not implement, stops the run (exit 104) with its name; k6's own
# settings (cloud, dashboard, ...) get a warning; the outputs' K6_PROMETHEUS_RW_*/K6_CSV_* none.
# lt inspect (no traffic), and one short run against nginx on loopback.
source "$(dirname "$0")/../lib.sh"
printf 'options = {}\nfunction default() lt.http.get(lt.env.URL) end\n' >"$TMP/plain.lua"
printf 'options = { noConnectionReuse = true }\nfunction default() end\n' >"$TMP/reuse.lua"

# inspect_with NAME VAR=VALUE... -- FLAGS...: lt inspect plain.lua under those variables
inspect_with() {
    local name=$1; shift
    local vars=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
    [ "${1:-}" == "--" ] && shift
    env "${vars[@]}" "$LT" inspect "${SCRIPT:-$TMP/plain.lua}" "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
    echo $? >"$TMP/$name.rc"
}
rc() { cat "$TMP/$1.rc"; }
jd() { json_get "$TMP/$1.json" "$2" 2>&1; }

inspect_with vus_iter K6_VUS=3 K6_ITERATIONS=6
expect_eq "K6_VUS and K6_ITERATIONS: exit 0" 0 "$(rc vus_iter)"
expect_eq "K6_VUS=3 gives 3 VUs" 3 "$(jd vus_iter "d['scenarios']['default']['vus']")"
expect_eq "K6_ITERATIONS=6 gives 6 shared iterations" 6 "$(jd vus_iter "d['scenarios']['default']['iterations']")"

inspect_with flag_wins K6_VUS=3 -- --vus 5
expect_eq "--vus 5 wins over K6_VUS=3 (k6: the command line over the environment)" 5 "$(jd flag_wins "d['scenarios']['default']['vus']")"

inspect_with duration K6_VUS=2 K6_DURATION=7s
expect_eq "K6_DURATION=7s gives constant-vus for 7s" "constant-vus 7s" "$(jd duration "d['scenarios']['default']['executor']+' '+d['scenarios']['default']['duration']")"

inspect_with ua K6_USER_AGENT=from-env/1
expect_eq "K6_USER_AGENT sets userAgent" "from-env/1" "$(jd ua "d['userAgent']")"

inspect_with reuse_true K6_NO_CONNECTION_REUSE=true K6_INSECURE_SKIP_TLS_VERIFY=1
expect_eq "K6_NO_CONNECTION_REUSE=true turns noConnectionReuse on" True "$(jd reuse_true "d['noConnectionReuse']")"
expect_eq "K6_INSECURE_SKIP_TLS_VERIFY=1 (Go's ParseBool) turns insecureSkipTLSVerify on" True "$(jd reuse_true "d['insecureSkipTLSVerify']")"
inspect_with reuse_false K6_NO_CONNECTION_REUSE=false
expect_eq "K6_NO_CONNECTION_REUSE=false leaves it off" False "$(jd reuse_false "d['noConnectionReuse']")"
# k6: script < environment, and the environment's false is a value (lib/options.go's null.Bool
# with envconfig), so it turns off what the script turned on.
printf 'options = { noConnectionReuse = true, noVUConnectionReuse = true, insecureSkipTLSVerify = true }\nfunction default() end\n' >"$TMP/on.lua"
SCRIPT=$TMP/reuse.lua inspect_with reuse_script K6_NO_CONNECTION_REUSE=False
expect_eq "K6_NO_CONNECTION_REUSE=False turns off the script's noConnectionReuse: true" False "$(jd reuse_script "d['noConnectionReuse']")"
SCRIPT=$TMP/on.lua inspect_with all_off K6_NO_CONNECTION_REUSE=0 K6_NO_VU_CONNECTION_REUSE=f K6_INSECURE_SKIP_TLS_VERIFY=FALSE
expect_eq "false in the environment: exit 0" 0 "$(rc all_off)"
expect_eq "K6_NO_VU_CONNECTION_REUSE=f turns off the script's noVUConnectionReuse" False "$(jd all_off "d['noVUConnectionReuse']")"
expect_eq "K6_INSECURE_SKIP_TLS_VERIFY=FALSE turns off the script's insecureSkipTLSVerify" False "$(jd all_off "d['insecureSkipTLSVerify']")"
SCRIPT=$TMP/on.lua inspect_with unset_env
expect_eq "no variable: the script's true stands" "True True True" "$(jd unset_env "' '.join(str(d[k]) for k in ('noConnectionReuse','noVUConnectionReuse','insecureSkipTLSVerify'))")"
SCRIPT=$TMP/on.lua inspect_with flag_off -- --no-connection-reuse=false --insecure-skip-tls-verify=false
expect_eq "--no-connection-reuse=false (k6's flag form) turns the script's true off" "False False" "$(jd flag_off "str(d['noConnectionReuse'])+' '+str(d['insecureSkipTLSVerify'])")"
SCRIPT=$TMP/reuse.lua inspect_with flag_over_env K6_NO_CONNECTION_REUSE=false -- --no-connection-reuse
expect_eq "--no-connection-reuse wins over K6_NO_CONNECTION_REUSE=false (command line over environment)" True "$(jd flag_over_env "d['noConnectionReuse']")"
inspect_with env_over_flag K6_NO_CONNECTION_REUSE=true -- --no-connection-reuse=false
expect_eq "--no-connection-reuse=false wins over K6_NO_CONNECTION_REUSE=true" False "$(jd env_over_flag "d['noConnectionReuse']")"
inspect_with flag_notbool -- --no-connection-reuse=maybe
expect_eq "--no-connection-reuse=maybe: exit 2 (a bad flag)" 2 "$(rc flag_notbool)"
expect_match "... saying it is not a boolean" "--no-connection-reuse=maybe: not a boolean" "$TMP/flag_notbool.err"
inspect_with nothr_off K6_NO_THRESHOLDS=false
expect_eq "K6_NO_THRESHOLDS=false: exit 0, thresholds kept" 0 "$(rc nothr_off)"

inspect_with notbool K6_NO_COLOR=yes
expect_eq "K6_NO_COLOR=yes: exit 104" 104 "$(rc notbool)"
expect_match "K6_NO_COLOR=yes: the message names it" "K6_NO_COLOR: 'yes' is not a boolean" "$TMP/notbool.err"

inspect_with badvus K6_VUS=many
expect_eq "K6_VUS=many: exit 2 (as --vus many)" 2 "$(rc badvus)"
expect_match "K6_VUS=many: the message says the environment gave it" "--vus takes a whole number.*the environment gave: K6_VUS=many" "$TMP/badvus.err"

inspect_with rps K6_RPS=100
expect_eq "K6_RPS: exit 104" 104 "$(rc rps)"
expect_match "K6_RPS: not supported by lt" "K6_RPS is set: that k6 option is not supported by lt" "$TMP/rps.err"
env K6_RPS=100 "$LT" run "$TMP/plain.lua" -q -e URL=http://127.0.0.1:1/ >"$TMP/rps_run.out" 2>&1
expect_eq "K6_RPS: lt run exits 104 too, before any traffic" 104 $?

inspect_with setup K6_SETUP_TIMEOUT=5s
expect_eq "K6_SETUP_TIMEOUT: exit 104" 104 "$(rc setup)"
expect_match "K6_SETUP_TIMEOUT: says where lt reads it" "lt reads setupTimeout from the script's options only" "$TMP/setup.err"

inspect_with dash K6_WEB_DASHBOARD=true K6_PROMETHEUS_RW_PUSH_INTERVAL=5s K6_CSV_TIME_FORMAT=unix
expect_eq "K6_WEB_DASHBOARD: still runs (exit 0)" 0 "$(rc dash)"
expect_match "K6_WEB_DASHBOARD: warned" "K6_WEB_DASHBOARD is set; it is k6's own setting and lt does not read it" "$TMP/dash.err"
expect_eq "the outputs' own K6_PROMETHEUS_RW_*/K6_CSV_* variables: no warning" 1 "$(grep -c 'does not read' "$TMP/dash.err")"

env K6_RPS=100 "$LT" version >"$TMP/version.out" 2>&1
expect_eq "lt version reads no K6_ variable (exit 0 with K6_RPS set)" 0 $?

# a run: K6_OUT, K6_TAGS and K6_SUMMARY_EXPORT, then the same with --tag (which replaces K6_TAGS)
start_nginx || { fail "nginx starts"; finish; }
URL=http://127.0.0.1:$NGINX_PORT/
env K6_VUS=1 K6_ITERATIONS=4 K6_OUT="json=$TMP/env.json" K6_TAGS="env_only:e,shared:from-env" \
    K6_SUMMARY_EXPORT="$TMP/env_summary.json" timeout 30 "$LT" run "$TMP/plain.lua" -q -e URL="$URL" >"$TMP/run.out" 2>&1
expect_eq "run under K6_OUT/K6_TAGS/K6_SUMMARY_EXPORT: exit 0" 0 $?
expect_eq "K6_SUMMARY_EXPORT wrote the summary: 4 requests" 4 "$(json_get "$TMP/env_summary.json" "int(d['metrics']['http_reqs']['values']['count'])" 2>&1)"
points=$(grep -c '"metric":"http_reqs","type":"Point"' "$TMP/env.json" 2>/dev/null)
expect_eq "K6_OUT=json=FILE wrote one http_reqs Point per request" 4 "$points"
expect_eq "K6_TAGS=env_only:e,shared:from-env labels the samples" 4 "$(grep '"metric":"http_reqs"' "$TMP/env.json" | grep -c '"env_only":"e".*"shared":"from-env"\|"shared":"from-env".*"env_only":"e"')"
env K6_VUS=1 K6_ITERATIONS=2 K6_OUT="json=$TMP/env2.json" K6_TAGS="env_only:e" \
    timeout 30 "$LT" run "$TMP/plain.lua" -q -e URL="$URL" --tag cli_only=c >"$TMP/run2.out" 2>&1
expect_eq "run with --tag beside K6_TAGS: exit 0" 0 $?
expect_eq "--tag replaces K6_TAGS (k6's default: the command line's layer wins whole)" "0 2" \
    "$(grep -c '"env_only"' "$TMP/env2.json") $(grep '"metric":"http_reqs"' "$TMP/env2.json" | grep -c '"cli_only":"c"')"
env K6_VUS=1 K6_ITERATIONS=1 K6_OUT="json=$TMP/never.json" timeout 30 "$LT" run "$TMP/plain.lua" -q \
    -e URL="$URL" --out "json=$TMP/flag.json" >"$TMP/run3.out" 2>&1
expect_eq "--out replaces K6_OUT: only the flag's file is written" "no yes" \
    "$([ -e "$TMP/never.json" ] && echo yes || echo no) $([ -s "$TMP/flag.json" ] && echo yes || echo no)"
env K6_TAGS="nocolon" "$LT" inspect "$TMP/plain.lua" >/dev/null 2>"$TMP/tags.err"
expect_eq "K6_TAGS=nocolon: exit 104" 104 $?
expect_match "K6_TAGS=nocolon: k6's form named" "K6_TAGS: 'nocolon' is not KEY:VALUE" "$TMP/tags.err"
finish
