-- lt merge's test script: a closed-model test with lt.env.ITERS iterations (default 200), a
-- custom time trend, a gauge and a check, and a threshold on the count only the whole can decide.
local metrics = require "lt.metrics"
local size = metrics.trend("body_ms", true)
local depth = metrics.gauge("depth")
options = {
  scenarios = {
    main = { executor = "shared-iterations", vus = 4, iterations = tonumber(lt.env.ITERS or 200) },
  },
  thresholds = {
    http_reqs = { lt.env.COUNT_EXPR or "count>500" },
    http_req_duration = { "p(99)<5000" },
  },
}
function default()
  local r = lt.http.get(lt.env.URL, { tags = { name = "root" } })
  lt.check(r, { ["status is 200"] = function(x) return x.status == 200 end })
  size:add(r.timings.duration)
  depth:add(tonumber(lt.env.GAUGE or 1))
end
