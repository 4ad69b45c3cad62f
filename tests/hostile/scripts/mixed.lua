-- Healthy VUs (lt.env.HEALTHY, a real server) next to VUs hitting every hostile behaviour of
-- lt.env.HOSTILE in the same run: the healthy ones must not notice.
local E = lt.env
options = {
  scenarios = {
    healthy = { executor = "constant-vus", vus = 2, duration = "3s", gracefulStop = "1s", exec = "healthy" },
    hostile = { executor = "constant-vus", vus = 6, duration = "3s", gracefulStop = "1s", exec = "hostile" },
  },
}
local paths = { "/bad-status", "/no-header-end", "/huge-header", "/cl-short-close", "/cl-short-hang",
  "/cl-conflict", "/chunk-bad-size", "/chunk-no-terminator-hang", "/never-ends", "/drip",
  "/drip-status", "/reset-mid", "/reset-before", "/close-before", "/garbage-after", "/http10",
  "/hang", "/huge-length" }

function healthy()
  local r = lt.http.get(E.HEALTHY, { timeout = "2s" })
  lt.sleep(0.01)
end

function hostile()
  local i = (lt.vu.id * 7 + lt.vu.iteration) % #paths + 1
  lt.http.get(E.HOSTILE .. paths[i] .. "?t=mixed", { timeout = "1s", responseType = "none" })
end
