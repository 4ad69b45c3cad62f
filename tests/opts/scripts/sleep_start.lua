-- lt.sleep lasts what it asks for also in the first iteration of a VU made at a scenario's start,
-- in the same loop pass as thousands of others: each iteration records how long its sleep took.
options = { scenarios = { s = { executor = "constant-vus", vus = tonumber(lt.env.VUS or 2000), duration = "300ms" } } }
local slept = lt.metrics.trend("slept_ms", true)
function default()
  local t0 = lt.time()
  lt.sleep(0.05)
  slept:add((lt.time() - t0) * 1000)
end
