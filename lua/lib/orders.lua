-- orders.lua: the synthetic order generator (spec section 4.2) plus a balanced flow.
--
-- Randomness comes from lt.random() (a per-VU stream seeded from --seed, so a seed reproduces the
-- request sequence) when the lt module is present, else from math.random. Order ids are
-- "<prefix>-<vu>-<counter>" with one counter per VU, as k6's per-VU module state.
--
-- Generators return the order table (the JSON payload: orderId, symbol, side, type, price,
-- quantity) and its kind, "aggressive" or "passive", for tagging.
local here = (type(...) == "string" and (...):match("^(.-)[^.]*$")) or "lib."
local cfg = require(here .. "config")

local M = {}
local floor = math.floor
local BASE, SPREAD, TICK = cfg.BASE_PRICE, cfg.PRICE_SPREAD, cfg.TICK_SIZE

-- A float in [0, 1): the VU's stream in lt, math.random elsewhere (tests inject a fake `lt`).
function M.random()
  local l = rawget(_G, "lt")
  if l and l.random then return l.random() end
  return math.random()
end

local function vu_id()
  local l = rawget(_G, "lt")
  return (l and l.vu and l.vu.id) or 0
end

-- Per-VU state: order-id counter and the balanced flow's side alternation.
local state = {}
local function vu_state()
  local id = vu_id()
  local s = state[id]
  if not s then
    s = { ids = 0, aggressive = 0, passive = 0 }
    state[id] = s
  end
  return s, id
end

function M.order_id(prefix)
  local s, id = vu_state()
  s.ids = s.ids + 1
  return string.format("%s-%d-%d", prefix or "lt", id, s.ids)
end

-- MIN_QUANTITY + floor(r * (MAX - MIN)): an integer in [10, 200).
function M.quantity()
  return cfg.MIN_QUANTITY + floor(M.random() * (cfg.MAX_QUANTITY - cfg.MIN_QUANTITY))
end

-- floor(r * PRICE_SPREAD / 2): 0..99 ticks.
local function half_spread_offset() return floor(M.random() * (SPREAD / 2)) end

local function order(prefix, symbol, side, price, quantity)
  return { orderId = M.order_id(prefix), symbol = symbol, side = side, type = "LIMIT",
           price = price, quantity = quantity }
end

-- Aggressive BUY: at or above the midpoint, BASE .. BASE+99, crosses the seeded asks.
function M.aggressive_buy(symbol)
  local price = BASE + half_spread_offset()
  return order("buy", symbol, "BUY", price, M.quantity()), "aggressive"
end

-- Passive BUY: well below the midpoint, BASE-SPREAD-99 .. BASE-SPREAD; rests in the book.
function M.passive_buy(symbol)
  local price = BASE - SPREAD - half_spread_offset()
  return order("buy-passive", symbol, "BUY", price, M.quantity()), "passive"
end

-- Seed SELL at BASE + level ticks (spec: id "seed-sell-<symbol>-<level>-<idx>").
function M.seed_sell(symbol, level, idx)
  return { orderId = string.format("seed-sell-%s-%d-%d", symbol, level, idx), symbol = symbol,
           side = "SELL", type = "LIMIT", price = BASE + level * TICK, quantity = M.quantity() }
end

-- Seed BUY, the mirror image (balanced flow only): BASE - level ticks.
function M.seed_buy(symbol, level, idx)
  return { orderId = string.format("seed-buy-%s-%d-%d", symbol, level, idx), symbol = symbol,
           side = "BUY", type = "LIMIT", price = BASE - level * TICK, quantity = M.quantity() }
end

-- The spec's mix: 60% aggressive BUY, 40% passive BUY.
function M.mixed(symbol)
  if M.random() < 0.6 then return M.aggressive_buy(symbol) end
  return M.passive_buy(symbol)
end

-- Balanced flow (-e ORDER_FLOW=balanced): still 60% aggressive / 40% passive, but each VU
-- alternates sides within each kind. Aggressive BUY BASE..BASE+99 and SELL BASE-99..BASE cross
-- the opposite side (and each other's unfilled remainders); passive BUY BASE-50..BASE-1 and SELL
-- BASE+1..BASE+50 rest inside the seeded band and replenish it, so depth stays stationary.
function M.balanced(symbol)
  local s = vu_state()
  if M.random() < 0.6 then
    s.aggressive = s.aggressive + 1
    if s.aggressive % 2 == 1 then return M.aggressive_buy(symbol) end
    local price = BASE - half_spread_offset()
    return order("sell", symbol, "SELL", price, M.quantity()), "aggressive"
  end
  s.passive = s.passive + 1
  local offset = TICK * (1 + floor(M.random() * (SPREAD / 4)))
  if s.passive % 2 == 1 then
    return order("buy-passive", symbol, "BUY", BASE - offset, M.quantity()), "passive"
  end
  return order("sell-passive", symbol, "SELL", BASE + offset, M.quantity()), "passive"
end

-- The flow chosen by ORDER_FLOW ("spec" = mixed, "balanced").
function M.next(symbol, flow)
  flow = flow or cfg.ORDER_FLOW
  if flow == "balanced" then return M.balanced(symbol) end
  if flow == "spec" then return M.mixed(symbol) end
  error("ORDER_FLOW must be 'spec' or 'balanced', not '" .. tostring(flow) .. "'", 2)
end

function M.random_symbol(symbols)
  symbols = symbols or cfg.ALL_SYMBOLS
  return symbols[1 + floor(M.random() * #symbols)]
end

function M.random_shard_a_symbol() return M.random_symbol(cfg.SHARD_A_SYMBOLS) end

-- B4's pick: `hot` with probability `share`, otherwise uniformly one of the other symbols.
local others_of = {}
function M.hot_or_other(hot, share, symbols)
  symbols = symbols or cfg.ALL_SYMBOLS
  if M.random() < share then return hot end
  local key = hot .. "|" .. table.concat(symbols, ",")
  local others = others_of[key]
  if not others then
    others = {}
    for _, s in ipairs(symbols) do if s ~= hot then others[#others + 1] = s end end
    others_of[key] = others
  end
  return M.random_symbol(others)
end

-- For tests: forget every VU's counters.
function M._reset() state = {} end

return M
