options = {
  scenarios = {
    fast = { executor = "shared-iterations", vus = 1, iterations = 20 },
    slow = { executor = "shared-iterations", vus = 1, iterations = 5, exec = "slow" },
  },
  thresholds = {
    ["http_req_duration{scenario:fast}"] = { "count==20" },
    ["http_req_duration{scenario:slow}"] = { "count==5", "p(50)<1000" },
    ["checks{check:always}"] = { "rate==1" },
    http_reqs = { "count==25" },
  },
}
function default() local r = lt.http.get(lt.env.URL) lt.check(r, { always = function() return true end }) end
function slow() lt.http.get(lt.env.URL) end
