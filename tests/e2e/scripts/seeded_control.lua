-- seeded.lua with control calls (tests/e2e/assembly_test.sh): an empty setup(), a scenario setup
-- and a timeline action must not change any VU's id or random stream.
options = {
  scenarios = { s = { executor = "per-vu-iterations", vus = 3, iterations = 4,
                      setup = lt.env.CONTROL == "1" and "scenario_setup" or nil } },
  timeline = lt.env.CONTROL == "1" and { { at = "0s", exec = "action" } } or nil,
}
if lt.env.CONTROL == "1" then
  function setup() end
  function scenario_setup() end
  function action() end
end
if lt.env.CONTROL_RANDOM == "1" then -- control calls draw from one stream of their own
  function setup() lt.log(string.format("control setup r=%.17g", lt.random())) end
  function teardown() lt.log(string.format("control teardown r=%.17g", lt.random())) end
end
function default()
  lt.log(string.format("vu=%d it=%d r=%.17g i=%d", lt.vu.id, lt.vu.iteration, lt.random(), lt.random_int(1, 1000000)))
end
