# How a run is assembled: setup(), the VUs and teardown() all run under the one plan built from
# the script's options and the command line (discardResponseBodies, --time-scale, TLS options),
# and control calls (setup, a scenario's setup, timeline actions) take no VU id, so they change
# no VU's id or --seed stream. Against nginx on loopback.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/e2e/scripts
start_nginx || { fail "nginx starts"; finish; }
URL=http://127.0.0.1:$NGINX_PORT/
BODY='{"status":"ACCEPTED","orderId":"x"}'

# run_assembly NAME ARGS...: runs assembly.lua; its report lines in $TMP/NAME.lines
run_assembly() {
    local name=$1; shift
    timeout 30 "$LT" -s "$S/assembly.lua" -q "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    expect_eq "$name: exit code" 0 "$?"
    grep -oE '(setup|vu|teardown): .*' "$TMP/$name.err" >"$TMP/$name.lines"
}
field() { grep "^$2:" "$TMP/$1.lines" | grep -oE "$3=[^ ]*" | cut -d= -f2; }

# --- discardResponseBodies applies in setup(), the VUs and teardown() alike ---
run_assembly discard -e URL="$URL" -e DISCARD=1
for w in setup vu teardown; do
    expect_eq "discardResponseBodies: $w gets status 200" 200 "$(field discard $w status)"
    expect_eq "discardResponseBodies: $w gets no body" -1 "$(field discard $w body)"
done
run_assembly keep -e URL="$URL"
for w in setup vu teardown; do
    expect_eq "bodies kept: $w gets the body" "${#BODY}" "$(field keep $w body)"
done

# --- lt.time_scale is the plan's in setup(), the VUs and teardown() ---
run_assembly scaled -e URL="$URL" --time-scale 0.5
for w in setup vu teardown; do
    expect_eq "--time-scale 0.5: lt.time_scale in $w" 0.5 "$(field scaled $w time_scale)"
done

# --- setup() and teardown() are no VU (lt.vu.id 0, as k6's __VU); the VU is 1 ---
expect_eq "setup() has no VU id" 0 "$(field keep setup vu)"
expect_eq "teardown() has no VU id" 0 "$(field keep teardown vu)"
expect_eq "the one VU is VU 1" 1 "$(field keep vu vu)"

# --- options.insecureSkipTLSVerify reaches setup() and teardown() as well as the VUs ---
run_assembly tls_option -e URL="https://localhost:$NGINX_TLS_PORT/" -e INSECURE=1
for w in setup vu teardown; do
    expect_eq "options.insecureSkipTLSVerify: $w's https request succeeds" 200 "$(field tls_option $w status)"
done
run_assembly tls_verified -e URL="https://localhost:$NGINX_TLS_PORT/"
for w in setup vu teardown; do
    expect_eq "TLS verified by default: $w's request fails (status 0)" 0 "$(field tls_verified $w status)"
done

# --- control calls change no VU's id or --seed stream ---
seeded_log() { timeout 20 "$LT" -s "$S/seeded_control.lua" --seed 42 --threads 2 -q "$@" 2>&1 | sort; }
seeded() { seeded_log "$@" | grep 'vu='; }
seeded >"$TMP/plain"
seeded -e CONTROL=1 >"$TMP/control"
expect_eq "--seed 42: 12 values logged without control calls" 12 "$(wc -l <"$TMP/plain")"
expect_eq "--seed 42: 12 values logged with control calls" 12 "$(wc -l <"$TMP/control")"
check "setup(), a scenario setup and a timeline action keep VU ids and --seed streams" \
    cmp "$TMP/plain" "$TMP/control"

# --- control calls draw from one --seed stream of their own, continued from call to call ---
for n in 1 2; do seeded_log -e CONTROL_RANDOM=1 | grep -o 'control .*' >"$TMP/control_random$n"; done
expect_eq "setup() and teardown() each drew a value" 2 "$(wc -l <"$TMP/control_random1")"
check "--seed 42 twice: the same values in setup() and teardown()" cmp "$TMP/control_random1" "$TMP/control_random2"
expect_eq "teardown() continues setup()'s stream (its value differs)" 2 \
    "$(cut -d= -f2 "$TMP/control_random1" | sort -u | wc -l)"
seeded -e CONTROL_RANDOM=1 | grep 'vu=' >"$TMP/control_random_vus"
check "... and the VUs' streams are those of a run without control calls" cmp "$TMP/plain" "$TMP/control_random_vus"
finish
