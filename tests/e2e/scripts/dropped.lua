-- 20 iterations/s for 2 s, each taking 0.5 s, but at most 2 VUs: most starts must be dropped
options = { scenarios = { s = { executor = "constant-arrival-rate", rate = 20, timeUnit = "1s",
            duration = "2s", preAllocatedVUs = 1, maxVUs = 2 } } }
function default() lt.sleep(0.5) end
