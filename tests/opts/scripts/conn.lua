-- ITERS iterations on each of VUS VUs, REQS GETs of URL each; the connection options from the
-- environment (UA, with UA_SET so "" can be told from unset; NCR, NVCR), and a request's own
-- User-Agent header from REQ_UA.
local opts = {
  scenarios = { s = { executor = "per-vu-iterations", vus = tonumber(lt.env.VUS or 1),
                      iterations = tonumber(lt.env.ITERS or 2) } },
}
if lt.env.UA_SET then opts.userAgent = lt.env.UA or "" end
if lt.env.NCR then opts.noConnectionReuse = lt.env.NCR == "true" end
if lt.env.NVCR then opts.noVUConnectionReuse = lt.env.NVCR == "true" end
options = opts

function default()
  local params = lt.env.REQ_UA and { headers = { ["User-Agent"] = lt.env.REQ_UA } } or nil
  for _ = 1, tonumber(lt.env.REQS or 3) do
    local r = lt.http.get(lt.env.URL, params)
    lt.check(r, { ["status is 200"] = function(x) return x.status == 200 end })
  end
end
