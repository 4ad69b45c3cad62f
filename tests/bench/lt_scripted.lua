-- P2 scripted: A2's order generator (lua/lib/orders.lua) and submit path (lua/lib/submit.lua):
-- a new JSON POST per request with tags, a status check and a trend add, closed model.
local lt = require "lt"
local orders = require "lib.orders"
local submit = require "lib.submit"

local match_latency = lt.metrics.trend("match_latency_ms", true)
local base = lt.env.BENCH_URL

options = {
  scenarios = {
    scripted = { executor = "constant-vus", vus = tonumber(lt.env.BENCH_CONNS), duration = lt.env.BENCH_DURATION },
  },
}

function default()
  local order, kind = orders.next(orders.random_shard_a_symbol(), "spec")
  submit.order(base, order, kind, { latency = match_latency })
end
