-- A run for tests/scenarios/saturation_test.sh: one arrival-rate scenario shaped by lt.env.
-- RATE (per UNIT, default 1s), DUR; RAMP=1 ramps from 0 to RATE over DUR instead; VUS; QUEUE=1
-- sets queueWhenBusy; URL: each iteration POSTs an order there, else it does nothing; STALL_AT
-- (a duration): the target at URL (a mesim shard) stalls for 500 ms from then on.
local E = lt.env
local vus = tonumber(E.VUS or "4")
local s = { timeUnit = E.UNIT or "1s", preAllocatedVUs = vus, maxVUs = vus,
            gracefulStop = E.GRACE or "1s", queueWhenBusy = E.QUEUE == "1" }
if E.RAMP == "1" then
  s.executor = "ramping-arrival-rate"
  s.startRate = 0
  s.stages = { { duration = E.DUR or "1s", target = tonumber(E.RATE) } }
else
  s.executor = "constant-arrival-rate"
  s.rate = tonumber(E.RATE)
  s.duration = E.DUR or "1s"
end
options = { scenarios = { load = s } }
if E.STALL_AT then
  -- the target stalls: for 500 ms every /orders reply waits 500 ms
  options.scenarios.stall = { executor = "per-vu-iterations", vus = 1, iterations = 1,
                              startTime = E.STALL_AT, exec = "stall" }
end

local function set_delay(ms)
  lt.http.post(E.URL .. "/admin/delay", string.format('{"ms":%d}', ms),
    { headers = { ["Content-Type"] = "application/json" }, tags = { name = "admin" } })
end

function stall()
  set_delay(500)
  lt.sleep(0.5)
  set_delay(0)
end

function setup() lt.log("SETUP DONE") end

local n = 0
function default()
  if not E.URL then return end
  n = n + 1
  lt.http.post(E.URL .. "/orders",
    string.format('{"orderId":"sat-%s-%d-%d","symbol":"AAPL","side":"BUY","type":"LIMIT","price":1,"quantity":1}',
      E.TAG or "x", lt.vu.id or 0, n),
    { headers = { ["Content-Type"] = "application/json" } })
end
