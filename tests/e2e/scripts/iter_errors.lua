-- Iteration errors of six kinds, each as often as its count below (31 in all, over 2 scenarios):
--   often A 15, B (index nil) 6, long 4, C 3, invalid UTF-8 2, D 1.
-- "long" is longer than the summary keeps, in 2-byte characters; "bad" has an invalid byte.
-- NO_ERRORS=1: the same iterations raise nothing. THRESHOLD / SUB_THRESHOLD: thresholds on
-- iteration_errors and iteration_errors{scenario:rare}.
local E = lt.env
options = {
  scenarios = {
    often = { executor = "shared-iterations", vus = 2, iterations = 30 },
    rare = { executor = "per-vu-iterations", vus = 1, iterations = 7, exec = "rare" },
  },
  thresholds = {},
}
if E.THRESHOLD then options.thresholds.iteration_errors = { E.THRESHOLD } end
if E.SUB_THRESHOLD then options.thresholds["iteration_errors{scenario:rare}"] = { E.SUB_THRESHOLD } end

function default()
  if E.NO_ERRORS then return end
  local k = lt.scenario.iteration % 10
  if k <= 4 then error("often A") end
  if k <= 6 then local t = nil; return t.field end
  if k == 7 then error("C") end
end

function rare()
  if E.NO_ERRORS then return end
  local i = lt.scenario.iteration
  if i <= 3 then error("long " .. string.rep("\xc3\xa9", 400)) end
  if i <= 5 then error("bad \xff byte") end
  error("D")
end
