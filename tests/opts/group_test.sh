# lt.group(name, fn), k6's group(): the `group` tag in k6's "::outer::inner" form on the samples
# taken inside (requests, checks, custom metrics), none outside, and one group_duration sample per
# group run. Against nginx on loopback.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/opts/scripts
NGINX_PORT=$(free_port)
start_nginx_http <<CONF || { fail "nginx starts"; finish; }
    access_log off;
    server { listen 127.0.0.1:$NGINX_PORT; location / { return 200 'ok'; } }
CONF

timeout 30 "$LT" run "$S/group.lua" -q -e BASE="http://127.0.0.1:$NGINX_PORT" --summary-export "$TMP/g.json" >"$TMP/g.out" 2>&1
expect_eq "group script: exit code (thresholds on group_duration and a group's sub-metric pass)" 0 $?
expect_eq "the threshold on group_duration{group:::orders::submit} was evaluated" True "$(json_get "$TMP/g.json" "[t['ok'] for t in d['thresholds'] if t['metric']=='group_duration{group:::orders::submit}'][0]")"
j() { json_get "$TMP/g.json" "$1"; }
# group tag of the http_reqs series named $1 ('' when none)
gtag() { j "[s['tags'].get('group','') for s in d['series'] if s['metric']=='http_reqs' and s['tags'].get('name')=='$1'][0]"; }
expect_eq "request in group 'orders' tagged ::orders" "::orders" "$(gtag outer)"
expect_eq "request in a nested group tagged ::orders::submit" "::orders::submit" "$(gtag inner)"
expect_eq "... and keeps its own tags" "v" "$(j "[s['tags'].get('k') for s in d['series'] if s['metric']=='http_reqs' and s['tags'].get('name')=='inner'][0]")"
expect_eq "back in the outer group after the inner one" "::orders" "$(gtag outer_after)"
expect_eq "request outside any group: no group tag" "" "$(gtag outside)"
expect_eq "after a group whose fn raised: no group tag" "" "$(gtag after_error)"
expect_eq "check inside a group tagged ::orders" "::orders" "$(j "[s['tags'].get('group','') for s in d['series'] if s['metric']=='checks' and s['tags'].get('check')=='outer ok'][0]")"
expect_eq "custom metric inside a group tagged ::orders" "::orders" "$(j "[s['tags'].get('group','') for s in d['series'] if s['metric']=='in_group'][0]")"
gd() { j "sorted([s['values']['$2'] for s in d['series'] if s['metric']=='group_duration' and s['tags'].get('group')=='$1'])[0]"; }
expect_eq "group_duration: ::orders once per iteration (3)" 3 "$(gd ::orders count)"
expect_eq "group_duration: ::orders::submit 3" 3 "$(gd ::orders::submit count)"
expect_num "group_duration of ::orders::submit (sleeps 50 ms)" "$(gd ::orders::submit min)" ge 50
expect_num "::orders lasts at least as long as the group inside it" "$(python3 -c "print($(gd ::orders min) - $(gd ::orders::submit min))")" ge 0
expect_eq "group_duration also for a group whose fn raised (3)" 3 "$(gd ::err count)"
expect_eq "group_duration for the group that failed the iteration (1)" 1 "$(gd ::fails count)"
expect_eq "summary checks: a check inside a group is listed with its group" "::orders" "$(j "[c.get('group') for c in d['checks'] if c['name']=='outer ok'][0]")"
expect_eq "summary checks: one outside has none" "None" "$(j "[c.get('group') for c in d['checks'] if c['name']=='group returns fn\'s values'][0]")"
expect_match "text summary: the group's heading, as k6's" "█ ::orders" "$TMP/g.out"
expect_eq "checks: values returned, errors go through" 0 "$(j "sum(c['fails'] for c in d['checks'])")"
expect_eq "the error inside a group failed that iteration only" 1 "$(j "int(d['metrics']['iteration_errors']['values']['count'])")"
expect_eq "the iteration after it has no group tag on iterations" "" "$(j "sorted(set(s['tags'].get('group','') for s in d['series'] if s['metric']=='iterations'))[0]")"

timeout 30 "$LT" run "$S/group.lua" -q -e MODE=top -e BASE="http://127.0.0.1:$NGINX_PORT" >"$TMP/top.out" 2>&1
expect_eq "lt.group at the top level: script error (107)" 107 $?
expect_match "... saying where it may be called" "lt.group can only be called inside an iteration" "$TMP/top.out"
timeout 30 "$LT" run "$S/group.lua" -q -e MODE=sep -e BASE="http://127.0.0.1:$NGINX_PORT" --summary-export "$TMP/sep.json" >"$TMP/sep.out" 2>&1
expect_match "a group name with '::' is an error, k6's message" "group and check names may not contain '::'" "$TMP/sep.out"
# setup() and teardown(): k6's TestRealTimeAndSetupTeardownMetrics (internal/execution/
# scheduler_ext_test.go) expects group "::setup" / "::teardown" and no scenario tag on their
# samples, group "" and scenario "default" on the iterations'.
timeout 30 "$LT" run "$S/group_control.lua" -q -e BASE="http://127.0.0.1:$NGINX_PORT" --summary-export "$TMP/c.json" >"$TMP/c.out" 2>&1
expect_eq "setup/teardown script: exit code (thresholds on {group:::setup} and {group:::teardown} pass)" 0 $?
c() { json_get "$TMP/c.json" "$1"; }
# the group and scenario tags of the series of metric $1 whose tag $2 is $3
gs() { c "[s['tags'].get('group','')+'|'+s['tags'].get('scenario','') for s in d['series'] if s['metric']=='$1' and s['tags'].get('$2')=='$3'][0]"; }
expect_eq "a request in setup(): group ::setup, no scenario" "::setup|" "$(gs http_reqs name in_setup)"
expect_eq "a group inside setup() nests: ::setup::inner" "::setup::inner|" "$(gs http_reqs name in_setup_group)"
expect_eq "a custom metric in setup(): group ::setup" "::setup|" "$(gs place place setup)"
expect_eq "a check in setup(): group ::setup" "::setup|" "$(gs checks check 'setup ok')"
expect_eq "a request in teardown(): group ::teardown, no scenario" "::teardown|" "$(gs http_reqs name in_teardown)"
expect_eq "a custom metric in teardown(): group ::teardown" "::teardown|" "$(gs place place teardown)"
expect_eq "an iteration's request: no group, scenario default" "|default" "$(gs http_reqs name in_default)"
expect_eq "setup and teardown are not iterations (k6 counts none for them)" 1 "$(c "int(d['metrics']['iterations']['values']['count'])")"
expect_eq "setup's own group has no group_duration sample (k6 emits none)" "['::setup::inner']" "$(c "sorted(s['tags'].get('group') for s in d['series'] if s['metric']=='group_duration')")"
expect_eq "summary checks: setup's check listed with group ::setup" "::setup" "$(c "[x.get('group') for x in d['checks'] if x['name']=='setup ok'][0]")"
finish
