#!/usr/bin/env bash
# fast_test.sh — lt_fast.c's FFI paths give what the C functions give: the same JSON text, the same
# error messages with file:line, and the same samples per metric and tag set (LT_NO_FFI=1 runs
# the C functions only). Traffic goes to a local nginx only.
source "$(dirname "$0")/../lib.sh"

[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
check "nginx starts" start_nginx

# --- lt.json.encode: byte for byte. Table order differs between processes (LuaJIT seeds its string
# hash), so multi-member tables are compared member by member (each as a one-member table, whose
# text has no order) and by length; the whole text must decode to the table again.
cat >"$TMP/enc.lua" <<'LUA'
local lt = require "lt"
local vals = {
  { a = 1, b = "x", c = true, d = false, e = 1.5, f = -3, g = 1e300, h = 0.1, i = -0.0, j = 2^53 },
  { orderId = "buy-1-2", symbol = "TEST-ASSET-A", side = "BUY", type = "LIMIT", price = 15000, quantity = 10 },
  { ["k\"ey"] = "va\nl\0ue\t\\/", ["\255bad"] = "\200\201", u = "é€😀", c = "\1\31\127" },
  { n = 123456789012, m = 1/3, o = -1e-300, p = 5e-324, q = 2^63, r = -2^53 - 2 },
  { a = "1", b = "2", c = "3", d = "4", e = "5", f = "6", g = "7", h = "8", i = "9", j = "10", k = "11" },
  {}, { 1, 2, 3 }, { a = { b = 1 } }, { a = lt.json.null }, "str", 12, true, { [1] = "a", x = "b" },
  setmetatable({}, { __index = { a = 1 } }), setmetatable({ z = 1 }, { __index = { a = 1 } }),
}
local function out(...) io.stdout:write(table.concat({ ... }, " "), "\n") end
function default()
  for i, v in ipairs(vals) do
    local text = lt.json.encode(v)
    out(i, "length", #text)
    if type(v) == "table" and next(v) ~= nil and #v == 0 then
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      for _, k in ipairs(keys) do out(i, "member", lt.json.encode({ [k] = v[k] })) end
      local back = lt.json.decode(text)
      for k, x in pairs(v) do -- scalars in valid UTF-8 come back as they were
        local plain = not k:find("[\128-\255]") and (type(x) ~= "string" or not x:find("[\128-\255]"))
        if plain and type(x) ~= "table" and type(x) ~= "userdata" and back[k] ~= x then
          out(i, "decoded differs at", k)
        end
      end
    else
      out(i, "text", text)
    end
  end
  for _, v in ipairs({ { x = 0/0 }, { x = 1/0 }, { f = print }, { t = {} , u = 1 } }) do
    out("pcall", tostring(pcall(lt.json.encode, v)))
  end
  out("none", pcall(lt.json.encode))
  out("nil", pcall(lt.json.encode, nil))
end
LUA
"$LT" -s "$TMP/enc.lua" -q -u 1 -i 1 >"$TMP/enc.fast" 2>"$TMP/enc.fast.err"
expect_eq "encode script runs (FFI)" 0 $?
LT_NO_FFI=1 "$LT" -s "$TMP/enc.lua" -q -u 1 -i 1 >"$TMP/enc.c" 2>"$TMP/enc.c.err"
expect_eq "encode script runs (LT_NO_FFI=1)" 0 $?
grep -av "^ \|^$" "$TMP/enc.fast" >"$TMP/enc.fast.lines"
grep -av "^ \|^$" "$TMP/enc.c" >"$TMP/enc.c.lines"
expect_num "encode: lines compared" "$(wc -l <"$TMP/enc.c.lines")" ge 40
check "encode: the same text with and without FFI" diff "$TMP/enc.fast.lines" "$TMP/enc.c.lines"
expect_eq "encode: every member decodes to its value" "" "$(grep -a 'decoded differs' "$TMP/enc.fast.lines")"
expect_match "encode: member escapes" '^3 member \{"k\\"ey":"va\\nl\\u0000ue\\t\\\\/"\}' "$TMP/enc.fast.lines"

# --- errors: the same message, the same file:line, from the caller's line
cat >"$TMP/errs.lua" <<'LUA'
local lt = require "lt"
local m = lt.metrics.trend("my_trend")
local c = lt.metrics.counter("my_counter")
local cases = {
  function() m:add("x") end,
  function() m:add() end,
  function() m.add(nil, 1) end,
  function() m.add({}, 1) end,
  function() lt.check() end,
  function() lt.check(1) end,
  function() lt.check(1, { [1] = true }) end,
  function() lt.check(1, { a = function() error("boom") end }) end,
  function() lt.check(1, { a = function(v) return v.x.y end }) end,
  function() local f = lt.check; f(2) end,
  function() local f = m.add; f(m, "zz") end,
  function() lt.http.post() end,
  function() lt.http.post(lt.env.URL, {}, { tags = { a = "b" } }) end,
  function() lt.http.get(lt.env.URL, { tags = { a = "b" }, timeout = "soon" }) end,
  function() lt.http.get({}, { tags = {} }) end,
}
local function out(...) io.stdout:write(table.concat({ ... }, " "), "\n") end
function default()
  for i, f in ipairs(cases) do out(i, tostring(select(2, pcall(f)))) end
  local co = coroutine.wrap(function() return pcall(lt.http.get, lt.env.URL, { tags = { a = "b" } }) end)
  out("coroutine", tostring(select(2, co())))
end
LUA
"$LT" -s "$TMP/errs.lua" -q -u 1 -i 1 -e URL="http://127.0.0.1:$NGINX_PORT/" >"$TMP/errs.fast" 2>&1
LT_NO_FFI=1 "$LT" -s "$TMP/errs.lua" -q -u 1 -i 1 -e URL="http://127.0.0.1:$NGINX_PORT/" >"$TMP/errs.c" 2>&1
grep -a '^[0-9]\|^coroutine' "$TMP/errs.fast" >"$TMP/errs.fast.lines"
grep -a '^[0-9]\|^coroutine' "$TMP/errs.c" >"$TMP/errs.c.lines"
expect_eq "errors: all cases ran" 16 "$(wc -l <"$TMP/errs.c.lines")"
check "errors: the same messages with and without FFI" diff "$TMP/errs.fast.lines" "$TMP/errs.c.lines"
expect_match "errors: at the caller's line" '^1 .*errs.lua:5: bad argument #1 to .add. \(number expected, got string\)' "$TMP/errs.fast.lines"
expect_match "errors: lt.check's own message" '^7 .*errs.lua:11: lt.check: check names must be strings' "$TMP/errs.fast.lines"

# --- lt.env, lt.scenario and lt.vu: the keys read through the FFI give what the C __index gives
cat >"$TMP/env.lua" <<'LUA'
options = { scenarios = { sc1 = { executor = "shared-iterations", vus = 1, iterations = 2,
  env = { ONLY = "scenario", X = "from-scenario" } } } }
local function show(where)
  print(where, lt.env.X, lt.env.ONLY, lt.env.NOPE, lt.env[1], lt.env.HOME ~= nil, lt.scenario.name,
    lt.scenario.iteration, lt.scenario.executor, lt.vu.iteration, lt.vu.iteration_in_scenario,
    lt.vu.id, lt.vu.thread)
end
function default() show("iteration") end
function setup() show("setup") end
show("top")
LUA
"$LT" -s "$TMP/env.lua" -q -e X=cli 2>&1 | grep -a "^lt:" >"$TMP/env.fast"
LT_NO_FFI=1 "$LT" -s "$TMP/env.lua" -q -e X=cli 2>&1 | grep -a "^lt:" >"$TMP/env.c"
expect_eq "env: every line printed" 6 "$(wc -l <"$TMP/env.c")"
check "env: lt.env, lt.scenario, lt.vu the same with and without FFI" diff "$TMP/env.fast" "$TMP/env.c"
expect_match "env: the scenario's env and name in an iteration" 'iteration from-scenario scenario nil nil true sc1 1 shared-iterations 1 1 1 0' "$TMP/env.fast"

# --- samples: every (metric, tag set) series counts the same and sums the same, with tables that
# are reused, changed in place, made fresh each time, too big for the cache, with number and
# boolean values; inside groups, after lt.vu.tags changes, and on requests with params.tags.
cat >"$TMP/samples.lua" <<'LUA'
local lt = require "lt"
local trend = lt.metrics.trend("t_fast", true)
local counter = lt.metrics.counter("c_fast")
local rate = lt.metrics.rate("r_fast")
local gauge = lt.metrics.gauge("g_fast")
local shared = { symbol = "A", side = "BUY" }
local big = {}
for i = 1, 12 do big["k" .. i] = "v" .. i end
local CH = { ["is 200"] = function(r) return r.status == 200 end, ["always"] = true, ["never"] = false,
  ["nil result"] = function() return nil end }
function default()
  local it = lt.vu.iteration
  local url = lt.env.URL
  local res = lt.http.post(url, lt.json.encode({ i = it, s = "x" }), { tags = shared })
  lt.check(res, CH, shared)
  lt.check(res, CH)
  lt.check(res, { ["n" .. it % 7] = it % 2 == 0 }, { fresh = tostring(it % 3) })
  trend:add(it % 17, shared)
  trend:add(1)
  counter:add(it % 5, { fresh = "x" .. it % 4, n = it % 2 })
  counter:add(true, big)
  rate:add(it % 3 == 0)
  rate:add(it % 2, shared)
  gauge:add(it, { only = "one" })
  if it % 4 == 1 then shared.side = "SELL" elseif it % 4 == 3 then shared.side = "BUY" end
  lt.group("g1", function()
    lt.check(res, CH, shared)
    trend:add(2, shared)
    lt.http.get(url, { tags = { kind = "in-group" } })
  end)
  if it == 5 then lt.vu.tags.phase = "late" end
  counter:add(1, shared)
  lt.http.get(url, { tags = shared })
  lt.http.get(url)
end
LUA
series() {
    python3 - "$1" <<'PY'
import json, sys
agg = {}
for line in open(sys.argv[1]):
    p = json.loads(line)
    m = p.get("metric", "")
    if p.get("type") != "point" or m in ("iteration_duration", "vus", "vus_max") or \
            (m.startswith("http_req_") and m != "http_req_failed"):
        continue
    key = (m, json.dumps(p.get("tags", {}), sort_keys=True))
    a = agg.setdefault(key, {})
    # every field that does not depend on timing (group_duration is a time: its count only)
    fields = {"rate": ("passes", "fails"), "trend": ("count", "sum", "min", "max"),
              "counter": ("value", "count"), "gauge": ("value", "min", "max")}[p["metric_type"]]
    if m == "group_duration": fields = ("count",)
    for f in fields:
        if f not in p: continue
        if f == "min": a[f] = min(a.get(f, p[f]), p[f])
        elif f == "max": a[f] = max(a.get(f, p[f]), p[f])
        else: a[f] = round(a.get(f, 0) + p[f], 6)
for k in sorted(agg):
    print(k[0], k[1], " ".join("%s=%r" % kv for kv in sorted(agg[k].items())))
PY
}
for mode in fast c; do
    if [ $mode = c ]; then export LT_NO_FFI=1; else unset LT_NO_FFI; fi
    "$LT" -s "$TMP/samples.lua" -q -u 1 -i 80 -e URL="http://127.0.0.1:$NGINX_PORT/" \
        --out "lt-json=$TMP/$mode.ndjson" --summary-export "$TMP/$mode.json" >"$TMP/$mode.out" 2>&1
    expect_eq "samples run exits 0 ($mode)" 0 $?
    series "$TMP/$mode.ndjson" >"$TMP/$mode.series"
done
unset LT_NO_FFI
expect_num "samples: series compared" "$(wc -l <"$TMP/c.series")" ge 40
check "samples: the same series, counts and sums with and without FFI" diff "$TMP/fast.series" "$TMP/c.series"
expect_match "samples: check series by name and tags" '^checks .*"check": "is 200".*"side": "SELL".* fails=0 passes=[1-9]' "$TMP/fast.series"
expect_match "samples: failed checks counted" '^checks .*"check": "never".* fails=[1-9][0-9]* passes=0' "$TMP/fast.series"
expect_match "samples: lt.vu.tags reach the FFI path" '^c_fast .*"phase": "late"' "$TMP/fast.series"
finish
