-- Test case A2: normal load latency, the PRIMARY ASR 1 test. 17 orders/s on shard A for 5 min.
-- lt -s lua/a2_normal_load.lua -e ME_SHARD_A_URL=http://localhost:8080 --summary-export a2.json
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"

-- End-to-end match latency as the load generator sees it.
local match_latency = lt.metrics.trend("match_latency_ms", true)

options = {
  scenarios = {
    normal_load = {
      executor = "constant-arrival-rate",
      rate = 17, timeUnit = "1s", -- ~1,000 orders/min
      duration = "5m",
      preAllocatedVUs = 30, maxVUs = 60,
    },
  },
  thresholds = {
    http_req_duration = { "p(99)<200" }, -- p99 < 200 ms end to end
    match_latency_ms = { "p(99)<200" },
    http_req_failed = { "rate<0.01" },   -- error rate < 1%
  },
}

function setup()
  seed.direct(cfg.SHARD_A_SYMBOLS, 500, 50, cfg.ME_SHARD_A_URL)
end

function default()
  local order, kind = orders.next(orders.random_shard_a_symbol())
  submit.order(cfg.ME_SHARD_A_URL, order, kind, { latency = match_latency, accepted = true })
end
