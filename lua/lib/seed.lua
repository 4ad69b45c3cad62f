-- seed.lua: pre-populating order books (spec section 4.3).
--
-- Each symbol gets ceil(ordersPerSymbol / priceLevels) resting SELLs at each of the price levels
-- 1..priceLevels (BASE_PRICE + level ticks). With ORDER_FLOW=balanced the mirror-image BUYs
-- (BASE_PRICE - level ticks) are seeded too, so both sides start with the same depth.
local here = (type(...) == "string" and (...):match("^(.-)[^.]*$")) or "lib."
local cfg = require(here .. "config")
local orders = require(here .. "orders")

local M = {}

M.TIMEOUT = "30s"

function M.orders_per_level(orders_per_symbol, price_levels)
  return math.ceil(orders_per_symbol / price_levels)
end

-- The seed orders for `symbols`, SELLs (and BUYs when `both_sides`), in the spec's order.
function M.build(symbols, orders_per_symbol, price_levels, both_sides)
  local list = {}
  local per_level = M.orders_per_level(orders_per_symbol, price_levels)
  for _, symbol in ipairs(symbols) do
    for level = 1, price_levels do
      for i = 0, per_level - 1 do
        list[#list + 1] = orders.seed_sell(symbol, level, i)
        if both_sides then list[#list + 1] = orders.seed_buy(symbol, level, i) end
      end
    end
  end
  return list
end

local function log(...)
  local l = rawget(_G, "lt")
  if l and l.log then l.log(...) else io.stderr:write(table.concat({ ... }, " "), "\n") end
end

local function post(url, list, tags)
  local res = lt.http.post(url, lt.json.encode({ orders = list }),
    { headers = cfg.JSON_HEADERS, timeout = M.TIMEOUT, tags = tags })
  lt.check(res, { ["seed response status is 200"] = function(r) return r.status == 200 end })
  if res.status ~= 200 then
    log(string.format("seeding %s failed: status %d %s %s", url, res.status, res.error or "",
      (res.body or ""):sub(1, 200)))
  end
  return res
end

local function both_sides(flow) return (flow or cfg.ORDER_FLOW) == "balanced" end

-- Seeds one shard through the gateway's POST /seed/{shardId}. Returns the number of orders sent.
function M.shard(shard_id, symbols, orders_per_symbol, price_levels, target_url, flow)
  target_url = target_url or cfg.GATEWAY_URL
  local list = M.build(symbols, orders_per_symbol, price_levels, both_sides(flow))
  post(target_url .. "/seed/" .. shard_id, list, { kind = "seed", shard = shard_id })
  log(string.format("Seeded shard %s: %d orders across %d symbols, %d price levels",
    shard_id, #list, #symbols, price_levels))
  return #list
end

-- Seeds an ME shard directly (POST /seed, bypassing the gateway); ASR 1's single-shard tests.
function M.direct(symbols, orders_per_symbol, price_levels, me_url, flow)
  me_url = me_url or cfg.ME_SHARD_A_URL
  local list = M.build(symbols, orders_per_symbol, price_levels, both_sides(flow))
  post(me_url .. "/seed", list, { kind = "seed", shard = cfg.SHARD_OF[symbols[1]] or "" })
  log(string.format("Seeded ME directly: %d orders across %d symbols, %d price levels",
    #list, #symbols, price_levels))
  return #list
end

return M
