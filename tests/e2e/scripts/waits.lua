-- Iterations interrupted while they wait (tests/e2e/cancel_test.sh): in lt.sleep and in a request
-- to lt.env.HANG, a server that never answers. gracefulStop ends the constant-vus ones at the end
-- of the run; the ramping-vus ones are interrupted by a ramp down (gracefulRampDown 0s) and their
-- VU runs again after the ramp up: what the interrupted wait armed must be gone by then (a stale
-- sleep timer would resume the VU in its next wait, a stale request would refuse the next one).
local ramp = { { duration = "0.3s", target = 1 }, { duration = "0.05s", target = 0 },
               { duration = "0.25s", target = 0 }, { duration = "0.05s", target = 1 },
               { duration = "0.6s", target = 1 } }
options = {
  scenarios = {
    sleeper = { executor = "constant-vus", vus = 2, duration = "0.5s", gracefulStop = "0.2s", exec = "sleeper" },
    waiter = { executor = "constant-vus", vus = 2, duration = "0.5s", gracefulStop = "0.2s", exec = "waiter" },
    ramp_sleeper = { executor = "ramping-vus", startVUs = 1, stages = ramp, gracefulRampDown = "0s",
                     gracefulStop = "0.2s", exec = "ramp_sleeper" },
    ramp_waiter = { executor = "ramping-vus", startVUs = 1, stages = ramp, gracefulRampDown = "0s",
                    gracefulStop = "0.2s", exec = "ramp_waiter" },
  },
}
local http = lt.http

function sleeper() lt.sleep(30); lt.log("resumed after the stop: sleep") end
function waiter() http.get(lt.env.HANG, { timeout = "30s" }); lt.log("resumed after the stop: request") end

function ramp_sleeper()
  if lt.vu.iteration == 0 then
    lt.sleep(0.8) -- interrupted by the ramp down at ~0.3 s
    lt.log("resumed after the stop: ramp sleep")
  elseif lt.vu.iteration == 1 then -- from ~0.65 s to ~1.05 s, across the first sleep's 0.8 s
    local r = http.get(lt.env.HANG, { timeout = "0.4s" })
    if r == nil then lt.log("spurious resume: a cancelled sleep woke the next wait") end
  else
    lt.sleep(0.05)
  end
end

function ramp_waiter()
  if lt.vu.iteration == 0 then
    http.get(lt.env.HANG, { timeout = "30s" }) -- interrupted by the ramp down at ~0.3 s
    lt.log("resumed after the stop: ramp request")
  else
    http.get(lt.env.HANG, { timeout = "0.1s" }) -- fails if the first request were still in flight
    lt.sleep(0.05)
  end
end
