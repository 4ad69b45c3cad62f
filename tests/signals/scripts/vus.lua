-- Many VUs for the memory tests: options.vus from lt.env.N, each iteration a short sleep.
options = { vus = tonumber(lt.env.N), duration = lt.env.DUR or "10s" }
function default() lt.sleep(0.1) end
