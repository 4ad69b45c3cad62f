# lt.vu.tags, k6's vu.tags: a tag a VU sets is on its later samples, across iterations, until it
# is removed; other VUs' samples do not have it. Against nginx on loopback.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/opts/scripts
start_nginx || { fail "nginx starts"; finish; }
timeout 30 "$LT" run "$S/vu_tags.lua" -q --threads 1 -e URL="http://127.0.0.1:$NGINX_PORT/" \
    --summary-export "$TMP/t.json" >"$TMP/t.out" 2>&1
expect_eq "vu_tags script: exit code" 0 $?
sym() { json_get "$TMP/t.json" "[s['tags'].get('symbol') for s in d['series'] if s['metric']=='http_reqs' and s['tags'].get('name')=='$1'][0]"; }
expect_eq "before it is set: no tag" None "$(sym vuA_it0_a)"
expect_eq "after lt.vu.tags.symbol = 'X': tagged" X "$(sym vuA_it0_b)"
expect_eq "the next iteration keeps it" X "$(sym vuA_it1_a)"
expect_eq "set to nil: gone" None "$(sym vuA_it2_b)"
expect_eq "another VU's samples do not have it" None "$(sym vuB_it1_b)"
expect_eq "the scenario's own tags stay" t "$(json_get "$TMP/t.json" "[s['tags'].get('kind') for s in d['series'] if s['metric']=='http_reqs' and s['tags'].get('name')=='vuA_it1_a'][0]")"
expect_eq "the iteration's samples carry it too" True "$(json_get "$TMP/t.json" "any(s['tags'].get('symbol')=='X' for s in d['series'] if s['metric']=='iterations')")"
expect_eq "checks on reading and refusing pass" 0 "$(json_get "$TMP/t.json" "sum(c['fails'] for c in d['checks'])")"
finish
