-- lt.vu.tags (k6's vu.tags): VU 1 sets symbol=X after its first request of iteration 0 and removes
-- it in iteration 2; VU 2 never sets it. Requests are named so the suite can read their tags.
options = { scenarios = { s = { executor = "per-vu-iterations", vus = 2, iterations = 3, tags = { kind = "t" } } } }
local http = require "lt.http"
function default()
  local me = lt.vu.idInTest
  local it = lt.vu.iteration
  local first = me % 2 == 1 -- one of the two VUs (ids are consecutive)
  http.get(lt.env.URL, { name = string.format("vu%s_it%d_a", first and "A" or "B", it) })
  if first and it == 0 then lt.vu.tags.symbol = "X"; lt.vu.tags.n = 5 end
  if first and it == 2 then lt.vu.tags.symbol = nil end
  http.get(lt.env.URL, { name = string.format("vu%s_it%d_b", first and "A" or "B", it) })
  lt.check(lt.vu.tags, {
    ["reads the scenario's tags"] = function(t) return t.scenario == "s" and t.kind == "t" end,
    ["a number is its text"] = function(t) return not first or t.n == "5" end,
  })
  local ok1 = pcall(function() lt.vu.tags.scenario = "other" end)
  local ok2 = pcall(function() lt.vu.tags.bad = {} end)
  lt.check(ok1 or ok2, { ["scenario and table values are refused"] = function(x) return x == false end })
end
