-- CPU-bound Lua for the stop tests: the VU (or setup/teardown) spins without ever yielding.
-- BUSY_IN = default | setup | teardown; LOOP = jit (a loop LuaJIT compiles: hooks never run in it)
-- | interp (the same loop with the JIT off, where a count hook is enough) | pcall (the spin inside
-- pcall, so an interruption raised as a Lua error is caught and must be raised again).
local E = lt.env
local loop = E.LOOP or "jit"
if loop == "interp" then jit.off() end
options = {
  scenarios = { s = { executor = "constant-vus", vus = tonumber(E.VUS or "1"), duration = E.DUR or "30s",
                      gracefulStop = E.GRACE or "0s" } },
  setupTimeout = E.SETUP_TIMEOUT or "60s",
  teardownTimeout = E.TEARDOWN_TIMEOUT or "60s",
}

local function spin(where)
  lt.log("BUSY " .. where)
  if loop == "pcall" then
    while true do pcall(function() local x = 0 while true do x = x + 1 end end) end
  end
  local x = 0
  while true do x = x + 1 end
end

function setup()
  if E.BUSY_IN == "setup" then spin("setup") end
  return {}
end

function default()
  if (E.BUSY_IN or "default") == "default" then spin("default") end
  lt.sleep(0.01)
end

function teardown()
  lt.log("TEARDOWN RAN")
  if E.BUSY_IN == "teardown" then spin("teardown") end
end
