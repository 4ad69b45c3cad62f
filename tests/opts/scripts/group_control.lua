-- setup() and teardown() samples carry k6's group tags, "::setup" and "::teardown", and no
-- scenario tag (k6's TestRealTimeAndSetupTeardownMetrics); the iterations' samples carry neither.
local http = require "lt.http"
local place = lt.metrics.counter("place")
local U = lt.env.BASE

options = {
  vus = 1, iterations = 1,
  -- k6's TestAbortedByUserWithGoodThresholds selects teardown's samples the same way
  thresholds = {
    ["place{group:::setup}"] = { "count==1" },
    ["place{group:::teardown}"] = { "count==1" },
    ["http_reqs{group:::setup::inner}"] = { "count==1" },
  },
}

function setup()
  place:add(1, { place = "setup" })
  local r = http.get(U .. "/", { name = "in_setup" })
  lt.check(r, { ["setup ok"] = function(x) return x.status == 200 end })
  lt.group("inner", function() http.get(U .. "/", { name = "in_setup_group" }) end)
  return {}
end

function default()
  place:add(1, { place = "default" })
  http.get(U .. "/", { name = "in_default" })
end

function teardown()
  place:add(1, { place = "teardown" })
  http.get(U .. "/", { name = "in_teardown" })
end
