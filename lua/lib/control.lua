-- control.lua: actions on the system under test from setup / timeline / teardown code: reset a
-- book, pause or resume the event broker. Each is either a shell command given with
-- -e <NAME>_CMD=... (run with lt.exec, e.g. kubectl scale ... --replicas=0) or, by default, a POST
-- to mesim's admin endpoint. The outcome is a check, so it shows in the summary.
local M = {}

local function log(...)
  local l = rawget(_G, "lt")
  if l and l.log then l.log(...) else io.stderr:write(table.concat({ ... }, " "), "\n") end
end

-- action("PAUSE_CMD", url, "broker paused"): runs lt.env.PAUSE_CMD if set, else POSTs to url.
function M.action(cmd_var, url, what)
  local cmd = lt.env[cmd_var]
  local ok, detail
  if cmd and cmd ~= "" then
    local okx, code, out = lt.exec(cmd)
    ok = okx and true or false
    detail = string.format("`%s` exit %s %s", cmd, tostring(code), (out or ""):sub(1, 200))
  else
    local res = lt.http.post(url, "{}", { headers = { ["Content-Type"] = "application/json" },
                                          timeout = "30s", tags = { kind = "control" } })
    ok = res.status >= 200 and res.status < 300
    detail = string.format("POST %s -> %d %s", url, res.status, res.error or "")
  end
  lt.check(ok, { [what] = function(v) return v end })
  log(string.format("%s at t=%.1fs: %s (%s)", what, lt.time and lt.time() or 0,
    ok and "ok" or "FAILED", detail))
  return ok
end

-- Reads a Prometheus text exposition and returns the sum of the samples of `name` whose labels
-- contain every pair of `match` (nil when the endpoint cannot be read).
function M.metric(metrics_url, name, match)
  local res = lt.http.get(metrics_url, { timeout = "10s", tags = { kind = "control" } })
  if res.status ~= 200 or not res.body then return nil end
  local sum, seen = 0, false
  for line in res.body:gmatch("[^\n]+") do
    local n, labels, v = line:match("^([%w_:]+)(%b{})%s+(%S+)")
    if not n then n, v = line:match("^([%w_:]+)%s+(%S+)"); labels = "" end
    if n == name then
      local all = true
      for k, want in pairs(match or {}) do
        if not labels:find(k .. '="' .. want .. '"', 1, true) then all = false break end
      end
      if all then sum = sum + (tonumber(v) or 0); seen = true end
    end
  end
  return seen and sum or 0
end

return M
