-- a Lua error in some iterations, and requests to a port where nothing listens
options = { scenarios = { s = { executor = "shared-iterations", vus = 2, iterations = 20 } } }
function default()
  if lt.scenario.iteration % 2 == 0 then error("boom on purpose") end
  local r = lt.http.get(lt.env.DEAD_URL, { timeout = "2s" })
  lt.check(r, { ["refused is reported"] = function(x) return x.status == 0 and x.error ~= "" end })
end
