-- Runs for tests/scenarios/executors_test.sh: k6's executor test cases (grafana/k6
-- lib/executor/*_test.go) as lt scenarios. No traffic: each iteration sleeps SLEEP seconds
-- (an iteration that outlives its scenario is interrupted, where k6's test iteration would
-- wait for its context to end). CASE picks the scenario.
local E = lt.env
local sleep = tonumber(E.SLEEP or "0")
local cases = {
  -- k6: TestPerVuIterationsEmitDroppedIterations
  per_vu_dropped = { executor = "per-vu-iterations", vus = 5, iterations = 20, maxDuration = "1s",
                     gracefulStop = "0s" },
  -- k6: TestSharedIterationsEmitDroppedIterations
  shared_dropped = { executor = "shared-iterations", vus = 5, iterations = 100, maxDuration = "1s",
                     gracefulStop = "0s" },
  -- k6: TestPerVUIterationsRunVariableVU (one VU sleeps SLEEP, the others none)
  per_vu_variable = { executor = "per-vu-iterations", vus = 10, iterations = 100, maxDuration = "3s",
                      gracefulStop = "1s" },
  -- k6: TestConstantVUsRun
  constant_vus = { executor = "constant-vus", vus = 10, duration = "1s", gracefulStop = "100ms" },
  -- k6: TestRampingVUsRampDownNoWobble's shape: 4 -> 0 over 4 s, VU n stops at n s
  ramp_down = { executor = "ramping-vus", startVUs = 4, gracefulRampDown = "1s", gracefulStop = "1s",
                stages = { { duration = "4s", target = 0 } } },
  -- no tick: 0 -> 8 over 40 ms, VU 1 is due at 5 ms (lt's 10 ms tick started it at 10 ms)
  ramp_exact = { executor = "ramping-vus", startVUs = 0, gracefulRampDown = "0s", gracefulStop = "0s",
                 stages = { { duration = "40ms", target = 8 }, { duration = "200ms", target = 8 } } },
  -- gracefulRampDown after the stages' end: ramped down at 0.5 s, interrupted at 0.8 s
  ramp_down_after_end = { executor = "ramping-vus", startVUs = 1, gracefulRampDown = "300ms",
                          gracefulStop = "2s",
                          stages = { { duration = "500ms", target = 1 }, { duration = "0s", target = 0 } } },
  -- k6: TestConstantArrivalRateDroppedIterations
  car_dropped = { executor = "constant-arrival-rate", rate = 10, timeUnit = "1s", duration = "950ms",
                  preAllocatedVUs = 5, maxVUs = 5, gracefulStop = "0s" },
  -- k6's arrival-rate Run: a start with no idle VU is dropped and a VU added for later ones
  car_grow = { executor = "constant-arrival-rate", rate = 10, timeUnit = "1s", duration = "1s",
               preAllocatedVUs = 1, maxVUs = 2, gracefulStop = "0s" },
  -- k6: TestRampingArrivalRateRunCorrectRateWithSlowRate — 0 -> 10/s over 2 s, 1 VU, maxVUs 3;
  -- the first iteration is slow
  rar_slow = { executor = "ramping-arrival-rate", startRate = 0, timeUnit = "1s", preAllocatedVUs = 1,
               maxVUs = 3, stages = { { duration = "2s", target = 10 } } },
  -- k6's constant-arrival-rate runs to its duration, past its last start (1.5 s)
  car_end = { executor = "constant-arrival-rate", rate = 2, timeUnit = "1s", duration = "1.9s",
              preAllocatedVUs = 1, maxVUs = 1 },
}
options = { scenarios = { [E.CASE] = cases[E.CASE] } }
local first_start = lt.metrics.trend("first_start_ms")
local started = false -- per Lua state, i.e. per worker thread
function default()
  if not started then
    started = true
    first_start:add(lt.time() * 1000)
  end
  -- per_vu_variable: only the VU whose id ends in 1 is slow (the 10 VUs have 10 consecutive ids);
  -- rar_slow: only the scenario's first iteration
  local slow = (E.CASE ~= "per_vu_variable" or lt.vu.id % 10 == 1) and
               (E.CASE ~= "rar_slow" or lt.scenario.iteration == 0)
  if sleep > 0 and slow then lt.sleep(sleep) end
end
