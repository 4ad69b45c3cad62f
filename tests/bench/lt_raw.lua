-- P1 raw: closed model, one keep-alive GET per iteration (the lt side of `wrk -t1 -cN`).
local lt = require "lt"
local url = lt.env.BENCH_URL .. "/"
options = {
  scenarios = {
    raw = { executor = "constant-vus", vus = tonumber(lt.env.BENCH_CONNS), duration = lt.env.BENCH_DURATION },
  },
}
function default() lt.http.get(url) end
