-- P4 memory: BENCH_VUS VUs, each holding its own keep-alive connection open: one GET, then a sleep
-- of BENCH_SLEEP seconds, so every connection stays open for the whole run.
local lt = require "lt"
local url = lt.env.BENCH_URL .. "/"
local pause = tonumber(lt.env.BENCH_SLEEP)
options = {
  scenarios = {
    memory = { executor = "constant-vus", vus = tonumber(lt.env.BENCH_VUS), duration = lt.env.BENCH_DURATION,
               gracefulStop = "0s" },
  },
}
function default()
  lt.http.get(url)
  lt.sleep(pause)
end
