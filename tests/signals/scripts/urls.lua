-- Distinct URLs for the tag-set cap tests: iteration i GETs BASE/?id=i, so every request has its
-- own `name` tag (the URL), as a script that forgets params.name for URLs with IDs does.
local E = lt.env
options = {
  scenarios = { s = { executor = "shared-iterations", vus = 10, iterations = tonumber(E.N or "3000"),
                      maxDuration = "60s" } },
}
function default()
  lt.http.get(E.BASE .. "/?id=" .. lt.scenario.iteration)
end
