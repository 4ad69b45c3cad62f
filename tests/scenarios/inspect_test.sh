#!/usr/bin/env bash
# Acceptance criterion 1: every script inspects, and `lt inspect` shows exactly the spec's numbers
# (executor, rate, timeUnit, duration/stages, VUs, startTime, thresholds); A4's timeline and tags.
. "$(dirname "$0")/../lib.sh"
S=$ROOT/lua
for name in a1_warmup a2_normal_load a3_depth_variation a4_kafka_degradation b1_baseline \
            b2_peak_sustained b3_ramp b4_hot_symbol; do
    if "$LT" inspect "$S/$name.lua" >"$TMP/$name.json" 2>"$TMP/$name.err" \
        && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/$name.json" 2>/dev/null; then
        pass "$name: lt inspect prints JSON"
        python3 "$ROOT/tests/scenarios/inspect_check.py" "$name" "$TMP/$name.json" >"$TMP/$name.check"
        while IFS= read -r line; do
            case $line in
                "ok   - "*) pass "${line#ok   - }" ;;
                "FAIL - "*) fail "${line#FAIL - }" "$(grep -A1 -F -- "$line" "$TMP/$name.check" | tail -n 1)" ;;
            esac
        done <"$TMP/$name.check"
    else
        fail "$name: lt inspect prints JSON" "$(head -c 600 "$TMP/$name.err")"
    fi
done

# A4: starts tagged phase=before, pauses the broker at 60s and retags phase=outage
A4=$TMP/a4_kafka_degradation.json
opts='d.get("options", d)'
expect_eq "a4: options.tags.phase" before "$(json_get "$A4" "${opts}['tags']['phase']" 2>&1)"
expect_eq "a4: timeline exec" pause_broker "$(json_get "$A4" "${opts}['timeline'][0]['exec']" 2>&1)"
expect_eq "a4: timeline tags" outage "$(json_get "$A4" "${opts}['timeline'][0]['tags']['phase']" 2>&1)"
at=$(json_get "$A4" "${opts}['timeline'][0]['at']" 2>&1)
check "a4: timeline at 60s (got $at)" python3 -c 'import sys; a=sys.argv[1]; sys.exit(0 if a in ("60s","1m","1m0s","60000","60000.0","60") else 1)' "$at"

# the seed script: 1 VU, 1 iteration
SEED=$TMP/seed_orderbooks.json
if "$LT" inspect "$S/seed_orderbooks.lua" >"$SEED" 2>"$TMP/seed.err"; then
    pass "seed_orderbooks: lt inspect prints JSON"
    expect_eq "seed_orderbooks: vus 1" 1 "$(json_get "$SEED" "$opts.get('vus', next(iter($opts.get('scenarios', {}).values()), {}).get('vus'))" 2>&1)"
    expect_eq "seed_orderbooks: iterations 1" 1 "$(json_get "$SEED" "$opts.get('iterations', next(iter($opts.get('scenarios', {}).values()), {}).get('iterations'))" 2>&1)"
else
    fail "seed_orderbooks: lt inspect prints JSON" "$(head -c 600 "$TMP/seed.err")"
fi

# a broken option is refused before any traffic (exit 104)
mkdir -p "$TMP/bad" && ln -s "$S/lib" "$TMP/bad/lib"
sed 's/rate = 17, timeUnit/rate = -17, timeUnit/' "$S/a2_normal_load.lua" >"$TMP/bad/a2.lua"
"$LT" inspect "$TMP/bad/a2.lua" >"$TMP/bad.out" 2>&1; rc=$?
expect_eq "negative rate: lt inspect exits 104" 104 "$rc"
"$LT" inspect "$S/a2_normal_load.lua" -e ORDER_FLOW=bogus >"$TMP/flow.out" 2>&1; rc=$?
expect_eq "unknown ORDER_FLOW: script error (107) before any traffic" 107 "$rc"
expect_match "... naming the variable" "ORDER_FLOW must be 'spec' or 'balanced'" "$TMP/flow.out"

# lt inspect has no side effects: the script's top level runs, but runs no command and writes,
# removes or renames no file (each such call fails as the library reports a failure: nil and a
# message); reading stays allowed, and the options are printed
FX=$TMP/fx
mkdir -p "$FX" && echo keep >"$FX/keep" && echo keep >"$FX/stay"
sed "s|@DIR@|$FX|g" >"$FX/effects.lua" <<'LUA'
local D = "@DIR@"
local r = {}
r.execute = os.execute("touch " .. D .. "/os_execute")
r.popen = io.popen("touch " .. D .. "/io_popen")
r.open_w = io.open(D .. "/io_open_w", "w")
r.open_a = io.open(D .. "/io_open_a", "a+")
r.output = pcall(io.output, D .. "/io_output") or nil
r.remove = os.remove(D .. "/keep")
r.rename = os.rename(D .. "/stay", D .. "/moved")
local f = io.open(D .. "/keep", "r")
r.read = f and f:read("*l")
if f then f:close() end
lt.log("RESULTS " .. lt.json.encode(r))
options = { vus = 1, iterations = 1, tags = { from_top_level = r.read or "none" } }
function default() end
LUA
"$LT" inspect "$FX/effects.lua" >"$TMP/fx.json" 2>"$TMP/fx.err"
expect_eq "inspect, side effects at the top level: exit 0" 0 "$?"
expect_eq "... prints the options" keep "$(json_get "$TMP/fx.json" "d.get('options', d)['tags']['from_top_level']" 2>&1)"
expect_eq "... runs no command and creates, removes or renames no file" "effects.lua keep stay" \
    "$(ls "$FX" | tr '\n' ' ' | sed 's/ $//')"
expect_match "... each call fails as the library reports a failure (reads work)" \
    'RESULTS \{"read":"keep"\}$' "$TMP/fx.err"
expect_match "... and says why" "inspect: os.execute not run .*no side effects" "$TMP/fx.err"

# lt.exec at the top level is refused by inspect and run alike (it used to run the command, and
# `lt run` then failed anyway in the worker threads, which run the top level again)
printf 'lt.exec("touch %s/lt_exec")\noptions = { vus = 1, iterations = 1 }\nfunction default() end\n' \
    "$FX" >"$FX/exec.lua"
"$LT" inspect "$FX/exec.lua" >/dev/null 2>"$TMP/exec.err"
expect_eq "top-level lt.exec under inspect: script error (107)" 107 "$?"
expect_match "... naming where lt.exec may run" "lt.exec.*setup.*top level" "$TMP/exec.err"
"$LT" run -q "$FX/exec.lua" >/dev/null 2>"$TMP/exec_run.err"
expect_eq "top-level lt.exec under run: script error (107)" 107 "$?"
check "... and the command never ran" test ! -e "$FX/lt_exec"
finish
