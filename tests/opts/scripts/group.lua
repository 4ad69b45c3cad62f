-- lt.group: the group tag ("::a", "::a::b") on requests, checks and custom metrics inside a group,
-- none outside, group_duration per group; values returned; errors go through. MODE=top calls
-- lt.group at the top level, MODE=sep uses '::' in a name (both errors).
local http = require "lt.http"
local custom = lt.metrics.counter("in_group")
options = {
  scenarios = { s = { executor = "per-vu-iterations", vus = 1, iterations = 3 } },
  thresholds = { ["group_duration{group:::orders::submit}"] = { "min>=50" }, group_duration = { "count==13" } },
}
local mode = lt.env.MODE or "ok"
if mode == "top" then lt.group("x", function() end) end
local U = lt.env.BASE

function default()
  if mode == "sep" then lt.group("a::b", function() end) end
  lt.group("orders", function()
    local r = http.get(U .. "/s/200", { name = "outer" })
    lt.check(r, { ["outer ok"] = function(x) return x.status == 200 end })
    custom:add(1)
    lt.group("submit", function()
      http.get(U .. "/s/200", { name = "inner", tags = { k = "v" } })
      lt.sleep(0.05)
    end)
    http.get(U .. "/s/200", { name = "outer_after" })
  end)
  http.get(U .. "/s/200", { name = "outside" })
  local a, b = lt.group("ret", function() return 42, "x" end)
  lt.check(a, { ["group returns fn's values"] = function() return a == 42 and b == "x" end })
  local ok, err = pcall(lt.group, "err", function() error("boom") end)
  lt.check(err, { ["an error in fn goes through"] = function() return not ok and err:find("boom") ~= nil end })
  http.get(U .. "/s/200", { name = "after_error" })
  if lt.vu.iteration == 1 then
    lt.group("fails", function() error("iteration error inside a group") end)
  end
end
