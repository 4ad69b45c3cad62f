-- flow_probe.lua: drives the library's order flow (ORDER_FLOW=spec|balanced) at full speed so
-- tests/scenarios/flow_test.sh can watch what minutes of A2 do to shard a's book in seconds.
-- -e ITERATIONS=N -e VUS=N -e SEED=0 (skip seeding) -e ME_SHARD_A_URL=...
local dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
if dir then package.path = dir .. "/../../lua/?.lua;" .. package.path end
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"

local match_count = lt.metrics.counter("match_count")

options = {
  scenarios = {
    probe = { executor = "shared-iterations", vus = tonumber(lt.env.VUS or "10"),
              iterations = tonumber(lt.env.ITERATIONS or "1000"), maxDuration = "60s" },
  },
}

function setup()
  if lt.env.SEED ~= "0" then seed.direct(cfg.SHARD_A_SYMBOLS, 500, 50, cfg.ME_SHARD_A_URL) end
end

function default()
  local order, kind = orders.next(orders.random_shard_a_symbol())
  submit.order(cfg.ME_SHARD_A_URL, order, kind, { match_count = match_count })
end
