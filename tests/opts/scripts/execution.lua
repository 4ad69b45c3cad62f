-- k6/execution's fields under lt's names: lt.vu, lt.scenario, lt.instance. No traffic: each
-- iteration checks what it reads and records it in trends the suite reads from the summary;
-- teardown logs the instance's totals.
options = {
  scenarios = {
    shared = { executor = "shared-iterations", vus = 2, iterations = 6 },
    timed = { executor = "constant-vus", vus = 1, duration = "600ms", exec = "timed" },
    cut = { executor = "constant-vus", vus = 1, duration = "200ms", gracefulStop = "0s", exec = "cut" },
  },
}
local iit = lt.metrics.trend("iteration_in_test")
local progress = lt.metrics.trend("progress")
local t0_top = lt.vu.idInTest -- the top level: no VU

local function common()
  local now_ms = os.time() * 1000 -- whole seconds, from a coarse clock: hence the 2 s of slack
  lt.check(lt.vu, {
    ["idInTest and idInInstance are lt.vu.id"] = function(v) return v.idInTest == v.id and v.idInInstance == v.id end,
    ["iterationInInstance and iterationInScenario are lt.vu.iteration"] = function(v)
      return v.iterationInInstance == v.iteration and v.iterationInScenario == v.iteration_in_scenario
    end,
  })
  lt.check(lt.scenario, {
    ["iterationInTest and iterationInInstance are lt.scenario.iteration"] = function(s)
      return s.iterationInTest == s.iteration and s.iterationInInstance == s.iteration
    end,
    ["startTime is a unix ms timestamp of the last minute"] = function(s)
      return s.startTime <= now_ms + 2000 and s.startTime > now_ms - 60000
    end,
    ["progress is within [0, 1]"] = function(s) return s.progress >= 0 and s.progress <= 1 end,
    ["executor and name"] = function(s) return type(s.executor) == "string" and type(s.name) == "string" end,
  })
  lt.check(lt.instance, {
    ["vusActive >= 1 inside an iteration"] = function(i) return i.vusActive >= 1 end,
    ["vusInitialized >= vusActive"] = function(i) return i.vusInitialized >= i.vusActive end,
    ["currentTestRunDuration > 0 ms"] = function(i) return i.currentTestRunDuration > 0 end,
  })
  lt.check(t0_top, { ["top level: lt.vu.idInTest is 0"] = function(x) return x == 0 end })
  lt.check(lt.test, {
    ["lt.test.options are the resolved options"] = function(t)
      return t.options.scenarios.shared.executor == "shared-iterations" and t.options.scenarios.timed.vus == 1
        and t.options.scenarios.cut.gracefulStop == "0s"
    end,
    ["lt.test.abort is lt.abort"] = function(t) return t.abort == lt.abort end,
  })
end

function default()
  common()
  iit:add(lt.scenario.iterationInTest, { scenario_seen = lt.scenario.name })
  progress:add(lt.scenario.progress, { scenario_seen = "shared" })
  lt.sleep(0.02)
end

function timed()
  common()
  progress:add(lt.scenario.progress, { scenario_seen = "timed" })
  local d0 = lt.instance.currentTestRunDuration
  lt.sleep(0.1)
  lt.check(lt.instance.currentTestRunDuration - d0, { ["currentTestRunDuration grows with time (ms)"] = function(x) return x >= 99 end })
end

function cut()
  lt.sleep(5) -- interrupted at 200 ms (gracefulStop 0s)
end

function teardown()
  lt.log(string.format("instance completed=%d interrupted=%d", lt.instance.iterationsCompleted,
                       lt.instance.iterationsInterrupted))
end
