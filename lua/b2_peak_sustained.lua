-- Test case B2: peak sustained on 3 shards, the PRIMARY ASR 2 test. 84 orders/s (~5,040/min)
-- spread evenly over the 12 symbols through the gateway for 5 min.
-- match_count counts orders that matched at least one resting order (the spec's script added 1
-- per request; see scenarios/README.md).
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"

local match_latency = lt.metrics.trend("match_latency_ms", true)
local match_count = lt.metrics.counter("match_count")

options = {
  scenarios = {
    peak_sustained = {
      executor = "constant-arrival-rate",
      rate = 84, timeUnit = "1s", -- ~5,040 orders/min
      duration = "5m",
      preAllocatedVUs = 100, maxVUs = 200,
    },
  },
  thresholds = {
    http_req_duration = { "p(99)<200" },
    match_latency_ms = { "p(99)<200" },
    http_req_failed = { "rate<0.01" },
  },
}

function setup()
  seed.shard("a", cfg.SHARD_A_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
  seed.shard("b", cfg.SHARD_B_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
  seed.shard("c", cfg.SHARD_C_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
end

function default()
  local order, kind = orders.next(orders.random_symbol(cfg.ALL_SYMBOLS))
  submit.order(cfg.GATEWAY_URL, order, kind, { latency = match_latency, match_count = match_count })
end
