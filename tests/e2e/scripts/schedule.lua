-- every executor, several scenarios with startTime; each iteration records when it started
local started = lt.metrics.trend("start_offset")
options = {
  scenarios = {
    car  = { executor = "constant-arrival-rate", rate = 50, timeUnit = "1s", duration = "2s",
             preAllocatedVUs = 5, maxVUs = 10 },
    rar  = { executor = "ramping-arrival-rate", startRate = 0, timeUnit = "1s", preAllocatedVUs = 5,
             maxVUs = 20, stages = { { duration = "2s", target = 100 } } },
    late = { executor = "constant-arrival-rate", rate = 20, timeUnit = "1s", duration = "1s",
             preAllocatedVUs = 2, startTime = "1.5s" },
    pvi  = { executor = "per-vu-iterations", vus = 3, iterations = 7 },
    shi  = { executor = "shared-iterations", vus = 4, iterations = 23, startTime = "0.5s" },
    cvu  = { executor = "constant-vus", vus = 2, duration = "1s", exec = "slow" },
    rvu  = { executor = "ramping-vus", startVUs = 0, exec = "slow",
             stages = { { duration = "1s", target = 4 }, { duration = "1s", target = 0 } } },
  },
}
function setup() return { token = "from-setup", n = 7 } end
function default(data)
  started:add(lt.time())
  lt.check(data, { ["setup data reached the VU"] = function(d) return d.token == "from-setup" and d.n == 7 end })
end
function slow(data)
  started:add(lt.time())
  lt.sleep(0.1)
end
