-- VUS VUs send ITERS requests in all (shared-iterations) with METHOD to URL as fast as the server
-- answers; POST and PUT carry a small body. IDEMPOTENCY_KEY=1 adds an Idempotency-Key header.
local E = lt.env
options = {
  scenarios = { replay = { executor = "shared-iterations", vus = tonumber(E.VUS or "4"),
                           iterations = tonumber(E.ITERS or "400"), maxDuration = "60s" } },
}
local method = E.METHOD or "POST"
local has_body = method == "POST" or method == "PUT" or method == "PATCH"

function default()
  local headers = {}
  if E.IDEMPOTENCY_KEY == "1" then
    headers["Idempotency-Key"] = lt.vu.id .. "-" .. lt.vu.iteration
  end
  local body = has_body and ('{"order":' .. lt.vu.id .. lt.vu.iteration .. '}') or nil
  lt.http.request(method, E.URL, body, { timeout = "5s", headers = headers })
end
