#!/usr/bin/env bash
# Runs the Lua unit tests of lua/lib and lua/*.lua (tests/lua/*_test.lua) with plain luajit, using
# a fake `lt` module (tests/lua/helper.lua). Prints each file's results, then "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
LUAJIT=${LUAJIT:-luajit}
passed=0; failed=0
for t in "$here"/*_test.lua; do
    echo "# $(basename "$t")"
    out=$("$LUAJIT" "$t" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -Ev '^[0-9]+ passed, [0-9]+ failed$'
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL - $(basename "$t") ended without a summary (exit $rc)"
        failed=$((failed + 1)); continue
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "FAIL - $(basename "$t") exited $rc"; failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
