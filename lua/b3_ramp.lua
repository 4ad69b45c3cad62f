-- Test case B3: progressive ramp (ASR 2). 17 -> 42 -> 84 orders/s through the gateway over
-- 6 min, then 84/s sustained for 4 min. All three shards are assumed deployed from the start.
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"

local match_latency = lt.metrics.trend("match_latency_ms", true)

options = {
  scenarios = {
    ramp = {
      executor = "ramping-arrival-rate",
      startRate = 17, timeUnit = "1s", -- ~1,000/min
      preAllocatedVUs = 150, maxVUs = 300,
      stages = {
        { duration = "2m", target = 17 }, -- t=0-2m: 1,000/min (1 shard)
        { duration = "2m", target = 42 }, -- t=2-4m: 2,500/min (2 shards)
        { duration = "2m", target = 84 }, -- t=4-6m: 5,000/min (3 shards)
        { duration = "4m", target = 84 }, -- t=6-10m: sustained 5,000/min
      },
    },
  },
  thresholds = {
    http_req_duration = { "p(99)<200" },
    match_latency_ms = { "p(99)<200" },
  },
}

function setup()
  seed.shard("a", cfg.SHARD_A_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
  seed.shard("b", cfg.SHARD_B_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
  seed.shard("c", cfg.SHARD_C_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
  lt.log("NOTE: all 3 ME shards must be running for the full ramp test.")
end

function default()
  local order, kind = orders.next(orders.random_symbol(cfg.ALL_SYMBOLS))
  submit.order(cfg.GATEWAY_URL, order, kind, { latency = match_latency })
end
