-- Test case A3: order-book depth variation (ASR 1). One invocation, three clean books: each
-- scenario's setup resets shard A (POST /admin/reset, or -e RESET_CMD=...) and seeds its depth,
-- then runs 17 orders/s for 3 min. Latencies per depth are the {scenario:...} sub-metrics.
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"
local control = require "lib.control"

local match_latency = lt.metrics.trend("match_latency_ms", true)

local function depth(start_time, label, setup_fn)
  return {
    executor = "constant-arrival-rate",
    rate = 17, timeUnit = "1s",
    duration = "3m",
    preAllocatedVUs = 30, maxVUs = 60,
    startTime = start_time,
    env = { DEPTH_LABEL = label },
    setup = setup_fn, -- lt: runs at startTime, before the first iteration
  }
end

options = {
  scenarios = {
    shallow = depth("0s", "shallow", "seed_shallow"), -- 100 resting orders, 10 price levels
    medium = depth("3m30s", "medium", "seed_medium"), -- 1,000 resting orders, 100 price levels
    deep = depth("7m", "deep", "seed_deep"),          -- 10,000 resting orders, 500 price levels
  },
  thresholds = {
    http_req_duration = { "p(99)<200" },
    match_latency_ms = { "p(99)<200" },
    -- one sub-metric per depth, so each appears in the summary
    ["http_req_duration{scenario:shallow}"] = { "p(99)<200" },
    ["http_req_duration{scenario:medium}"] = { "p(99)<200" },
    ["http_req_duration{scenario:deep}"] = { "p(99)<200" },
    ["match_latency_ms{scenario:shallow}"] = { "p(99)<200" },
    ["match_latency_ms{scenario:medium}"] = { "p(99)<200" },
    ["match_latency_ms{scenario:deep}"] = { "p(99)<200" },
  },
}

local function clean_book(orders_per_symbol, price_levels)
  control.action("RESET_CMD", cfg.ME_SHARD_A_URL .. "/admin/reset", "book reset")
  seed.direct(cfg.SHARD_A_SYMBOLS, orders_per_symbol, price_levels, cfg.ME_SHARD_A_URL)
end

function seed_shallow() clean_book(100, 10) end
function seed_medium() clean_book(1000, 100) end
function seed_deep() clean_book(10000, 500) end

function default()
  local order, kind = orders.next(orders.random_shard_a_symbol())
  submit.order(cfg.ME_SHARD_A_URL, order, kind, { latency = match_latency })
end
