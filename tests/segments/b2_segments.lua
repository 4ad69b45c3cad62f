-- b2_segments.lua: a short B2-like test for tests/segments: a constant arrival rate of orders
-- through the gateway, each order's symbol picked by its index in the whole test's schedule
-- (lt.scenario.iteration_in_test), so the per-shard split is the same however the test is split
-- into execution segments; plus a shared-iterations and a constant-vus scenario whose shares must
-- add up too.
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local submit = require "lib.submit"

local RATE = tonumber(lt.env.RATE or "60")
local shared_seen = lt.metrics.counter("shared_iteration_in_test")

options = {
  -- p(99) in the summary, and a per-shard sub-metric of it (segments_test compares the merged
  -- p(99) with the raw samples' and the single run's); the bound is never crossed on loopback
  summaryTrendStats = { "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)" },
  thresholds = { ["http_req_duration{shard:a}"] = { "p(99)<60000" } },
  scenarios = {
    peak = {
      executor = "constant-arrival-rate", exec = "order",
      rate = RATE, timeUnit = "1s", duration = lt.env.DURATION or "4s",
      preAllocatedVUs = 60, maxVUs = 60,
    },
    shared = { executor = "shared-iterations", exec = "shared", vus = 5, iterations = 50 },
    rising = {
      executor = "ramping-arrival-rate", exec = "tick", startRate = 0, timeUnit = "1s",
      preAllocatedVUs = 30, maxVUs = 30,
      stages = { { duration = "1s", target = 40 }, { duration = "1s", target = 0 } }, -- 40 starts
    },
    steady = { executor = "constant-vus", exec = "idle", vus = 10, duration = "1s" },
  },
}

function order()
  local symbol = cfg.ALL_SYMBOLS[lt.scenario.iteration_in_test % #cfg.ALL_SYMBOLS + 1]
  local o, kind = orders.next(symbol)
  submit.order(cfg.GATEWAY_URL, o, kind, {})
end

function tick() end

-- which of the whole test's 50 iterations this is: unique over the segments
function shared()
  assert(lt.scenario.iterationInTest == lt.scenario.iteration_in_test, "k6's name, the same number")
  shared_seen:add(1, { i = tostring(lt.scenario.iteration_in_test) })
end

function idle() lt.sleep(0.25) end
