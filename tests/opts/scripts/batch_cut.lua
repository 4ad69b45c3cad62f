-- A batch in flight when its scenario's time is up (gracefulStop 0s): the iteration is
-- interrupted, its requests cancelled; then a batch in teardown still works.
local http = require "lt.http"
options = { scenarios = { s = { executor = "constant-vus", vus = 2, duration = "300ms", gracefulStop = "0s" } } }
function default()
  http.batch({ lt.env.BASE .. "/slow-ok?t=cut", lt.env.BASE .. "/slow-ok?t=cut", lt.env.BASE .. "/ok?t=cut" })
end
function teardown()
  local rs = http.batch({ lt.env.BASE .. "/ok?t=td", lt.env.BASE .. "/ok?t=td" })
  lt.log("teardown batch " .. rs[1].status .. " " .. rs[2].status)
end
