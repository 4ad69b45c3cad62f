-- Loads each test script of lua/ under a fake lt and runs its functions once: options are
-- well-formed, setup seeds what the spec says, default() sends one tagged order.
local H = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/helper.lua")
local ok, eq = H.ok, H.eq

local ENV = { GATEWAY_URL = "http://gw", ME_SHARD_A_URL = "http://me" }
local function load(name, env)
  local fake = H.install(1, env or ENV)
  fake.metrics = {
    trend = function(n, is_time) fake.created = fake.created or {}; fake.created[n] = is_time and "time trend" or "trend"; return { add = function() end } end,
    counter = function(n) fake.created = fake.created or {}; fake.created[n] = "counter"; return { add = function() end } end,
  }
  fake.abort = function(msg) error("lt.abort: " .. msg) end
  package.preload["lt"] = function() return _G.lt end
  package.loaded["lt"] = nil
  for _, g in ipairs({ "options", "setup", "default", "teardown" }) do _G[g] = nil end
  local chunk, err = loadfile(H.ROOT .. "/lua/" .. name .. ".lua")
  if not chunk then return nil, err end
  local okr, e = pcall(chunk)
  if not okr then return nil, e end
  return fake
end
local function urls(fake, from)
  local out = {}
  for i = from or 1, #fake.calls.http do out[#out + 1] = fake.calls.http[i].url end
  return table.concat(out, " ")
end
local function seeded(fake)
  local out = {}
  for _, v in ipairs(fake.calls.encoded) do if v.orders then out[#out + 1] = #v.orders end end
  return table.concat(out, ",")
end

local expect = {
  a1_warmup = { urls = "http://me/seed", seeded = "2000", target = "http://me/orders" },
  a2_normal_load = { urls = "http://me/seed", seeded = "2000", target = "http://me/orders" },
  a3_depth_variation = { urls = "", seeded = "", target = "http://me/orders" },
  a4_kafka_degradation = { urls = "http://me/seed", seeded = "2000", target = "http://me/orders" },
  b1_baseline = { urls = "http://me/seed", seeded = "2000", target = "http://me/orders" },
  b2_peak_sustained = { urls = "http://gw/seed/a http://gw/seed/b http://gw/seed/c", seeded = "2000,2000,2000", target = "http://gw/orders" },
  b3_ramp = { urls = "http://gw/seed/a http://gw/seed/b http://gw/seed/c", seeded = "2000,2000,2000", target = "http://gw/orders" },
  b4_hot_symbol = { urls = "http://gw/seed/a http://gw/seed/b http://gw/seed/c", seeded = "8000,2000,2000", target = "http://gw/orders" },
}
for _, name in ipairs({ "a1_warmup", "a2_normal_load", "a3_depth_variation", "a4_kafka_degradation",
                        "b1_baseline", "b2_peak_sustained", "b3_ramp", "b4_hot_symbol" }) do
  local fake, err = load(name)
  if ok(fake ~= nil, name .. " loads", err) then
    local e = expect[name]
    ok(type(options) == "table" and type(options.scenarios) == "table", name .. ": options.scenarios")
    ok(type(default) == "function", name .. ": default()")
    if name ~= "a1_warmup" then eq("time trend", fake.created and fake.created.match_latency_ms, name .. ": match_latency_ms is a time trend") end
    local data = setup and setup() or nil
    eq(e.urls, urls(fake), name .. ": setup seeds " .. (e.urls ~= "" and e.urls or "nothing"))
    eq(e.seeded, seeded(fake), name .. ": seed sizes")
    local n = #fake.calls.http
    local okd, derr = pcall(default, data)
    ok(okd, name .. ": default() runs", derr)
    local req = fake.calls.http[n + 1]
    eq(e.target, req and req.url, name .. ": default() posts an order")
    local t = req and req.params.tags or {}
    ok(t.symbol and t.shard and t.side and t.kind, name .. ": order tagged symbol/shard/side/kind")
  end
end

-- B2's match_count counter, B1 through the gateway
local fake = load("b2_peak_sustained")
eq("counter", fake and fake.created.match_count, "b2: match_count counter")
fake = load("b1_baseline", { GATEWAY_URL = "http://gw", ME_SHARD_A_URL = "http://me", VIA = "gateway" })
setup(); default()
eq("http://gw/seed/a http://gw/orders", urls(fake), "b1 with VIA=gateway seeds /seed/a and posts to the gateway")

-- A3: each scenario's setup resets and seeds its depth
fake = load("a3_depth_variation")
for _, d in ipairs({ { "shallow", "0s", 400 }, { "medium", "3m30s", 4000 }, { "deep", "7m", 40000 } }) do
  local sc = options.scenarios[d[1]]
  eq(d[2], sc.startTime, "a3 " .. d[1] .. " starts at " .. d[2])
  local n = #fake.calls.http
  _G[sc.setup]()
  eq("http://me/admin/reset http://me/seed", urls(fake, n + 1), "a3 " .. d[1] .. ": reset then seed")
  eq(d[3], #fake.calls.encoded[#fake.calls.encoded].orders, "a3 " .. d[1] .. ": " .. d[3] .. " orders")
end
fake = load("a3_depth_variation", { ME_SHARD_A_URL = "http://me", RESET_CMD = "kubectl rollout restart x" })
_G[options.scenarios.deep.setup]()
eq("kubectl rollout restart x", fake.calls.exec[1], "a3: -e RESET_CMD runs the command instead")

-- A4: pause via timeline, resume in teardown
fake = load("a4_kafka_degradation")
eq("before", options.tags.phase, "a4: run starts tagged phase=before")
local tl = options.timeline[1]
ok(tl.at == "60s" and tl.tags.phase == "outage" and type(_G[tl.exec]) == "function", "a4: timeline at 60s -> phase=outage")
_G[tl.exec]()
eq("http://me/admin/broker/pause", urls(fake), "a4: pause POSTs /admin/broker/pause")
teardown()
ok(urls(fake):find("http://me/admin/broker/resume", 1, true), "a4: teardown resumes the broker")
fake = load("a4_kafka_degradation", { ME_SHARD_A_URL = "http://me", PAUSE_CMD = "p", RESUME_CMD = "r" })
_G[options.timeline[1].exec](); teardown()
eq("p r", table.concat(fake.calls.exec, " "), "a4: PAUSE_CMD / RESUME_CMD")

-- seed_orderbooks
fake = load("seed_orderbooks")
eq(1, options.vus, "seed: vus 1"); eq(1, options.iterations, "seed: iterations 1")
default()
eq("http://me/seed", urls(fake), "seed: SEED_MODE=single (default) seeds shard a directly")
eq(2000, #fake.calls.encoded[1].orders, "seed: default depth 500 x 4 symbols")
fake = load("seed_orderbooks", { GATEWAY_URL = "http://gw", SEED_MODE = "multi", SEED_DEPTH = "100", SEED_LEVELS = "10" })
default()
eq("http://gw/seed/a http://gw/seed/b http://gw/seed/c", urls(fake), "seed: SEED_MODE=multi seeds a,b,c via the gateway")
eq(400, #fake.calls.encoded[1].orders, "seed: SEED_DEPTH=100 x 4 symbols")
load("seed_orderbooks", { SEED_MODE = "bogus" })
ok(not pcall(default), "seed: a bad SEED_MODE aborts")

H.finish()
