-- Soak: A2's order flow at a moderate rate for SOAK_DURATION, against mesim's gateway.
local orders = require "lib.orders"
local cfg = require "lib.config"
local latency = lt.metrics.trend("match_latency_ms", true)
options = {
  scenarios = { soak = { executor = "constant-arrival-rate", rate = tonumber(lt.env.SOAK_RATE or 200),
                         timeUnit = "1s", duration = lt.env.SOAK_DURATION or "40s",
                         preAllocatedVUs = 20, maxVUs = 100 } },
  thresholds = { http_req_failed = { "rate<0.01" } },
}
function default()
  local order = orders.mixed(orders.random_symbol(cfg.ALL_SYMBOLS))
  local res = lt.http.post(cfg.GATEWAY_URL .. "/orders", lt.json.encode(order),
    { headers = { ["Content-Type"] = "application/json" }, tags = { symbol = order.symbol } })
  lt.check(res, { ["status is 200"] = function(r) return r.status == 200 end })
  latency:add(res.timings.duration)
end
-- SOAK_LEAK_BYTES > 0 keeps that many bytes per iteration for good: a deliberate leak that shows
-- the soak's bound can fail: LT_SOAK_LEAK_BYTES=256 bash tests/soak/soak_test.sh measured 613
-- B/request (the string, its table slot and the garbage collector's slack) and fails.
local leak_bytes, kept = tonumber(lt.env.SOAK_LEAK_BYTES or 0), {}
if leak_bytes > 0 then
  local run = default
  default = function()
    run()
    kept[#kept + 1] = string.rep("x", leak_bytes - 8) .. string.format("%08d", #kept)
  end
end
