options = { scenarios = { s = { executor = "shared-iterations", vus = 2, iterations = 50 } } }
function default()
  local r = lt.http.get(lt.env.URL)
  lt.check(r, { ["https status is 200"] = function(x) return x.status == 200 end })
end
