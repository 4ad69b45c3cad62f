-- Run assembly (tests/e2e/assembly_test.sh): setup(), the VUs and teardown() must all see the one
-- plan: discardResponseBodies, lt.time_scale and TLS options alike in each.
local http = require "lt.http"

options = {
  discardResponseBodies = lt.env.DISCARD == "1",
  insecureSkipTLSVerify = lt.env.INSECURE == "1",
  scenarios = { s = { executor = "per-vu-iterations", vus = 1, iterations = 1 } },
}

local function report(where)
  local res = http.get(lt.env.URL)
  lt.log(string.format("%s: status=%d body=%d time_scale=%g vu=%d", where, res.status,
                       res.body and #res.body or -1, lt.time_scale, lt.vu.id))
end

function setup() report("setup") end
function default() report("vu") end
function teardown() report("teardown") end
