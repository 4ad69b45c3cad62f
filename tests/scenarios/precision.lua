-- A run for tests/scenarios/precision_test.sh: one constant-arrival-rate scenario of no-op
-- iterations; RATE (/s), DUR, PREC sets schedulePrecision (unset: the default).
local E = lt.env
options = {
  scenarios = {
    load = { executor = "constant-arrival-rate", rate = tonumber(E.RATE or "2000"),
             duration = E.DUR or "2s", preAllocatedVUs = 100, maxVUs = 100,
             schedulePrecision = E.PREC },
  },
}
function default() end
