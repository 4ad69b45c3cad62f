# Interrupting an iteration cancels what it waits on: an lt.sleep timer and a request to a server
# that never answers (each yielding call's own cancel hook, vu/runtime.h vu_yield). The run ends at
# duration + gracefulStop, every waiting iteration counts as interrupted, none is resumed later,
# and a VU interrupted by a ramp down runs its next iterations with nothing left of the old wait.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/e2e/scripts
HANG_PORT=$(free_port)
# accepts connections and never answers them
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); held = []
while True: held.append(s.accept()[0])
' "$HANG_PORT" &
_PIDS+=($!)
wait_port "$HANG_PORT" || { fail "the silent server listens"; finish; }

t0=$(date +%s.%N)
timeout 60 "$LT" -s "$S/waits.lua" -e HANG="http://127.0.0.1:$HANG_PORT/" -q \
    --summary-export "$TMP/waits.json" >"$TMP/waits.out" 2>"$TMP/waits.err"
rc=$?
el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
expect_eq "waits: exit code" 0 "$rc"
expect_num "waits: ends on schedule (1.25 s of stages + 0.2 s gracefulStop), not after the 30 s waits (s)" "$el" lt 5
sj() { json_get "$TMP/waits.json" "$1"; }
for sc in sleeper waiter; do
    expect_eq "$sc: both waiting iterations counted as interrupted" 2 \
        "$(sj "d['scenarios']['$sc'].get('interrupted_iterations')")"
done
for sc in ramp_sleeper ramp_waiter; do
    expect_num "$sc: the ramp down interrupted the waiting iteration" \
        "$(sj "d['scenarios']['$sc'].get('interrupted_iterations')")" ge 1
    expect_num "$sc: its VU ran again after the ramp up" "$(sj "d['scenarios']['$sc']['iterations']")" ge 2
done
check "no VU resumed after its wait was cancelled" bash -c "! grep -q 'resumed after the stop' '$TMP/waits.err'"
check "a cancelled sleep does not wake the VU's next wait" bash -c "! grep -q 'spurious resume' '$TMP/waits.err'"
expect_eq "a cancelled request leaves none in flight: no iteration errors" 0 "$(sj "d['iteration_errors']['count']")"
[ "$(sj "d['iteration_errors']['count']")" == 0 ] || sed 's/^/       | /' "$TMP/waits.err" | tail -8
finish
