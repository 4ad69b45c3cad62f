-- lt.http.batch against tests/hostile/server.py (BASE): /slow-ok answers after 0.5 s, /ok at once;
-- the server counts connections per target (/stats). Results are logged as "key=value" lines.
local http = require "lt.http"
options = { scenarios = { s = { executor = "per-vu-iterations", vus = 1, iterations = 2 } } }
local B = lt.env.BASE

local function statuses(rs, n)
  local t = {}
  for i = 1, n do t[i] = tostring(rs[i] and rs[i].status) end
  return table.concat(t, ",")
end

local function min_duration(rs, n)
  local m = math.huge
  for i = 1, n do m = math.min(m, rs[i].timings.duration) end
  return m
end

function default()
  local it = lt.vu.iteration
  -- four requests, in the three forms, to one host: all in flight at once
  local t0 = lt.time()
  local rs = http.batch({
    B .. "/slow-ok?t=four",
    { "GET", B .. "/slow-ok?t=four", nil, { tags = { form = "list" } } },
    { method = "get", url = B .. "/slow-ok?t=four", params = { name = "object-form" } },
    { url = B .. "/slow-ok?t=four" },
  })
  lt.log(string.format("it=%d four elapsed=%.3f n=%d statuses=%s min_ms=%.1f", it, lt.time() - t0, #rs,
                       statuses(rs, 4), min_duration(rs, 4)))
  -- eight to one host: six at once (k6's batchPerHost), then two
  t0 = lt.time()
  local list = {}
  for i = 1, 8 do list[i] = B .. "/slow-ok?t=eight" end
  rs = http.batch(list)
  lt.log(string.format("it=%d eight elapsed=%.3f n=%d statuses=%s", it, lt.time() - t0, #rs, statuses(rs, 8)))
  -- keyed requests come back under their keys; a failed one fails alone
  rs = http.batch({ quick = B .. "/ok?t=keyed", dead = lt.env.DEAD, other = { "GET", B .. "/ok?t=keyed" } })
  lt.log(string.format("it=%d keyed quick=%s other=%s dead=%s dead_error=%s", it, rs.quick.status,
                       rs.other.status, rs.dead.status, rs.dead.error ~= "" and "yes" or "no"))
  -- a table with holes and a string key is not a list, whatever its length says
  rs = http.batch({ [1] = B .. "/ok?t=holes", [3] = B .. "/ok?t=holes", x = B .. "/ok?t=holes" })
  lt.log(string.format("it=%d holes r1=%s r3=%s rx=%s", it, rs[1] and rs[1].status, rs[3] and rs[3].status,
                       rs.x and rs.x.status))
  local empty = http.batch({})
  lt.log(string.format("it=%d empty type=%s n=%d", it, type(empty), #empty))
  local ok, err = pcall(http.batch, { 5 })
  lt.log(string.format("it=%d bad_entry ok=%s err=%s", it, tostring(ok), tostring(err):gsub("\n", " ")))
  ok, err = pcall(http.batch, { { "BREW", B .. "/ok" } })
  lt.log(string.format("it=%d bad_method ok=%s err=%s", it, tostring(ok), tostring(err)))
end
