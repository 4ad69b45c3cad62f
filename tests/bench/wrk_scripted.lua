-- P2 scripted, the wrk side: request() builds the same order JSON as lua/lib/orders.lua's "spec"
-- flow (60% aggressive BUY at BASE..BASE+99, 40% passive BUY at BASE-200-99..BASE-200, quantity
-- 10..199, a per-thread id counter) with wrk.format; response() checks the status.
local floor, random, format = math.floor, math.random, string.format
local symbols = { "TEST-ASSET-A", "TEST-ASSET-B", "TEST-ASSET-C", "TEST-ASSET-D" }
local headers = { ["Content-Type"] = "application/json" }
local BASE, SPREAD = 15000, 200
local counter, bad = 0, 0

function request()
  counter = counter + 1
  local symbol = symbols[1 + floor(random() * #symbols)]
  local prefix, price
  if random() < 0.6 then
    prefix, price = "buy", BASE + floor(random() * (SPREAD / 2))
  else
    prefix, price = "buy-passive", BASE - SPREAD - floor(random() * (SPREAD / 2))
  end
  local body = format('{"orderId":"%s-1-%d","symbol":"%s","side":"BUY","type":"LIMIT","price":%d,"quantity":%d}',
    prefix, counter, symbol, price, 10 + floor(random() * 190))
  return wrk.format("POST", "/orders", headers, body)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
