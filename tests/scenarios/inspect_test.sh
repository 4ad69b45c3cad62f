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
finish
