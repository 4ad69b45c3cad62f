-- mesim_bench.lua — wrk script for tests/bench/mesim_bench.sh: POSTs varied limit orders to
-- /orders (four symbols, both sides, prices 9950-10050 around the seeded mid 10000, quantities
-- 1-10), so some cross and fill and the rest join the book. Requests are built once per thread
-- (POOL of them, cycled) so that wrk's own Lua work does not limit the rate; order ids repeat
-- after POOL requests, which the engine allows.
local POOL = 20000
local symbols = {"TEST-ASSET-A", "TEST-ASSET-B", "TEST-ASSET-C", "TEST-ASSET-D"}
local headers = {["Content-Type"] = "application/json"}
local reqs, n = {}, 0
local tid = 0

function setup(thread)
    tid = tid + 1
    thread:set("tid", tid)
end

function init(args)
    math.randomseed(1234 + (tid or 0))
    for i = 1, POOL do
        local buy = math.random(2) == 1
        local body = string.format(
            '{"orderId":"w%d-%d","symbol":"%s","side":"%s","type":"LIMIT","price":%d,"quantity":%d}',
            tid or 0, i, symbols[math.random(4)], buy and "BUY" or "SELL",
            9950 + math.random(0, 100), math.random(10))
        reqs[i] = wrk.format("POST", "/orders", headers, body)
    end
end

function request()
    n = n % POOL + 1
    return reqs[n]
end
