# Soak: lt's resident memory stays flat after warm-up during a long run against mesim.
# CI runs it for LT_SOAK_SECONDS (default 40); `make soak` runs the 10-minute version by hand.
# RSS is sampled from /proc once a second; after the first quarter (warm-up: VU pools, tag sets,
# histogram buckets, Lua's heap), every sample must stay within 5% of the warm-up's last one.
source "$(dirname "$0")/../lib.sh"
secs=${LT_SOAK_SECONDS:-40}
start_mesim_cluster || { fail "mesim starts"; finish; }
"$LT" -s "$ROOT/tests/soak/soak.lua" -e GATEWAY_URL="http://127.0.0.1:$GW_PORT" \
    -e SOAK_DURATION="${secs}s" -e SOAK_RATE="${LT_SOAK_RATE:-200}" -q \
    --summary-export "$TMP/soak.json" >"$TMP/soak.out" 2>"$TMP/soak.err" &
pid=$!
: >"$TMP/rss"
while kill -0 $pid 2>/dev/null; do
    awk '/^VmRSS:/ { print $2 }' /proc/$pid/status 2>/dev/null >>"$TMP/rss"
    sleep 1 # sampling period, not a wait for a condition
done
wait $pid
expect_eq "soak run exits 0" 0 "$?"
read -r n warm last peak <<<"$(python3 - "$TMP/rss" <<'PY'
import sys
rss = [int(x) for x in open(sys.argv[1]) if x.strip()]
n = len(rss); w = max(1, n // 4)
after = rss[w:] or rss[-1:]
print(n, rss[w - 1], rss[-1], max(after))
PY
)"
echo "       RSS samples: $n; after warm-up $warm KiB, peak after $peak KiB, at the end $last KiB"
expect_num "soak: at least $((secs * 3 / 4)) RSS samples" "$n" ge $((secs * 3 / 4))
expect_num "soak: peak RSS after warm-up within 5% of the warm-up level" \
    "$(python3 -c "print($peak / $warm)")" le 1.05
reqs=$(json_get "$TMP/soak.json" "int(d['metrics']['http_reqs']['values']['count'])")
expect_num "soak: the schedule was kept (requests >= 99% of rate x duration)" "$reqs" ge \
    "$(python3 -c "print(int(${LT_SOAK_RATE:-200} * $secs * 0.99))")"
finish
