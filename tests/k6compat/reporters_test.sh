#!/usr/bin/env bash
# reporters_test.sh — k6's summary tools, unchanged, on lt's summaries of a real run (nginx on
# loopback) with checks in nested groups, passing and failing thresholds and setup data:
# k6-html-reporter, k6-junit and k6-to-junit installed from the npm registry (into build/k6compat),
# benc-uk/k6-reporter and k6's jslib summary (textSummary, jUnit) run from their git sources when
# they are on this machine (neither is published on npm: skipped with a message otherwise). Their
# output must hold the checks, the thresholds and the metrics, with no `undefined` or `NaN`.
# Also handleSummary(data): k6's return convention, its errors, and lib/k6summary's textSummary
# giving the same text as k6's jslib on the same data.
source "$(dirname "$0")/../lib.sh"

[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
command -v node >/dev/null && command -v npm >/dev/null ||
    { fail "node and npm installed (deps/packages.txt: nodejs, npm)"; finish; }
NPM_DIR=${K6COMPAT_NPM_DIR:-$ROOT/build/k6compat}
K6_REPORTER_GIT=${K6_REPORTER_GIT:-/work/.mirror/benc-uk+k6-reporter/repo}
K6_JSLIB_GIT=${K6_JSLIB_GIT:-/work/.mirror/grafana+k6-jslib-summary/repo}

# --- the tools: from the npm registry, every run (a registry out of reach is a failure) ---
mkdir -p "$NPM_DIR"
if timeout 300 npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-save --loglevel=error \
    k6-html-reporter k6-junit k6-to-junit >"$TMP/npm.log" 2>&1; then
    pass "npm install k6-html-reporter k6-junit k6-to-junit from the registry"
else
    fail "npm install k6-html-reporter k6-junit k6-to-junit: the npm registry cannot be reached or refused" \
        "$(tail -c 600 "$TMP/npm.log")"
fi
NODE_MODULES=$NPM_DIR/node_modules
have_pkg() { [ -f "$NODE_MODULES/$1/package.json" ]; }

check "nginx starts" start_nginx
URL="http://127.0.0.1:$NGINX_PORT/"

# The run: checks in the root group and in ::outer and ::outer::inner (lt.group when the build has
# it, the group tag itself otherwise: the summary reads the tag either way), a threshold that holds
# and one that fails, a sub-metric threshold, setup data.
cat >"$TMP/script.lua" <<'LUA'
local lt = require "lt"
local k6summary = require "lib.k6summary"
options = {
  scenarios = { s = { executor = "shared-iterations", vus = 2, iterations = 6 } },
  thresholds = {
    http_req_duration = { "p(95)<5000" },
    checks = { "rate>0.99" },
    ["http_reqs{status:200}"] = { "count>0" },
  },
}
local function group(name, fn) if lt.group then return lt.group(name, fn) end return fn() end
local ok = function(r) return r.status == 200 end
function setup() return { token = "t-1", shards = { 1, 2 } } end
function default(data)
  local r = lt.http.get(lt.env.URL)
  lt.check(r, { ["status is 200"] = ok, ["has setup data"] = function() return data.token == "t-1" end })
  group("outer", function()
    local r2 = lt.http.get(lt.env.URL, { tags = { group = "::outer" } })
    lt.check(r2, { ["outer status"] = ok }, { group = "::outer" })
    group("inner", function()
      lt.check(r2, { ["body is never empty-ish"] = function(x) return #x.body > 1e9 end },
               { group = "::outer::inner" })
    end)
  end)
end
if lt.env.HS == "ok" then
  function handleSummary(data)
    return {
      stdout = k6summary.textSummary(data, { indent = " ", enableColors = false }) .. "\n",
      stderr = "handleSummary wrote this\n",
      [lt.env.DIR .. "/hs-data.json"] = lt.json.encode(data),
      [lt.env.DIR .. "/hs-junit.xml"] = k6summary.jUnit(data),
    }
  end
elseif lt.env.HS == "error" then
  function handleSummary(data) local none; return none.field end
elseif lt.env.HS == "nil" then
  function handleSummary(data) return nil end
elseif lt.env.HS == "notstring" then
  function handleSummary(data) return { stdout = 42 } end
elseif lt.env.HS == "badfile" then
  function handleSummary(data)
    return { stdout = "first\n", [lt.env.DIR .. "/no/such/dir/x.txt"] = "x" }
  end
end
LUA
run_lt() { # run_lt NAME HS: stdout in $TMP/NAME.out, stderr in $TMP/NAME.err, summary in $TMP/NAME.json
    timeout 60 "$LT" -s "$TMP/script.lua" -e URL="$URL" -e HS="$2" -e DIR="$TMP" \
        --summary-export "$TMP/$1.json" >"$TMP/$1.out" 2>"$TMP/$1.err"
    echo $?
}
no_undefined() { ! grep -Eq 'undefined|NaN' "$1"; }

# --- 1. the JSON summary: k6's handleSummary keys beside lt's own ---
expect_eq "a run with a failing threshold exits 99" 99 "$(run_lt plain none)"
S=$TMP/plain.json
check "the JSON summary has k6's handleSummary layout and keeps lt's keys" python3 - "$S" <<'PY'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
bad = []
for k in ("schema", "checks", "thresholds", "series", "scenarios", "iteration_errors"):
    if k not in d: bad.append("lt key %s gone" % k)
if not isinstance(d["thresholds"], list): bad.append("lt's thresholds is no longer a list")
rg = d["root_group"]
if (rg["name"], rg["path"], rg["id"]) != ("", "", md5("")): bad.append("root group %r" % rg)
names = {c["name"]: c for c in rg["checks"]}
if set(names) != {"status is 200", "has setup data"}: bad.append("root checks %s" % list(names))
c = names.get("status is 200", {})
if c.get("path") != "::status is 200" or c.get("id") != md5("::status is 200") or c.get("passes") != 6 or c.get("fails") != 0:
    bad.append("root check %r" % c)
outer = [g for g in rg["groups"] if g["name"] == "outer"]
if len(outer) != 1: bad.append("no outer group: %r" % rg["groups"])
else:
    o = outer[0]
    if o["path"] != "::outer" or o["id"] != md5("::outer"): bad.append("outer %r" % o)
    if [x["name"] for x in o["checks"]] != ["outer status"]: bad.append("outer checks %r" % o["checks"])
    inner = o["groups"]
    if len(inner) != 1 or inner[0]["path"] != "::outer::inner": bad.append("inner %r" % inner)
    else:
        ic = inner[0]["checks"]
        if len(ic) != 1 or ic[0]["path"] != "::outer::inner::body is never empty-ish" or ic[0]["fails"] != 6 or ic[0]["passes"] != 0:
            bad.append("inner check %r" % ic)
m = d["metrics"]
if m["checks"]["thresholds"] != {"rate>0.99": {"ok": False}}: bad.append("checks thresholds %r" % m["checks"].get("thresholds"))
if m["http_req_duration"]["thresholds"] != {"p(95)<5000": {"ok": True}}: bad.append("duration thresholds")
if "http_reqs{status:200}" not in m: bad.append("sub-metric missing")
for name, x in m.items():
    if x["type"] not in ("counter", "gauge", "rate", "trend") or x["contains"] not in ("default", "time", "data"):
        bad.append("metric %s type/contains" % name)
    for k, v in x["values"].items():
        if not isinstance(v, (int, float)): bad.append("%s.%s = %r" % (name, k, v))
o = d["options"]
if o["summaryTrendStats"] != ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"] or o["summaryTimeUnit"] != "" or o["noColor"] is not False:
    bad.append("options %r" % {k: o.get(k) for k in ("summaryTrendStats", "summaryTimeUnit", "noColor")})
if "scenarios" not in o: bad.append("lt's resolved options lost")
st = d["state"]
if st["isStdOutTTY"] is not False or st["isStdErrTTY"] is not False or not 0 < st["testRunDurationMs"] < 60000:
    bad.append("state %r" % st)
if d.get("setup_data") != {"token": "t-1", "shards": [1, 2]}: bad.append("setup_data %r" % d.get("setup_data"))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

# --- 2. k6-html-reporter (npm) on --summary-export ---
if have_pkg k6-html-reporter; then
    (cd "$TMP" && NODE_PATH=$NODE_MODULES node -e '
      require("k6-html-reporter").generateSummaryReport({ jsonFile: process.argv[1], output: process.argv[2] });' \
        "$S" "$TMP/html") >"$TMP/html.log" 2>&1
    await_cond 20 test -s "$TMP/html/report.html" # it writes from a callback
    H=$TMP/html/report.html
    check "k6-html-reporter writes a report" test -s "$H"
    check "k6-html-reporter: no undefined or NaN" no_undefined "$H"
    check "k6-html-reporter: the checks with their group paths" \
        grep -q "outer ⇀ inner ⇀ body is never empty-ish" "$H"
    check "k6-html-reporter: the root checks" grep -q "status is 200" "$H"
    check "k6-html-reporter: the thresholds" grep -q "rate&gt;0.99" "$H"
    check "k6-html-reporter: one threshold failed" grep -q "1 threshold was" "$H"
    check "k6-html-reporter: the metrics" grep -q "http_req_waiting" "$H"
else
    fail "k6-html-reporter installed" "see the npm install failure above"
fi

# --- 3. k6-junit (npm): one test case per check (suites by group) and per threshold ---
if have_pkg k6-junit; then
    NODE_PATH=$NODE_MODULES node -e '
      const fs = require("fs");
      process.stdout.write(require("k6-junit").jUnit(JSON.parse(fs.readFileSync(process.argv[1]))));' \
        "$S" >"$TMP/junit.xml" 2>&1
    J=$TMP/junit.xml
    check "k6-junit: no undefined or NaN" no_undefined "$J"
    expect_match "k6-junit: 7 test cases, 2 failures (a check and a threshold)" \
        '<testsuites tests="7" failures="2">' "$J"
    expect_match "k6-junit: the root checks in suite Root" '<testcase name="status is 200" classname="Root"' "$J"
    expect_match "k6-junit: a group's checks in its suite" '<testcase name="outer status" classname="outer"' "$J"
    expect_match "k6-junit: a nested group's failing check" 'name="body is never empty-ish" classname="outer: inner"' "$J"
    expect_match "k6-junit: the thresholds" 'name="checks: rate&gt;0.99" classname="Thresholds"' "$J"
else
    fail "k6-junit installed" "see the npm install failure above"
fi

# --- 4. k6-to-junit (npm) on lt's text summary: the script line names the suite ---
if have_pkg k6-to-junit; then
    cat "$TMP/plain.out" "$TMP/plain.err" | node "$NODE_MODULES/k6-to-junit/dist/command.js" >"$TMP/tojunit.xml" 2>&1
    T=$TMP/tojunit.xml
    check "k6-to-junit: no undefined or NaN" no_undefined "$T"
    expect_match "k6-to-junit: a suite named after the script" "<testsuite name=\"$TMP/script.lua\" tests=\"3\" failures=\"1\"" "$T"
    expect_match "k6-to-junit: the failed threshold's metric" '<testcase name="checks">' "$T"
    expect_match "k6-to-junit: the passed ones" '<testcase name="http_req_duration">' "$T"
else
    fail "k6-to-junit installed" "see the npm install failure above"
fi

# --- 5. benc-uk/k6-reporter (not on npm): its built bundle from the git source ---
if git --git-dir="$K6_REPORTER_GIT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
    mkdir -p "$TMP/k6-reporter"
    git --git-dir="$K6_REPORTER_GIT" archive HEAD dist package.json | tar -x -C "$TMP/k6-reporter"
    cat >"$TMP/k6-reporter/run.mjs" <<'JS'
import { htmlReport } from './dist/bundle.js';
import fs from 'fs';
fs.writeFileSync(process.argv[3], htmlReport(JSON.parse(fs.readFileSync(process.argv[2])), { title: 'lt' }));
JS
    node "$TMP/k6-reporter/run.mjs" "$S" "$TMP/k6-reporter.html" >"$TMP/k6-reporter.log" 2>&1
    K=$TMP/k6-reporter.html
    check "k6-reporter writes a report" test -s "$K"
    check "k6-reporter: no undefined or NaN" no_undefined "$K"
    check "k6-reporter: the checks of every group" grep -q "body is never empty-ish" "$K"
    check "k6-reporter: the root checks" grep -q "has setup data" "$K"
    check "k6-reporter: one breached threshold" \
        python3 -c 'import re,sys; t=open(sys.argv[1]).read(); sys.exit(0 if re.search(r"Breached Thresholds</h4>\s*<div class=\"metric-value\">1<", t) else 1)' "$K"
    check "k6-reporter: the metrics" grep -q "http_req_waiting" "$K"
else
    echo "skip - benc-uk/k6-reporter: not published on npm and no git source at $K6_REPORTER_GIT (set K6_REPORTER_GIT)"
fi

# --- 6. k6's jslib summary (not on npm): textSummary and jUnit from the git source ---
JSLIB=""
if git --git-dir="$K6_JSLIB_GIT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
    JSLIB=$TMP/k6-summary.mjs
    git --git-dir="$K6_JSLIB_GIT" show HEAD:src/index.js >"$JSLIB"
    cat >"$TMP/jslib.mjs" <<'JS'
import { textSummary, jUnit } from './k6-summary.mjs';
import fs from 'fs';
const data = JSON.parse(fs.readFileSync(process.argv[2]));
const out = process.argv[3] === 'junit' ? jUnit(data) : textSummary(data, { indent: ' ', enableColors: false });
process.stdout.write(out + '\n');
JS
    node "$TMP/jslib.mjs" "$S" text >"$TMP/jslib.txt" 2>&1
    node "$TMP/jslib.mjs" "$S" junit >"$TMP/jslib.xml" 2>&1
    check "jslib textSummary: no undefined or NaN" no_undefined "$TMP/jslib.txt"
    expect_match "jslib textSummary: the groups" '█ outer' "$TMP/jslib.txt"
    expect_match "jslib textSummary: a failing check with its counts" '↳  0% — ✓ 0 / ✗ 6' "$TMP/jslib.txt"
    expect_match "jslib textSummary: the failed threshold's metric" '✗ checks\.+: ' "$TMP/jslib.txt"
    expect_match "jslib textSummary: a sub-metric" '✓ \{ status:200 \}\.+: 12' "$TMP/jslib.txt"
    expect_match "jslib textSummary: the trends" 'http_req_duration\.+: avg=' "$TMP/jslib.txt"
    check "jslib jUnit: no undefined or NaN" no_undefined "$TMP/jslib.xml"
    expect_match "jslib jUnit: the thresholds as test cases" 'tests="3" failures="1"' "$TMP/jslib.xml"
    # humanizeValue, value by value: times from ns to hours and in a fixed unit, bytes, rates
    cat >"$TMP/hv.mjs" <<'JS'
import { humanizeValue } from './k6-summary.mjs';
for (const [v, type, contains, unit] of JSON.parse(process.argv[2])) console.log(humanizeValue(v, { type, contains }, unit));
JS
    cat >"$TMP/hv.lua" <<'LUA'
package.path = arg[1] .. "/?.lua;" .. package.path
local k6summary = require "k6summary"
for item in arg[2]:gmatch("%[([^%[%]]+)%]") do
  local v, t, c, u = item:match('^([^,]+),"(%a+)","(%a+)","(%a*)"$')
  print(k6summary.humanizeValue(tonumber(v), { type = t, contains = c }, u))
end
LUA
    CASES='[[0,"trend","time",""],[0.0005,"trend","time",""],[0.5,"trend","time",""],[1.2345,"trend","time",""],
[999.999,"trend","time",""],[1000,"trend","time",""],[59999,"trend","time",""],[60000,"trend","time",""],
[61234.5,"trend","time",""],[3600000,"trend","time",""],[3723456.7,"trend","time",""],[12.3456,"trend","time","s"],
[12.3456,"trend","time","ms"],[12.3456,"trend","time","us"],[0,"counter","data",""],[5,"counter","data",""],
[10,"counter","data",""],[999,"counter","data",""],[1000,"counter","data",""],[1500,"counter","data",""],
[123456789,"counter","data",""],[0,"rate","default",""],[0.123456,"rate","default",""],[0.99999,"rate","default",""],
[1,"rate","default",""],[1.23456789,"counter","default",""],[100,"counter","default",""],[5249.11,"counter","default",""],
[0.1,"counter","default",""],[2.5e-7,"counter","default",""]]'
    node "$TMP/hv.mjs" "$(tr -d '\n' <<<"$CASES")" >"$TMP/hv-js.txt" 2>&1
    if command -v luajit >/dev/null; then
        luajit "$TMP/hv.lua" "$ROOT/lua/lib" "$CASES" >"$TMP/hv-lua.txt" 2>&1
        expect_eq "lib/k6summary humanizeValue = jslib's, 30 values" 30 "$(wc -l <"$TMP/hv-lua.txt")"
        check "lib/k6summary humanizeValue = jslib's (ns to hours, units, bytes, rates)" \
            diff "$TMP/hv-js.txt" "$TMP/hv-lua.txt"
    else
        fail "luajit installed (deps/packages.txt)"
    fi
else
    echo "skip - k6's jslib summary: not published on npm and no git source at $K6_JSLIB_GIT (set K6_JSLIB_GIT)"
fi

# --- 7. handleSummary: its result replaces the default text summary; the export is still written ---
expect_eq "handleSummary: exit code still the thresholds' 99" 99 "$(run_lt hs ok)"
check "handleSummary: the default summary is not printed" bash -c "! grep -q 'run finished' '$TMP/hs.err'"
expect_eq "handleSummary: its stderr string goes to stderr" "handleSummary wrote this" "$(cat "$TMP/hs.err")"
expect_match "handleSummary: its stdout string goes to stdout (textSummary)" '█ outer' "$TMP/hs.out"
check "handleSummary: --summary-export still written" json_get "$TMP/hs.json" 'd["root_group"]["checks"][0]["name"]'
check "handleSummary: the file it named holds its data" json_get "$TMP/hs-data.json" 'd["setup_data"]["token"]' 
check "handleSummary: lt.json.encode(data) keeps the empty arrays" \
    json_get "$TMP/hs-data.json" 'd["root_group"]["groups"][0]["groups"][0]["groups"] == [] or exit(1)'
expect_match "handleSummary: k6summary.jUnit's test cases" '<testcase name="checks - rate&gt;0.99"' "$TMP/hs-junit.xml"
if [ -n "$JSLIB" ]; then
    node "$TMP/jslib.mjs" "$TMP/hs-data.json" text >"$TMP/hs-jslib.txt" 2>&1
    check "lib/k6summary textSummary = k6's jslib textSummary, on the same data" \
        diff "$TMP/hs-jslib.txt" "$TMP/hs.out"
fi

expect_eq "handleSummary error: exit code stays 99 (thresholds)" 99 "$(run_lt err error)"
expect_match "handleSummary error: the message names file and line" \
    'lt: handleSummary: handleSummary\(\) failed: .*script\.lua:[0-9]+: attempt to index' "$TMP/err.err"
expect_match "handleSummary error: the default summary is printed" 'run finished' "$TMP/err.err"
expect_eq "handleSummary nil: exit 99 kept" 99 "$(run_lt nil nil)"
expect_match "handleSummary nil: the default summary" 'run finished' "$TMP/nil.err"
expect_eq "handleSummary {stdout=42}: exit 99 kept" 99 "$(run_lt ns notstring)"
expect_match "handleSummary {stdout=42}: says which value" "the value for 'stdout' is not a string" "$TMP/ns.err"
expect_match "handleSummary {stdout=42}: the default summary" 'run finished' "$TMP/ns.err"
expect_eq "handleSummary writing into a missing directory: exit 99 kept" 99 "$(run_lt bf badfile)"
expect_match "handleSummary writing into a missing directory: names the file" "cannot write '.*/no/such/dir/x.txt'" "$TMP/bf.err"
expect_eq "handleSummary writing into a missing directory: the other outputs written" "first" "$(cat "$TMP/bf.out")"

# Without failing thresholds, a handleSummary error is exit 107 (a script error).
sed -i 's/checks = { "rate>0.99" }/checks = { "rate>0.1" }/' "$TMP/script.lua"
expect_eq "a run whose thresholds hold exits 0" 0 "$(run_lt pass none)"
expect_eq "handleSummary error, thresholds holding: exit 107" 107 "$(run_lt err2 error)"
expect_eq "handleSummary error: the export says 107 too" 107 "$(json_get "$TMP/err2.json" 'd["exit_code"]')"
finish
