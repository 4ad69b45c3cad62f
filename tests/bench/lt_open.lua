-- P3 open model / P5 schedule / P6 honesty: constant-arrival-rate at BENCH_RATE per second over
-- BENCH_CONNS VUs (one keep-alive connection each), one GET per iteration. p(50) is in the trend
-- stats so P5 can compare http_req_duration_corrected with http_req_duration at the median.
-- BENCH_PRECISION (e.g. "1ms") sets schedulePrecision, P3's precision-budget row; unset: default.
local lt = require "lt"
local url = lt.env.BENCH_URL .. "/"
local conns = tonumber(lt.env.BENCH_CONNS)
options = {
  scenarios = {
    open = {
      executor = "constant-arrival-rate", rate = tonumber(lt.env.BENCH_RATE), timeUnit = "1s",
      duration = lt.env.BENCH_DURATION, preAllocatedVUs = conns, maxVUs = conns,
      schedulePrecision = lt.env.BENCH_PRECISION,
    },
  },
  summaryTrendStats = { "avg", "min", "med", "max", "p(50)", "p(90)", "p(99)" },
}
function default() lt.http.get(url) end
