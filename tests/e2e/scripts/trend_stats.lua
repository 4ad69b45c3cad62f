-- summaryTrendStats naming `count` among its stats: the count is printed and exported once.
local http = require "lt.http"
options = { iterations = 3, summaryTrendStats = { "avg", "count", "p(99)" } }
function default() http.get(lt.env.URL .. "ok") end
