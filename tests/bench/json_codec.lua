-- Callgrind probe of lt.json on P2's hot path: encodes the orders P2 sends (lua/lib/orders.lua,
-- "spec" mix) and decodes a mesim-style answer, JSON_N times each, in one iteration.
--   valgrind --tool=callgrind --toggle-collect=luajson_encode_push bin/lt -s tests/bench/json_codec.lua -q
-- instructions per encode = the inclusive Ir of luajson_encode_push / JSON_N (JSON_MODE=decode:
-- --toggle-collect=l_json_decode, per decode).
local lt = require "lt"
local orders = require "lib.orders"

local N = tonumber(lt.env.JSON_N) or 20000
local MODE = lt.env.JSON_MODE or "encode"
local ANSWER = '{"status":"ACCEPTED","orderId":"buy-1-17","symbol":"AAPL","fills":[' ..
  '{"price":15012,"quantity":40,"counterOrderId":"seed-sell-AAPL-3-7"}],"remaining":0}'

options = { iterations = 1 }

function default()
  local batch = {}
  for i = 1, 256 do batch[i] = orders.next(orders.random_shard_a_symbol(), "spec") end
  local bytes = 0
  if MODE == "encode" then
    for i = 1, N do bytes = bytes + #lt.json.encode(batch[i % 256 + 1]) end
  else
    for _ = 1, N do bytes = bytes + #lt.json.decode(ANSWER).fills end
  end
  lt.log(MODE, N, bytes)
end
