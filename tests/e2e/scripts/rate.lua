-- constant-arrival-rate at RATE/s for DUR against URL; thresholds from THRESHOLD (default passes)
-- (100 VUs preallocated: as in k6, a start that has to grow the pool is dropped, and the suite
-- asserts no drops even when a loaded machine or an ASan build slows every request)
options = {
  scenarios = { load = { executor = "constant-arrival-rate", rate = tonumber(lt.env.RATE or 2000),
                         timeUnit = "1s", duration = lt.env.DUR or "5s", preAllocatedVUs = 100, maxVUs = 200 } },
  thresholds = { http_req_duration = { lt.env.THRESHOLD or "p(99)<1000" }, http_req_failed = { "rate<0.01" } },
}
function default()
  local r = lt.http.get(lt.env.URL)
  lt.check(r, { ["status is 200"] = function(x) return x.status == 200 end })
end
