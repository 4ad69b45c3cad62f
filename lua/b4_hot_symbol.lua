-- Test case B4: hot symbol (ASR 2). 84 orders/s through the gateway for 5 min; TEST-ASSET-A gets
-- 80% of the orders, the other 11 symbols share the rest (so shard a gets 80% + 20% * 3/11 = 85.5%).
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"

local match_latency = lt.metrics.trend("match_latency_ms", true)

local HOT_SYMBOL = "TEST-ASSET-A"
local HOT_SHARE = 0.8

options = {
  scenarios = {
    hot_symbol = {
      executor = "constant-arrival-rate",
      rate = 84, timeUnit = "1s", -- ~5,000/min total
      duration = "5m",
      preAllocatedVUs = 100, maxVUs = 200,
    },
  },
  thresholds = {
    http_req_duration = { "p(99)<200" },
    match_latency_ms = { "p(99)<200" },
  },
}

function setup()
  -- extra depth on shard a for the hot symbol
  seed.shard("a", cfg.SHARD_A_SYMBOLS, 2000, 100, cfg.GATEWAY_URL)
  seed.shard("b", cfg.SHARD_B_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
  seed.shard("c", cfg.SHARD_C_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
end

function default()
  local symbol = orders.hot_or_other(HOT_SYMBOL, HOT_SHARE, cfg.ALL_SYMBOLS)
  local order, kind = orders.next(symbol)
  submit.order(cfg.GATEWAY_URL, order, kind, { latency = match_latency })
end
