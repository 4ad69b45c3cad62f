-- Invalid UTF-8 everywhere a script or a server can put it: tags, check names, response bodies
-- (used as tag values and check names), URLs (the `name` tag), scenario names, options.tags, a
-- threshold's selector, custom metric tags, and (ABORT=1) lt.abort's message. Every file lt
-- writes must still be valid UTF-8 JSON.
local lt = require "lt"
local URL = lt.env.URL
-- a lone 0xFF, a truncated sequence, an overlong '/', a surrogate encoded in UTF-8
local BAD = "lone \255 cut \226\130 overlong \192\175 surrogate \237\160\128"
local trend = lt.metrics.trend("utf8_trend", true)

options = {
  scenarios = {
    ["sc\255"] = { executor = "per-vu-iterations", vus = 1, iterations = 2,
                   tags = { ["sctag\192\175"] = "v\237\160\128" }, env = { E = "e\255" } },
  },
  tags = { run = "r\226\130" },
  thresholds = {
    ["checks{check:named \255}"] = { "rate>0.5" }, -- the selector is repaired like the check name
    http_req_duration = { "p(99)<60000" },
  },
}

function default()
  local res = lt.http.get(URL .. "bad")
  local body = res.body or ""
  lt.check(res, {
    ["body: " .. body] = function(r) return r.status == 200 end,
    ["named \255"] = function() return true end,
  }, { from_body = body })
  lt.http.get(URL .. "ok?q=\255\254")                               -- the URL is the name tag
  lt.http.get(URL .. "ok", { tags = { ["k\255"] = body }, name = "named \237\160\128" })
  trend:add(1, { body = body, ["key \192\175"] = BAD })
  if lt.env.ABORT == "1" then
    -- 254 ASCII bytes, then two-byte characters: a 256-byte buffer would end mid-character
    lt.abort(string.rep("a", 254) .. string.rep("\195\169", 10) .. BAD)
  end
end
