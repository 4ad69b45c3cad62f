-- Each iteration asks BASE/s/200, /s/409, /s/422 and /s/500. MODE picks the response callback:
-- default (none set), set (expectedStatuses(200, {min=400, max=422}) at the top level), none
-- (setResponseCallback(nil)), param (a request's own responseCallback for the 409), param_false
-- (responseCallback = false on the 409), vu (set inside the iteration, this VU only).
local http = require "lt.http"
local mode = lt.env.MODE or "default"
options = {
  scenarios = { s = { executor = "per-vu-iterations", vus = 1, iterations = tonumber(lt.env.ITERS or 5) } },
  thresholds = { http_req_failed = { lt.env.THRESHOLD or "rate<=1" } },
}
if mode == "set" then http.setResponseCallback(http.expectedStatuses(200, { min = 400, max = 422 })) end
if mode == "none" then http.setResponseCallback(nil) end
if mode == "bad_set" then http.setResponseCallback(function() return true end) end
if mode == "bad_args" then http.expectedStatuses("x") end
if mode == "no_args" then http.expectedStatuses() end
local only409 = http.expectedStatuses(409)

function default()
  if mode == "vu" then http.setResponseCallback(http.expectedStatuses({ min = 200, max = 599 })) end
  for _, st in ipairs({ 200, 409, 422, 500 }) do
    local params = { tags = { want = tostring(st) } }
    if st == 409 and mode == "param" then params.responseCallback = only409 end
    if st == 409 and mode == "param_false" then params.responseCallback = false end
    local r = http.get(lt.env.BASE .. "/s/" .. st, params)
    lt.check(r, { ["status as asked"] = function(x) return x.status == st end,
                  ["error_code is k6's (1000 + status from 400)"] = function(x)
                    return x.error_code == (st >= 400 and 1000 + st or 0) and x.error == ""
                  end })
  end
end
