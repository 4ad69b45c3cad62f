-- A run for the signal tests: VUs GET lt.env.URL in a loop and log around each iteration;
-- optional setup/teardown requests (SETUP_URL, TEARDOWN_URL) and errors (SETUP_ERROR, TEARDOWN_ERROR).
local E = lt.env
options = {
  scenarios = { s = { executor = "constant-vus", vus = tonumber(E.VUS or "2"), duration = E.DUR or "30s",
                      gracefulStop = E.GRACE or "5s" } },
}

function setup()
  if E.SHOW_ULIMIT then
    local ok, code, out = lt.exec("ulimit -Sn")
    lt.log("ULIMIT " .. tostring(out):gsub("%s+$", ""))
  end
  if E.SETUP_URL then lt.http.get(E.SETUP_URL, { timeout = "30s" }) end
  if E.SETUP_ERROR then
    local t = nil
    return t.field -- line 17: the error the test looks for
  end
  return { ok = true }
end

function default()
  lt.log("ITER START")
  local r = lt.http.get(E.URL, { timeout = E.TIMEOUT or "60s" })
  lt.log("ITER DONE " .. r.status)
end

function teardown()
  lt.log("TEARDOWN RAN")
  if E.TEARDOWN_URL then lt.http.get(E.TEARDOWN_URL, { timeout = "30s" }) end
  if E.TEARDOWN_ERROR then
    error("teardown broke on purpose") -- line 32
  end
end
