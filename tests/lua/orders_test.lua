-- Unit tests of lua/lib (config, orders, seed, submit, control) under plain luajit.
local H = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/helper.lua")
local ok, eq, near = H.ok, H.eq, H.near
local N = 100000

-- config -------------------------------------------------------------------------------------
H.install(1)
local cfg = require "lib.config"
eq("http://localhost:8080", cfg.GATEWAY_URL, "GATEWAY_URL defaults to localhost:8080")
eq("http://localhost:8080", cfg.ME_SHARD_A_URL, "ME_SHARD_A_URL defaults to localhost:8080")
eq(12, #cfg.ALL_SYMBOLS, "12 symbols")
eq("a", cfg.SHARD_OF["TEST-ASSET-D"], "D is on shard a")
eq("b", cfg.SHARD_OF["TEST-ASSET-E"], "E is on shard b")
eq("c", cfg.SHARD_OF["TEST-ASSET-L"], "L is on shard c")
eq(15000, cfg.BASE_PRICE, "BASE_PRICE"); eq(200, cfg.PRICE_SPREAD, "PRICE_SPREAD"); eq(1, cfg.TICK_SIZE, "TICK_SIZE")
eq(10, cfg.MIN_QUANTITY, "MIN_QUANTITY"); eq(200, cfg.MAX_QUANTITY, "MAX_QUANTITY")
eq(200, cfg.LATENCY_THRESHOLD_MS, "LATENCY_THRESHOLD_MS")
H.install(1, { GATEWAY_URL = "http://gw:1", ME_SHARD_A_URL = "http://me:2", ORDER_FLOW = "balanced" })
cfg = require "lib.config"
eq("http://gw:1", cfg.GATEWAY_URL, "GATEWAY_URL from lt.env")
eq("http://me:2", cfg.ME_SHARD_A_URL, "ME_SHARD_A_URL from lt.env")
eq("balanced", cfg.ORDER_FLOW, "ORDER_FLOW from lt.env")
H.install(1, { ORDER_FLOW = "bogus" })
local okc, errc = pcall(require, "lib.config")
ok(not okc and tostring(errc):find("ORDER_FLOW must be", 1, true), "an unknown ORDER_FLOW fails at load", errc)

-- price and quantity ranges ------------------------------------------------------------------
H.install(7)
local orders = require "lib.orders"
local function range_of(gen, n)
  local lo, hi, qlo, qhi, seen, bad = math.huge, -math.huge, math.huge, -math.huge, {}, nil
  for _ = 1, n do
    local o = gen("TEST-ASSET-A")
    lo, hi = math.min(lo, o.price), math.max(hi, o.price)
    qlo, qhi = math.min(qlo, o.quantity), math.max(qhi, o.quantity)
    seen[o.price] = true
    if o.type ~= "LIMIT" or o.symbol ~= "TEST-ASSET-A" or o.price % 1 ~= 0 or o.quantity % 1 ~= 0 then bad = o end
  end
  local distinct = 0
  for _ in pairs(seen) do distinct = distinct + 1 end
  return lo, hi, qlo, qhi, distinct, bad
end
local lo, hi, qlo, qhi, distinct, bad = range_of(orders.aggressive_buy, N)
eq(15000, lo, "aggressive BUY lowest price is BASE_PRICE (the midpoint)")
eq(15099, hi, "aggressive BUY highest price is BASE_PRICE + 99")
eq(100, distinct, "aggressive BUY uses all 100 prices")
eq(10, qlo, "quantity minimum is 10"); eq(199, qhi, "quantity maximum is 199 (< 200)")
ok(bad == nil, "aggressive orders are integer LIMIT orders on the symbol")
eq("BUY", orders.aggressive_buy("X").side, "aggressive side BUY")
lo, hi, qlo, qhi, distinct, bad = range_of(orders.passive_buy, N)
eq(14701, lo, "passive BUY lowest price is BASE - SPREAD - 99")
eq(14800, hi, "passive BUY highest price is BASE - SPREAD")
ok(qlo >= 10 and qhi <= 199, "passive quantities in [10,200)")
ok(bad == nil, "passive orders are integer LIMIT orders")

-- quantity mean (used in scenarios/README.md's arithmetic): uniform on 10..199, mean 104.5
local sum = 0
for _ = 1, N do sum = sum + orders.quantity() end
near(104.5, sum / N, 1.0, "quantity mean ~104.5")

-- seed orders
local s = orders.seed_sell("TEST-ASSET-B", 7, 3)
eq(15007, s.price, "seed SELL at BASE + level * TICK")
eq("SELL", s.side, "seed side SELL")
eq("seed-sell-TEST-ASSET-B-7-3", s.orderId, "seed id seed-sell-<symbol>-<level>-<idx>")
eq(14993, orders.seed_buy("TEST-ASSET-B", 7, 3).price, "balanced seed BUY at BASE - level * TICK")

-- the 60/40 split over a seeded stream of 100k orders ----------------------------------------
-- tolerance 0.01 is more than 6 standard deviations (sqrt(0.24/1e5) = 0.0015)
H.install(12345)
orders = require "lib.orders"
local agg, kinds_ok = 0, true
for _ = 1, N do
  local o, kind = orders.mixed("TEST-ASSET-C")
  if kind == "aggressive" then
    agg = agg + 1
    kinds_ok = kinds_ok and o.price >= 15000 and o.orderId:match("^buy%-1%-%d+$") ~= nil
  else
    kinds_ok = kinds_ok and kind == "passive" and o.price <= 14800 and o.orderId:match("^buy%-passive%-1%-%d+$") ~= nil
  end
end
near(0.6, agg / N, 0.01, "mixed: aggressive share 60% +/- 1% over 100k orders")
ok(kinds_ok, "mixed: kind matches the price band and id prefix")

-- unique ids per VU, "<prefix>-<vu>-<counter>" -------------------------------------------------
H.install(3)
orders = require "lib.orders"
local ids, dup, n = {}, nil, 0
for vu = 1, 5 do
  lt.vu.id = vu
  for _ = 1, 20000 do
    local o = orders.next("TEST-ASSET-A")
    if ids[o.orderId] then dup = o.orderId end
    ids[o.orderId] = true
    n = n + 1
  end
end
lt.vu.id = 1
local o = orders.aggressive_buy("TEST-ASSET-A")
ok(dup == nil, "100k ids over 5 VUs are unique", dup)
eq("buy-1-20001", o.orderId, "per-VU counter: VU 1's 20,001st order")
lt.vu.id = 2
eq("buy-passive-2-20001", orders.passive_buy("TEST-ASSET-A").orderId, "per-VU counter: VU 2's 20,001st order")

-- symbol choice ------------------------------------------------------------------------------
H.install(99)
orders = require "lib.orders"
cfg = require "lib.config"
local count = {}
for _ = 1, N do local sym = orders.random_shard_a_symbol(); count[sym] = (count[sym] or 0) + 1 end
for _, sym in ipairs(cfg.SHARD_A_SYMBOLS) do near(0.25, (count[sym] or 0) / N, 0.01, "shard-a symbol " .. sym .. " ~25%") end
count = {}
for _ = 1, N do local sym = orders.random_symbol(); count[sym] = (count[sym] or 0) + 1 end
local all12 = 0
for _ in pairs(count) do all12 = all12 + 1 end
eq(12, all12, "random_symbol() covers all 12 symbols")
count = {}
local shard_count = {}
for _ = 1, N do
  local sym = orders.hot_or_other("TEST-ASSET-A", 0.8, cfg.ALL_SYMBOLS)
  count[sym] = (count[sym] or 0) + 1
  shard_count[cfg.SHARD_OF[sym]] = (shard_count[cfg.SHARD_OF[sym]] or 0) + 1
end
near(0.8, count["TEST-ASSET-A"] / N, 0.01, "B4: hot symbol gets 80%")
near(0.2 / 11, count["TEST-ASSET-L"] / N, 0.003, "B4: each other symbol gets 20%/11")
near(0.8 + 0.2 * 3 / 11, shard_count.a / N, 0.01, "B4: shard a gets 80% + 20% * 3/11 = 85.5%")

-- reproducibility: the same seed gives the same order sequence ---------------------------------
local function sequence(seed, flow)
  H.install(seed)
  local ord = require "lib.orders"
  local out = {}
  for _ = 1, 200 do
    local x = ord.next(ord.random_shard_a_symbol(), flow)
    out[#out + 1] = table.concat({ x.orderId, x.symbol, x.side, x.price, x.quantity }, ":")
  end
  return table.concat(out, ",")
end
eq(sequence(5, "spec"), sequence(5, "spec"), "same lt.random seed => same orders")
ok(sequence(5, "spec") ~= sequence(6, "spec"), "different seed => different orders")
eq(sequence(5, "balanced"), sequence(5, "balanced"), "balanced flow reproducible too")

-- the flow falls back to math.random without lt --------------------------------------------
_G.lt = nil
package.loaded["lib.orders"], package.loaded["lib.config"] = nil, nil
local plain = require "lib.orders"
local p = plain.aggressive_buy("TEST-ASSET-A")
ok(p.price >= 15000 and p.price <= 15099 and p.orderId == "buy-0-1", "works without lt (math.random, VU 0)")

-- balanced flow --------------------------------------------------------------------------------
H.install(2024)
orders = require "lib.orders"
local c = { ["aggressive BUY"] = 0, ["aggressive SELL"] = 0, ["passive BUY"] = 0, ["passive SELL"] = 0 }
local bands_ok = true
for _ = 1, N do
  local x, kind = orders.next("TEST-ASSET-A", "balanced")
  c[kind .. " " .. x.side] = c[kind .. " " .. x.side] + 1
  local pr = x.price
  if kind == "aggressive" and x.side == "BUY" then bands_ok = bands_ok and pr >= 15000 and pr <= 15099
  elseif kind == "aggressive" then bands_ok = bands_ok and pr >= 14901 and pr <= 15000
  elseif x.side == "BUY" then bands_ok = bands_ok and pr >= 14950 and pr <= 14999
  else bands_ok = bands_ok and pr >= 15001 and pr <= 15050 end
end
ok(bands_ok, "balanced: prices in their bands")
near(0.6, (c["aggressive BUY"] + c["aggressive SELL"]) / N, 0.01, "balanced: aggressive share 60%")
ok(math.abs(c["aggressive BUY"] - c["aggressive SELL"]) <= 1, "balanced: aggressive BUY/SELL alternate (equal counts)")
ok(math.abs(c["passive BUY"] - c["passive SELL"]) <= 1, "balanced: passive BUY/SELL alternate (equal counts)")
ok(not pcall(orders.next, "TEST-ASSET-A", "nonsense"), "unknown ORDER_FLOW is an error")

-- seed arithmetic ------------------------------------------------------------------------------
H.install(11, { GATEWAY_URL = "http://gw", ME_SHARD_A_URL = "http://me" })
local seed = require "lib.seed"
cfg = require "lib.config"
eq(10, seed.orders_per_level(500, 50), "500 per symbol over 50 levels: 10 per level")
eq(10, seed.orders_per_level(100, 10), "A3 shallow: 100 / 10 levels = 10 per level")
eq(10, seed.orders_per_level(1000, 100), "A3 medium: 1,000 / 100 levels = 10 per level")
eq(20, seed.orders_per_level(10000, 500), "A3 deep: 10,000 / 500 levels = 20 per level")
eq(20, seed.orders_per_level(2000, 100), "B4 shard a: 2,000 / 100 levels = 20 per level")
eq(4, seed.orders_per_level(7, 2), "ceil: 7 over 2 levels = 4 per level (8 orders, the spec overshoots)")
local list = seed.build(cfg.SHARD_A_SYMBOLS, 500, 50)
eq(2000, #list, "500 per symbol x 4 symbols = 2,000 seed orders")
local per_price, lo_p, hi_p, all_sell = {}, math.huge, 0, true
for _, x in ipairs(list) do
  if x.symbol == "TEST-ASSET-A" then
    per_price[x.price] = (per_price[x.price] or 0) + 1
    lo_p, hi_p = math.min(lo_p, x.price), math.max(hi_p, x.price)
  end
  all_sell = all_sell and x.side == "SELL"
end
eq(15001, lo_p, "seed levels start at BASE + 1 tick"); eq(15050, hi_p, "and end at BASE + 50 ticks")
eq(10, per_price[15025], "10 orders at each level")
ok(all_sell, "spec seeding is SELLs only")
eq(8 * 4, #seed.build(cfg.SHARD_A_SYMBOLS, 7, 2), "overshoot: 7 per symbol over 2 levels -> 8 per symbol")
eq(80000, #seed.build(cfg.SHARD_A_SYMBOLS, 10000, 500, true), "both sides (balanced): 2 x 40,000")

-- seeding over (fake) HTTP
local sent = seed.direct(cfg.SHARD_A_SYMBOLS, 500, 50, "http://me")
eq(2000, sent, "seed.direct returns the number of orders")
local req = lt.calls.http[#lt.calls.http]
eq("http://me/seed", req.url, "seed.direct posts to <me>/seed")
eq("30s", req.params.timeout, "seed timeout 30s")
eq("application/json", req.params.headers["Content-Type"], "seed Content-Type JSON")
eq(2000, #lt.calls.encoded[#lt.calls.encoded].orders, "seed body {orders:[2,000]}")
local chk = lt.calls.checks[#lt.calls.checks]
ok(chk.name == "seed response status is 200" and chk.ok, "seed check 'seed response status is 200' passes on 200")
ok(lt.calls.logs[#lt.calls.logs]:find("Seeded ME directly: 2000 orders across 4 symbols, 50 price levels", 1, true), "seed logs what it seeded", lt.calls.logs[#lt.calls.logs])
seed.shard("b", cfg.SHARD_B_SYMBOLS, 500, 50)
eq("http://gw/seed/b", lt.calls.http[#lt.calls.http].url, "seed.shard posts to <gateway>/seed/{shardId}")
ok(lt.calls.logs[#lt.calls.logs]:find("Seeded shard b: 2000 orders", 1, true), "seed.shard logs")
lt.next_response = { status = 503, body = "busy", error = "", timings = { duration = 1 } }
seed.shard("c", cfg.SHARD_C_SYMBOLS, 10, 10)
ok(not lt.calls.checks[#lt.calls.checks].ok, "seed check fails on 503")
ok(lt.calls.logs[#lt.calls.logs - 1]:find("failed: status 503", 1, true), "a failed seed is logged")

-- submit ----------------------------------------------------------------------------------------
H.install(5, { GATEWAY_URL = "http://gw" })
local submit = require "lib.submit"
orders = require "lib.orders"
local added = {}
local trend = { add = function(_, v, tags) added[#added + 1] = { v = v, tags = tags } end }
local counted = 0
local counter = { add = function(_, v) counted = counted + v end }
lt.decoded = { ['{"filled"}'] = { status = "ACCEPTED", fills = { { price = 15001, quantity = 5 } } },
               ['{"rested"}'] = { status = "ACCEPTED", fills = {} } }
lt.next_response = { status = 200, body = '{"filled"}', error = "", timings = { duration = 3.25 } }
local ord, kind = orders.aggressive_buy("TEST-ASSET-F")
local _, tags = submit.order("http://gw", ord, kind, { latency = trend, match_count = counter, accepted = true })
req = lt.calls.http[#lt.calls.http]
eq("http://gw/orders", req.url, "submit posts to <base>/orders")
ok(req.params.tags.symbol == "TEST-ASSET-F" and req.params.tags.shard == "b" and req.params.tags.side == "BUY"
   and req.params.tags.kind == "aggressive", "request tags symbol, shard, side, kind")
eq(3.25, added[1].v, "match_latency gets res.timings.duration")
eq("TEST-ASSET-F", added[1].tags.symbol, "match_latency sample tagged with the symbol")
eq(1, counted, "match_count +1 for an order with fills")
local names = {}
for _, ch in ipairs(lt.calls.checks) do names[ch.name] = ch.ok end
ok(names["status is 200"] and names["response has ACCEPTED status"], "checks: status is 200, ACCEPTED")
lt.next_response = { status = 200, body = '{"rested"}', error = "", timings = { duration = 1 } }
submit.order("http://gw", orders.passive_buy("TEST-ASSET-F"), "passive", { match_count = counter })
eq(1, counted, "match_count unchanged for an order that rests")
lt.next_response = { status = 0, body = nil, error = "connection refused", timings = { duration = 0 } }
lt.calls.checks = {}
submit.order("http://gw", orders.passive_buy("TEST-ASSET-F"), "passive", { accepted = true })
names = {}
for _, ch in ipairs(lt.calls.checks) do names[ch.name] = ch.ok end
ok(names["status is 200"] == false and names["response has ACCEPTED status"] == false, "failed request fails both checks without erroring")
-- a failed order adds no latency sample: its 0 ms (or the time to a 503) is not a match latency
-- and would drag the p99 down; it is in http_req_failed with its error
added = {}
lt.next_response = { status = 0, body = nil, error = "connection refused", timings = { duration = 0 } }
submit.order("http://gw", orders.passive_buy("TEST-ASSET-F"), "passive", { latency = trend })
eq(0, #added, "no match_latency sample for a request that failed (connection refused)")
lt.next_response = { status = 503, body = "busy", error = "", timings = { duration = 7 } }
submit.order("http://gw", orders.passive_buy("TEST-ASSET-F"), "passive", { latency = trend, accepted = true })
eq(0, #added, "no match_latency sample for an order the engine refused (503)")
lt.next_response = { status = 200, body = '{"rested"}', error = "", timings = { duration = 2 } }
submit.order("http://gw", orders.passive_buy("TEST-ASSET-F"), "passive", { latency = trend })
eq(2, added[1] and added[1].v, "an accepted order still adds its latency")

-- control -------------------------------------------------------------------------------------
H.install(5, { PAUSE_CMD = "echo pause" })
local control = require "lib.control"
lt.next_response = { status = 200, body = table.concat({
  "# HELP me_events_pending x", "# TYPE me_events_pending gauge",
  'me_events_pending{shard="a"} 42', 'me_orders_total{shard="a",symbol="TEST-ASSET-A",side="BUY"} 7',
  'me_orders_total{shard="a",symbol="TEST-ASSET-B",side="BUY"} 5', "up 1" }, "\n"), error = "", timings = {} }
eq(42, control.metric("http://me/metrics", "me_events_pending"), "metric: reads a gauge")
eq(12, control.metric("http://me/metrics", "me_orders_total", { side = "BUY" }), "metric: sums matching series")
eq(7, control.metric("http://me/metrics", "me_orders_total", { symbol = "TEST-ASSET-A" }), "metric: filters by label")
eq(1, control.metric("http://me/metrics", "up"), "metric: unlabelled sample")
ok(control.action("PAUSE_CMD", "http://me/admin/broker/pause", "broker paused"), "action runs the command")
eq("echo pause", lt.calls.exec[1], "action uses lt.exec(PAUSE_CMD)")
ok(control.action("RESUME_CMD", "http://me/admin/broker/resume", "broker resumed"), "action POSTs without a command")
eq("http://me/admin/broker/resume", lt.calls.http[#lt.calls.http].url, "action POSTs to the admin URL")

H.finish()
