#!/usr/bin/env bash
# Name lookups run off the event loop (src/net/dns.c): with getaddrinfo made slow for some names
# by an LD_PRELOAD shim (tests/net/slow_gai.c), a 200/s schedule on the same thread keeps its
# timing, the slow names answer, fail or time out as they should, and Ctrl-C during a lookup
# still ends the run at once with a summary.
source "$(dirname "$0")/../lib.sh"
CC=${CC:-cc}
SHIM=$TMP/slow_gai.so
"$CC" -shared -fPIC -O2 -o "$SHIM" "$ROOT/tests/net/slow_gai.c" -ldl || { fail "slow_gai.c builds"; finish; }
start_nginx || { fail "nginx starts"; finish; }
export SLOW_GAI_MS=1500 SLOW_GAI_OK=slow-ok.lt.test,slow-late.lt.test SLOW_GAI_FAIL=slow-fail.lt.test
# An ASan build must not insist on coming first in the preload list.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

LD_PRELOAD=$SHIM timeout 30 "$LT" -s "$ROOT/tests/net/scripts/slow_dns.lua" --threads 1 -q \
    -e PORT="$NGINX_PORT" --summary-export "$TMP/dns.json" >"$TMP/dns.out" 2>"$TMP/dns.err"
expect_eq "slow lookups: lt exits 0" 0 "$?"
j() { json_get "$TMP/dns.json" "$1"; }
for name in "slow name: answered after its lookup" "slow name: lookup counted in blocked" \
    "failing name: the error names the lookup" "lookup slower than the timeout: a timeout" \
    "lookup slower than the timeout: ends on time"; do
    expect_eq "check: $name" "1 0" "$(j "' '.join(str(c[k]) for c in d['checks'] if c['name']=='$name' for k in ('passes','fails'))")"
done
expect_eq "steady: every start made (200/s x 3 s)" 600 "$(j "d['scenarios']['steady']['iterations']")"
expect_eq "steady: nothing dropped" 0 "$(j "d['scenarios']['steady']['dropped_iterations']")"
lag=$(j "max(s['values']['max'] for s in d['series'] if s['metric']=='schedule_lag' and s['tags'].get('scenario')=='steady')")
expect_num "steady: schedule lag stayed under 250 ms while names took 1.5 s (ms)" "$lag" lt 250
dur=$(j "max(s['values']['max'] for s in d['series'] if s['metric']=='http_req_duration' and s['tags'].get('scenario')=='steady')")
expect_num "steady: no request waited for a lookup (max ms)" "$dur" lt 250

# Ctrl-C while lookups are running: the slow scenarios' gracefulStop (1 s) applies, their
# requests are cancelled off the waiting list, and the run ends with a summary long before the
# 20 s lookups would have.
export SLOW_GAI_MS=20000 SLOW_GAI_MARK=$TMP/lookup-started
LD_PRELOAD=$SHIM "$LT" -s "$ROOT/tests/net/scripts/slow_dns.lua" --threads 1 -q -e PORT="$NGINX_PORT" \
    --summary-export "$TMP/int.json" >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
for _ in $(seq 200); do [ -e "$SLOW_GAI_MARK" ] && break; sleep 0.05; done
expect_eq "a slow lookup started" "yes" "$([ -e "$SLOW_GAI_MARK" ] && echo yes)"
t0=$(date +%s.%N)
kill -INT "$pid"
wait "$pid"
rc=$?
took=$(python3 -c "import time; print(time.time() - $t0)")
expect_eq "Ctrl-C during a lookup: exit 105" 105 "$rc"
expect_num "Ctrl-C during a lookup: ends within gracefulStop (1 s) + 3 s, not after 20 s" "$took" lt 4
expect_eq "Ctrl-C during a lookup: summary written" "True" "$(json_get "$TMP/int.json" "'metrics' in d")"
finish
