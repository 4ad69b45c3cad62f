-- config.lua: the spec's shared constants (section 4.1), target URLs and the symbol-to-shard map.
-- URLs come from lt.env (the environment overlaid by -e KEY=VALUE); both default to localhost:8080.
local env = (rawget(_G, "lt") and lt.env) or {}
local getenv = function(k) return env[k] or os.getenv(k) end

local M = {}

M.GATEWAY_URL = getenv("GATEWAY_URL") or "http://localhost:8080"
M.ME_SHARD_A_URL = getenv("ME_SHARD_A_URL") or "http://localhost:8080"

M.SHARD_A_SYMBOLS = { "TEST-ASSET-A", "TEST-ASSET-B", "TEST-ASSET-C", "TEST-ASSET-D" }
M.SHARD_B_SYMBOLS = { "TEST-ASSET-E", "TEST-ASSET-F", "TEST-ASSET-G", "TEST-ASSET-H" }
M.SHARD_C_SYMBOLS = { "TEST-ASSET-I", "TEST-ASSET-J", "TEST-ASSET-K", "TEST-ASSET-L" }
M.SHARD_SYMBOLS = { a = M.SHARD_A_SYMBOLS, b = M.SHARD_B_SYMBOLS, c = M.SHARD_C_SYMBOLS }

M.ALL_SYMBOLS = {}
M.SHARD_OF = {} -- SHARD_OF["TEST-ASSET-E"] == "b"
for _, shard in ipairs({ "a", "b", "c" }) do
  for _, s in ipairs(M.SHARD_SYMBOLS[shard]) do
    M.ALL_SYMBOLS[#M.ALL_SYMBOLS + 1] = s
    M.SHARD_OF[s] = shard
  end
end

-- Prices in cents.
M.BASE_PRICE = 15000   -- $150.00
M.PRICE_SPREAD = 200   -- $2.00 spread range (100 ticks each side)
M.TICK_SIZE = 1        -- $0.01 per tick

M.MIN_QUANTITY = 10
M.MAX_QUANTITY = 200   -- exclusive: quantities are in [10, 200)

M.LATENCY_THRESHOLD_MS = 200 -- ASR 1: p99 < 200 ms

-- "spec" (default): the spec's flow, BUYs only against seeded SELLs (the asks run out, see
-- scenarios/README.md). "balanced": aggressive and passive orders on both sides, depth stationary.
M.ORDER_FLOW = getenv("ORDER_FLOW") or "spec"
if M.ORDER_FLOW ~= "spec" and M.ORDER_FLOW ~= "balanced" then
  error("ORDER_FLOW must be 'spec' or 'balanced', not '" .. M.ORDER_FLOW .. "'", 0)
end

M.JSON_HEADERS = { ["Content-Type"] = "application/json" }

return M
