options = { scenarios = { s = { executor = "per-vu-iterations", vus = 3, iterations = 4 } } }
function default()
  lt.log(string.format("vu=%d it=%d r=%.17g i=%d", lt.vu.id, lt.vu.iteration, lt.random(), lt.random_int(1, 1000000)))
end
