local t = { a = 1, b = "x\"y\n", c = { 1, 2, 3.5, -7 }, d = true, e = lt.json.null, f = {}, g = 1e300, h = -0.1 }
local s = lt.json.encode(t)
lt.log(s)
local back = lt.json.decode(s)
assert(back.a == 1 and back.b == "x\"y\n" and back.c[3] == 3.5 and back.c[4] == -7 and back.d == true and back.g == 1e300 and back.h == -0.1)
assert(lt.json.encode({1,2,3}) == "[1,2,3]")
assert(lt.json.encode("a\1b") == '"a\\u0001b"')
local ok, err = pcall(lt.json.encode, { x = { y = function() end } })
lt.log(ok, err)
assert(not ok and err:find("x.y"))
options = { iterations = 1 }  -- the assertions above run at load, in every Lua state
function default() end
-- a payload far larger than any fixed buffer, nested (the seed requests' shape)
local orders = {}
for i = 1, 5000 do orders[i] = { orderId = "seed-" .. i, price = 15000 + i % 50, side = "SELL", qty = { i, i + 1 } } end
local big = lt.json.encode({ orders = orders })
local again = lt.json.decode(big)
assert(#again.orders == 5000 and again.orders[4999].orderId == "seed-4999" and again.orders[10].qty[2] == 11)
