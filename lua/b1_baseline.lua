-- Test case B1: single-shard baseline (ASR 2). 17 orders/s on shard A's symbols for 3 min.
-- The spec's script targets ME_SHARD_A_URL (seeding with POST /seed); -e VIA=gateway sends the
-- same traffic through GATEWAY_URL instead (seeding with POST /seed/a), as scenarios/asr2 does.
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"

local match_latency = lt.metrics.trend("match_latency_ms", true)
local VIA_GATEWAY = lt.env.VIA == "gateway"
local TARGET = VIA_GATEWAY and cfg.GATEWAY_URL or cfg.ME_SHARD_A_URL

options = {
  scenarios = {
    baseline = {
      executor = "constant-arrival-rate",
      rate = 17, timeUnit = "1s",
      duration = "3m",
      preAllocatedVUs = 30, maxVUs = 60,
    },
  },
  thresholds = {
    http_req_duration = { "p(99)<200" },
    match_latency_ms = { "p(99)<200" },
  },
}

function setup()
  if VIA_GATEWAY then
    seed.shard("a", cfg.SHARD_A_SYMBOLS, 500, 50, cfg.GATEWAY_URL)
  else
    seed.direct(cfg.SHARD_A_SYMBOLS, 500, 50, cfg.ME_SHARD_A_URL)
  end
end

function default()
  local order, kind = orders.next(orders.random_shard_a_symbol())
  submit.order(TARGET, order, kind, { latency = match_latency })
end
