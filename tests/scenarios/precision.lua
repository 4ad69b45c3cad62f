-- A run for tests/scenarios/precision_test.sh: one constant-arrival-rate scenario of no-op
-- iterations; RATE (/s), DUR, PREC sets schedulePrecision (unset: the default); RAMP=1 ramps
-- from 0 to RATE over DUR instead (ramping-arrival-rate).
local E = lt.env
local s = { preAllocatedVUs = 100, maxVUs = 100, schedulePrecision = E.PREC }
if E.RAMP == "1" then
  s.executor, s.startRate = "ramping-arrival-rate", 0
  s.stages = { { duration = E.DUR or "2s", target = tonumber(E.RATE or "2000") } }
else
  s.executor, s.rate, s.duration = "constant-arrival-rate", tonumber(E.RATE or "2000"), E.DUR or "2s"
end
options = { scenarios = { load = s } }
function default() end
