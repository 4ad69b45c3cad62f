-- Tag tables reused, changed between calls, rebuilt from fresh strings, garbage-collected: every
-- sample must still carry the tags its table had when it was taken (lt caches tag sets by the
-- strings' identity). Iteration i of VU v uses kind = "k" .. (i % 3) built at run time, a shared
-- table changed in place, a number value, and a table too big for the cache.
options = {
  scenarios = { t = { executor = "per-vu-iterations", vus = 2, iterations = 300, maxDuration = "30s" } },
}
local shared = { kind = "unset" } -- shared by the VUs of a thread
local per_vu = {}
local trend = lt.metrics.trend("tagged_trend")
local ok200 = { ["status is 200"] = function(r) return r.status == 200 end }

function default()
  local i = lt.vu.iteration_in_scenario
  local kind = "k" .. (i % 3)
  shared.kind = kind                 -- the same table, changed in place
  local extra = i % 5 == 0 and ("e" .. (i % 2)) or nil
  shared.extra = extra
  lt.http.get(lt.env.URL, { tags = shared }) -- tags as sent, though other VUs change `shared`
  local mine = per_vu[lt.vu.id] or {}         -- this VU's own table, reused and changed in place
  per_vu[lt.vu.id] = mine
  mine.kind, mine.extra = kind, extra
  lt.check({ status = 200 }, ok200, mine)
  trend:add(1, { kind = kind, n = i % 4 })  -- a number value: not cached, still right
  local big = { kind = kind }
  for k = 1, 10 do big["x" .. k] = "v" end -- more pairs than the cache holds
  trend:add(2, big)
  if i % 50 == 0 then collectgarbage() end -- let freed strings' addresses be reused
end
