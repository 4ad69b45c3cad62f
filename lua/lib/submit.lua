-- submit.lua: one order, as every test script sends it: POST <base>/orders with the JSON payload,
-- tagged symbol / shard / side / kind, the spec's checks, and the custom metrics.
local here = (type(...) == "string" and (...):match("^(.-)[^.]*$")) or "lib."
local cfg = require(here .. "config")

local M = {}

local function status_200(r) return r.status == 200 end

local function decode(r)
  if not r.body or r.body == "" then return nil end
  local ok, v = pcall(lt.json.decode, r.body)
  if ok and type(v) == "table" then return v end
  return nil
end

-- opts: latency (a time trend, e.g. match_latency_ms), match_count (a counter: +1 per order that
-- matched at least one resting order), accepted (also check that the body says ACCEPTED).
-- Returns the response and the tags used.
function M.order(base_url, order, kind, opts)
  opts = opts or {}
  local tags = { symbol = order.symbol, shard = cfg.SHARD_OF[order.symbol] or "?",
                 side = order.side, kind = kind or "?" }
  local res = lt.http.post(base_url .. "/orders", lt.json.encode(order),
    { headers = cfg.JSON_HEADERS, tags = tags })

  local body
  if opts.accepted or opts.match_count then body = decode(res) end
  if opts.accepted then
    lt.check(res, {
      ["status is 200"] = status_200,
      ["response has ACCEPTED status"] = function() return body ~= nil and body.status == "ACCEPTED" end,
    }, tags)
  else
    lt.check(res, { ["status is 200"] = status_200 }, tags)
  end

  if opts.latency then opts.latency:add(res.timings.duration, tags) end
  if opts.match_count and body and type(body.fills) == "table" and #body.fills > 0 then
    opts.match_count:add(1, tags)
  end
  return res, tags
end

return M
