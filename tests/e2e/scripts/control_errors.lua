-- An error or an lt.abort() in setup(), teardown(), a scenario setup or a timeline action:
-- lt.env.WHERE names the function (setup, teardown, scenario_setup, timeline; init: the top level),
-- lt.env.WHAT what it does there (error, abort). Errors are 107, aborts 108, wherever they happen.
local E = lt.env
options = {
  scenarios = { s = { executor = "per-vu-iterations", vus = 1, iterations = 3,
                      setup = "scenario_setup" } },
  timeline = { { at = "0s", exec = "timeline_action" } },
}

local function act(where)
  if E.WHERE ~= where then return end
  if E.WHAT == "abort" then lt.abort("aborted in " .. where) end
  error("broke in " .. where .. " on purpose") -- line 14: the line the tests look for
end

function setup() act("setup"); return { ok = true } end
function scenario_setup() act("scenario_setup") end
function timeline_action() act("timeline") end
function default() lt.sleep(0.01) end
function teardown() act("teardown") end
act("init") -- the script's top level (WHERE=init)
