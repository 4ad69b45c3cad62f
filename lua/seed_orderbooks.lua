-- Standalone seeding, no load (spec 5.9).
-- lt -s lua/seed_orderbooks.lua -e SEED_MODE=single -e SEED_DEPTH=500 -e SEED_LEVELS=50
-- SEED_MODE=single seeds shard a directly at ME_SHARD_A_URL; multi seeds a, b, c via GATEWAY_URL.
local lt = require "lt"
local cfg = require "lib.config"
local seed = require "lib.seed"

options = {
  vus = 1,
  iterations = 1,
}

function default()
  local mode = lt.env.SEED_MODE or "single"
  local depth = tonumber(lt.env.SEED_DEPTH or "500")
  local levels = tonumber(lt.env.SEED_LEVELS or "50")
  if not depth or not levels or depth < 1 or levels < 1 then
    lt.abort("SEED_DEPTH and SEED_LEVELS must be positive integers")
  end
  if mode == "single" then
    seed.direct(cfg.SHARD_A_SYMBOLS, depth, levels, cfg.ME_SHARD_A_URL)
  elseif mode == "multi" then
    seed.shard("a", cfg.SHARD_A_SYMBOLS, depth, levels, cfg.GATEWAY_URL)
    seed.shard("b", cfg.SHARD_B_SYMBOLS, depth, levels, cfg.GATEWAY_URL)
    seed.shard("c", cfg.SHARD_C_SYMBOLS, depth, levels, cfg.GATEWAY_URL)
  else
    lt.abort("SEED_MODE must be 'single' or 'multi', not '" .. mode .. "'")
  end
end
