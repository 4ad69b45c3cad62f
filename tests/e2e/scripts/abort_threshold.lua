options = {
  scenarios = { s = { executor = "constant-arrival-rate", rate = 50, timeUnit = "1s", duration = "30s", preAllocatedVUs = 5 } },
  thresholds = { http_req_duration = { { threshold = "max<0.0001", abortOnFail = true } } },
}
function default() lt.http.get(lt.env.URL) end
