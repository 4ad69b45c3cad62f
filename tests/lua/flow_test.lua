-- The order-flow arithmetic of scenarios/README.md, checked by simulation: the real generators
-- (lua/lib/orders.lua, lua/lib/seed.lua) feed a small price-time-priority book written here,
-- driven at A2's and B2's rates (orders are indexed by their submission time; latency is 0).
local H = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/helper.lua")
local ok, near = H.ok, H.near
local VERBOSE = os.getenv("VERBOSE")

-- A book: per side a map price -> FIFO of remaining quantities; best found by scanning ticks.
local function new_book() return { BUY = {}, SELL = {}, n = { BUY = 0, SELL = 0 } } end
local LO, HI = 14000, 16000
local function best(book, side)
  local levels = book[side]
  if side == "SELL" then for p = LO, HI do if levels[p] then return p end end
  else for p = HI, LO, -1 do if levels[p] then return p end end end
end
-- Returns the number of fills (one per resting order touched, as mesim's me_matches_total).
local function submit(book, o)
  local opp = o.side == "BUY" and "SELL" or "BUY"
  local qty, fills = o.quantity, 0
  while qty > 0 do
    local b = best(book, opp)
    if not b or (o.side == "BUY" and b > o.price) or (o.side == "SELL" and b < o.price) then break end
    local q = book[opp][b]
    while q.head <= q.tail and qty > 0 do
      local t = math.min(q[q.head], qty)
      q[q.head] = q[q.head] - t; qty = qty - t; fills = fills + 1
      if q[q.head] == 0 then q[q.head] = nil; q.head = q.head + 1; book.n[opp] = book.n[opp] - 1 end
    end
    if q.head > q.tail then book[opp][b] = nil end
  end
  if qty > 0 then
    local q = book[o.side][o.price]
    if not q then q = { head = 1, tail = 0 }; book[o.side][o.price] = q end
    q.tail = q.tail + 1; q[q.tail] = qty; book.n[o.side] = book.n[o.side] + 1
  end
  return fills
end

-- Runs `rate` orders/s over `symbols` for `seconds`; returns per-window rows.
local function run(flow, rate, symbols, seconds, window)
  H.install(42)
  local orders, seed = require "lib.orders", require "lib.seed"
  local books = {}
  for _, s in ipairs(symbols) do
    books[s] = new_book()
    for _, o in ipairs(seed.build({ s }, 500, 50, flow == "balanced")) do submit(books[s], o) end
  end
  local rows, w = {}, { orders = 0, matched = 0, fills = 0 }
  local exhausted
  for i = 1, rate * seconds do
    local o = orders.next(orders.random_symbol(symbols), flow)
    local b = books[o.symbol]
    local f = submit(b, o)
    w.orders = w.orders + 1
    if f > 0 then w.matched = w.matched + 1 end
    w.fills = w.fills + f
    if not exhausted then
      local asks = 0
      for _, s in ipairs(symbols) do asks = asks + books[s].n.SELL end
      if asks == 0 then exhausted = i / rate end
    end
    if i % (rate * window) == 0 then
      local asks, bids = 0, 0
      for _, s in ipairs(symbols) do asks = asks + books[s].n.SELL; bids = bids + books[s].n.BUY end
      local row = { t = i / rate, matched = w.matched / w.orders, fills = w.fills / w.orders,
                    asks = asks / #symbols, bids = bids / #symbols }
      rows[#rows + 1] = row
      if VERBOSE then
        print(("# %-8s %3d/s t=%4ds matched/orders %.2f fills/orders %.2f asks/symbol %4.0f bids/symbol %4.0f")
          :format(flow, rate, row.t, row.matched, row.fills, row.asks, row.bids))
      end
      w = { orders = 0, matched = 0, fills = 0 }
    end
  end
  return rows, exhausted
end

local A = { "TEST-ASSET-A", "TEST-ASSET-B", "TEST-ASSET-C", "TEST-ASSET-D" }
local ALL = {}
for c = string.byte("A"), string.byte("L") do ALL[#ALL + 1] = "TEST-ASSET-" .. string.char(c) end

-- A2 (spec flow): 17/s on 4 symbols; asks run out near the end of the 5 minutes.
local rows, gone = run("spec", 17, A, 420, 30)
near(0.59, rows[1].matched, 0.05, "A2 spec: first 30 s, ~59% of orders match")
near(1.15, rows[1].fills, 0.12, "A2 spec: first 30 s, ~1.15 fills (me_matches_total) per order")
ok(rows[4].matched < 0.50, "A2 spec: by t=120 s the matched share has fallen below 50%", rows[4].matched)
ok(gone and gone > 240 and gone < 360, "A2 spec: asks exhausted between 4 and 6 min", gone)
ok(rows[#rows].matched == 0 and rows[#rows].bids > 1000, "A2 spec: after that nothing matches, bids pile up")

-- B2 (spec flow): 84/s on 12 symbols; asks run out after ~3 minutes.
rows, gone = run("spec", 84, ALL, 300, 60)
ok(gone and gone > 120 and gone < 240, "B2 spec: asks exhausted between 2 and 4 min", gone)
local minutes = 0
for _, r in ipairs(rows) do if r.fills * 84 * 60 >= 4750 then minutes = minutes + 1 end end
ok(minutes < 4, "B2 spec: fills/min >= 4,750 in fewer than 4 of the 5 minutes", minutes)
ok(rows[1].matched * 84 * 60 < 4750, "B2 spec: orders that match per minute < 4,750 even at the start")
ok(rows[5].fills == 0, "B2 spec: last minute has no fills at all")

-- Balanced flow: matched share and depth stay put.
rows = run("balanced", 84, ALL, 600, 60)
local stable = true
for i = 2, #rows do
  local r = rows[i]
  stable = stable and r.matched > 0.45 and r.matched < 0.65 and r.asks > 250 and r.asks < 700
           and r.bids > 250 and r.bids < 700
end
ok(stable, "B2 balanced, 10 min: matched share 45-65%, 250-700 resting orders per side per symbol")
near(1.0, rows[#rows].fills, 0.15, "B2 balanced: ~1 fill per order, so fills/min ~ orders/min")

H.finish()
