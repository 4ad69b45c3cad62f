-- Test case A1: warm-up and baseline (ASR 1). Results are discarded; no thresholds.
-- lt -s lua/a1_warmup.lua -e ME_SHARD_A_URL=http://localhost:8080
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"

options = {
  scenarios = {
    warmup = {
      executor = "constant-arrival-rate",
      rate = 500, timeUnit = "1m", -- 500 orders/min
      duration = "2m",
      preAllocatedVUs = 20, maxVUs = 50,
    },
  },
  thresholds = {}, -- no thresholds for warm-up: discard results
}

function setup()
  -- 500 resting sell orders per symbol across 50 price levels
  seed.direct(cfg.SHARD_A_SYMBOLS, 500, 50, cfg.ME_SHARD_A_URL)
end

function default()
  submit.order(cfg.ME_SHARD_A_URL, orders.next(orders.random_shard_a_symbol()))
end
