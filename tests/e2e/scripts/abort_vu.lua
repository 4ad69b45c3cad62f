-- lt.abort() in the only iteration of the only VU: the run must end with 108, never 0, however
-- the abort and the end of the scenario race (the scenario ends as the iteration aborts).
options = { vus = 1, iterations = 1 }
function default() lt.abort("abort in the only iteration") end
