-- submit.lua: one order, as every test script sends it: POST <base>/orders with the JSON payload,
-- tagged symbol / shard / side / kind, the spec's checks, and the custom metrics.
local here = (type(...) == "string" and (...):match("^(.-)[^.]*$")) or "lib."
local cfg = require(here .. "config")

local M = {}

local function status_200(r) return r.status == 200 end
local CHECK_200 = { ["status is 200"] = status_200 }

-- The tag and params tables of an order depend only on (symbol, side, kind): build each once and
-- reuse it, instead of two new tables per request (the hot path of every test script).
local cached = {}
local function tags_and_params(symbol, side, kind)
  symbol = symbol or "?"
  local by_side = cached[symbol]
  if not by_side then by_side = {}; cached[symbol] = by_side end
  local by_kind = by_side[side]
  if not by_kind then by_kind = {}; by_side[side] = by_kind end
  local e = by_kind[kind]
  if not e then
    local tags = { symbol = symbol, shard = cfg.SHARD_OF[symbol] or "?", side = side, kind = kind }
    e = { tags = tags, params = { headers = cfg.JSON_HEADERS, tags = tags } }
    by_kind[kind] = e
  end
  return e.tags, e.params
end

-- <base>/orders per base URL (a few): no concatenation and interning of the same text per order.
local order_urls, n_order_urls = {}, 0

local function decode(r)
  if not r.body or r.body == "" then return nil end
  local ok, v = pcall(lt.json.decode, r.body)
  if ok and type(v) == "table" then return v end
  return nil
end

-- The accepted check's closure captures the body: kept out of M.order, whose every return would
-- otherwise close that upvalue (bytecode UCLO, which LuaJIT cannot compile: the trace through the
-- hot path aborts there on every request, measured with LT_JIT_VERBOSE).
local function check_accepted(res, body, tags)
  lt.check(res, {
    ["status is 200"] = status_200,
    ["response has ACCEPTED status"] = function() return body ~= nil and body.status == "ACCEPTED" end,
  }, tags)
end

-- opts: latency (a time trend, e.g. match_latency_ms: one sample per order answered with 200, none
-- for a failed one), match_count (a counter: +1 per order that
-- matched at least one resting order), accepted (also check that the body says ACCEPTED).
-- Returns the response and the tags used (shared between orders alike: read, do not change).
function M.order(base_url, order, kind, opts)
  opts = opts or {}
  local tags, params = tags_and_params(order.symbol, order.side, kind or "?")
  local url = order_urls[base_url]
  if not url then
    url = base_url .. "/orders"
    if n_order_urls < 16 then order_urls[base_url], n_order_urls = url, n_order_urls + 1 end
  end
  local res = lt.http.post(url, lt.json.encode(order), params)

  local body
  if opts.accepted or opts.match_count then body = decode(res) end
  if opts.accepted then
    check_accepted(res, body, tags)
  else
    lt.check(res, CHECK_200, tags)
  end

  -- only an order the engine took has a match latency: a failed request's 0 ms (or the time to a
  -- 503) would drag the p99 down; failures are in http_req_failed, with their error
  if opts.latency and res.error == "" and res.status == 200 then
    opts.latency:add(res.timings.duration, tags)
  end
  if opts.match_count and body and type(body.fills) == "table" and #body.fills > 0 then
    opts.match_count:add(1, tags)
  end
  return res, tags
end

return M
