-- One batch of N (default 4) requests to BASE/slow-ok?t=T (0.5 s each); options.batch from BATCH.
options = { scenarios = { s = { executor = "per-vu-iterations", vus = 1, iterations = 1 } },
            batch = lt.env.BATCH and tonumber(lt.env.BATCH) or nil }
function default()
  local list = {}
  for i = 1, tonumber(lt.env.N or 4) do list[i] = lt.env.BASE .. "/slow-ok?t=" .. lt.env.T end
  local t0 = lt.time()
  local rs = lt.http.batch(list)
  local ok = 0
  for _, r in ipairs(rs) do ok = ok + (r.status == 200 and 1 or 0) end
  lt.log(string.format("limits elapsed=%.3f ok=%d", lt.time() - t0, ok))
end
