options = { scenarios = { s = { executor = "constant-vus", vus = 1, duration = "30s" } } }
function default()
  if lt.vu.iteration == 3 then lt.abort("enough") end
  lt.sleep(0.01)
end
