-- One VU requests lt.env.URL (comma-separated URLs are taken in turn) ITERS times and logs each
-- result as a line "RESULT {json}" on stderr, for the hostile-server suite to read.
local E = lt.env
options = {
  scenarios = { probe = { executor = "shared-iterations", vus = tonumber(E.VUS or "1"),
                          iterations = tonumber(E.ITERS or "1"), maxDuration = E.MAXDUR or "60s",
                          gracefulStop = E.GRACE or "30s" } },
  insecureSkipTLSVerify = E.INSECURE == "1",
  discardResponseBodies = E.DISCARD == "1",
}
local urls = {}
for u in string.gmatch(E.URL or "", "[^,]+") do urls[#urls + 1] = u end

function default()
  local params = {}
  if E.TIMEOUT then params.timeout = E.TIMEOUT end
  local n = #urls
  for k = 1, n do
    local t0 = lt.time()
    local res = lt.http.get(urls[k], params)
    local el = lt.time() - t0
    local r = { url = urls[k], status = res.status, error = res.error, code = res.error_code,
                elapsed = el, iter = lt.vu.iteration, vu = lt.vu.id }
    if res.body then
      r.len = #res.body
      if #res.body <= 64 then r.body = res.body end
    else
      r.len = -1
    end
    if res.headers and res.headers["X-Trailer"] then r.trailer = res.headers["X-Trailer"] end
    lt.log("RESULT " .. lt.json.encode(r))
    if E.SLEEP then lt.sleep(tonumber(E.SLEEP)) end
  end
end
