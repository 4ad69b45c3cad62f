#!/usr/bin/env bash
# progress_test.sh — the live progress lines: on a terminal (a pseudo-terminal made by util-linux
# `script`, or python3's pty module) one line per scenario with its name, rate and VUs, redrawn in
# place and never wider than the terminal; none with --quiet; none on stdout, so
# `--summary-export -` stays valid JSON; off a terminal no escape codes and a plain line at most
# every 10 s.
source "$(dirname "$0")/../lib.sh"

[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }

# in_pty COMMAND: runs `sh -c COMMAND` with stdin, stdout and stderr on a pseudo-terminal; what
# the terminal showed goes to stdout.
in_pty() {
    if command -v script >/dev/null 2>&1; then
        script -qec "$1" /dev/null </dev/null
    else
        python3 -c 'import os, pty, sys
def read(fd):
    data = os.read(fd, 65536); sys.stdout.buffer.write(data); return data
status = pty.spawn(["sh", "-c", sys.argv[1]], read)
sys.exit(os.waitstatus_to_exitcode(status))' "$1"
    fi
}

cat >"$TMP/p.lua" <<'LUA'
options = { scenarios = {
  steady = { executor = "constant-arrival-rate", rate = 40, timeUnit = "1s", duration = "3s",
             preAllocatedVUs = 4, maxVUs = 8 },
  later = { executor = "constant-vus", vus = 3, duration = "1s", startTime = "2s" } } }
function default() lt.sleep(0.01) end
LUA

# ---- on a terminal ----
in_pty "stty cols 200 2>/dev/null; '$LT' -s '$TMP/p.lua' --summary-export '$TMP/s1.json'" >"$TMP/tty.out" 2>&1
expect_eq "on a pty: exits 0" 0 "$?"
expect_match "progress: the scenario name, a bar and the achieved/target rate" \
    'steady +\[[=> ]{20}\] +[0-9]+s/3s +[0-9.]+/s of 40\.0/s' "$TMP/tty.out"
expect_match "progress: VUs (active/allocated)" 'steady .* vus [0-9]+/[0-9]+ ' "$TMP/tty.out"
expect_match "progress: a scenario that has not started says when it starts" 'later +waiting, starts in [0-9]+s' "$TMP/tty.out"
expect_match "progress: a closed-model scenario shows it/s" 'later +\[.*\] .*[0-9.]+ it/s vus [0-9]+/3 ' "$TMP/tty.out"
expect_match "progress: redrawn in place (cursor up over its 2 lines, erase line)" $'\e\\[2A\e\\[2K' "$TMP/tty.out"
expect_match "progress: at the end, finished scenarios say done" 'steady .*done +[0-9.]+/s of 40\.0/s' "$TMP/tty.out"
check "progress: the achieved rate is about the target (30-50/s)" python3 -c '
import re, sys
rates = [float(r) for r in re.findall(r"steady .*?([0-9.]+)/s of 40\.0/s", open(sys.argv[1], errors="replace").read())]
assert rates and all(30 <= r <= 50 for r in rates), rates' "$TMP/tty.out"
check "progress: then the summary" grep -q 'run finished in' "$TMP/tty.out"

# a narrow terminal: lines are cut to fit, so none wraps and the redraw stays in place
in_pty "stty cols 60 2>/dev/null; '$LT' -s '$TMP/p.lua'" >"$TMP/narrow.out" 2>&1
check "narrow terminal: no progress line is wider than 59 columns" python3 -c '
import re, sys
text = open(sys.argv[1], errors="replace").read()
lines = [re.sub(r"\x1b\[[0-9]*[A-Za-z]", "", l).rstrip("\r") for l in text.split("\n")]
prog = [l for l in lines if re.match(r"(steady|later) ", l)]
assert prog, "no progress lines"
assert max(len(l) for l in prog) <= 59, max(prog, key=len)' "$TMP/narrow.out"

# ---- --quiet ----
in_pty "'$LT' -s '$TMP/p.lua' -q" >"$TMP/quiet.out" 2>&1
expect_eq "--quiet on a pty: exits 0" 0 "$?"
if grep -Eq 'steady +\[|waiting, starts' "$TMP/quiet.out"; then
    fail "--quiet: no progress lines" "$(grep -E 'steady +\[' "$TMP/quiet.out" | head -n 2 | cat -v)"
else pass "--quiet: no progress lines"; fi
check "--quiet: the summary is still printed" grep -q 'run finished in' "$TMP/quiet.out"

# ---- --summary-export -: JSON on stdout, progress on stderr (the terminal) ----
in_pty "'$LT' -s '$TMP/p.lua' --summary-export - >'$TMP/stdout.json'" >"$TMP/export.out" 2>&1
expect_eq "--summary-export - on a pty: exits 0" 0 "$?"
check "--summary-export -: stdout is exactly one JSON document" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "lt-summary/1" and d["scenarios"]["steady"]["iterations"] > 0' "$TMP/stdout.json"
check "--summary-export -: no escape codes on stdout" python3 -c '
import sys; assert b"\x1b" not in open(sys.argv[1], "rb").read()' "$TMP/stdout.json"
expect_match "--summary-export -: the progress went to the terminal (stderr)" 'steady +\[' "$TMP/export.out"
check "--summary-export - | jq stays clean" sh -c "'$LT' -s '$TMP/p.lua' --summary-export - 2>/dev/null | jq -e .metrics.iterations.values.count >/dev/null"

# ---- stderr not a terminal: no escape codes; a plain line at most every 10 s ----
"$LT" -s "$TMP/p.lua" >"$TMP/plain.stdout" 2>"$TMP/plain.err"
expect_eq "stderr to a file: exits 0" 0 "$?"
check "stderr to a file: no escape codes" python3 -c '
import sys; assert b"\x1b[" not in open(sys.argv[1], "rb").read()' "$TMP/plain.err"
if grep -q '^lt: steady' "$TMP/plain.err"; then fail "stderr to a file: no progress line in a 3 s run" "$(head -n 3 "$TMP/plain.err")"
else pass "stderr to a file: no progress line in a 3 s run"; fi
expect_eq "stderr to a file: nothing on stdout" 0 "$(wc -c <"$TMP/plain.stdout")"
cat >"$TMP/long.lua" <<'LUA'
options = { scenarios = { slow = { executor = "constant-arrival-rate", rate = 5, timeUnit = "1s",
  duration = "11500ms", preAllocatedVUs = 2 } } }
function default() end
LUA
"$LT" -s "$TMP/long.lua" >/dev/null 2>"$TMP/long.err"
expect_eq "11.5 s off a terminal: one plain progress line" 1 "$(grep -c '^lt: slow ' "$TMP/long.err")"
expect_match "the plain line: rate and VUs" '^lt: slow +\[.*\] +1[01]s/12s +[0-9.]+/s of 5\.0/s vus [0-9]+/2 ' "$TMP/long.err"
finish
