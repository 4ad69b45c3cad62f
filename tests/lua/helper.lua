-- helper.lua: a tiny test harness for lt's Lua library, runnable with plain luajit.
-- It puts lua/ and lua/lib/ on package.path and injects a fake `lt` global whose random() is a
-- seeded generator, so the library's lt code paths run without the engine.
local H = {}

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
H.ROOT = here .. "/../.."
package.path = H.ROOT .. "/lua/?.lua;" .. H.ROOT .. "/lua/lib/?.lua;" .. package.path

H.passed, H.failed = 0, 0
function H.ok(cond, name, detail)
  if cond then
    H.passed = H.passed + 1
    print("ok   - " .. name)
  else
    H.failed = H.failed + 1
    print("FAIL - " .. name .. (detail and ("\n       " .. tostring(detail)) or ""))
  end
  return cond
end
function H.eq(want, got, name) return H.ok(want == got, name, ("expected %s, got %s"):format(tostring(want), tostring(got))) end
function H.near(want, got, tol, name)
  return H.ok(math.abs(got - want) <= tol, ("%s (%.4f within %.4f of %.4f)"):format(name, got, tol, want))
end
function H.finish()
  print(("%d passed, %d failed"):format(H.passed, H.failed))
  os.exit(H.failed == 0 and 0 or 1)
end

-- A 32-bit LCG (Numerical Recipes constants), exact in doubles; returns floats in [0,1).
function H.generator(seed)
  local x = seed % 4294967296
  return function()
    x = (1664525 * x + 1013904223) % 4294967296
    return x / 4294967296
  end
end

-- The fake lt module. `calls` records HTTP requests, checks and logs.
function H.fake_lt(seed, env)
  local calls = { http = {}, checks = {}, logs = {}, encoded = {}, exec = {} }
  local fake = {
    env = env or {},
    vu = { id = 1, iteration = 0 },
    random = H.generator(seed or 1),
    calls = calls,
    next_response = { status = 200, body = "{}", error = "", timings = { duration = 1.5 } },
  }
  fake.json = {
    encode = function(v) calls.encoded[#calls.encoded + 1] = v; return "<json#" .. #calls.encoded .. ">" end,
    decode = function(s) return fake.decoded and fake.decoded[s] or error("not JSON: " .. tostring(s)) end,
  }
  local function request(method, url, body, params)
    calls.http[#calls.http + 1] = { method = method, url = url, body = body, params = params or {} }
    return fake.next_response
  end
  fake.http = {
    post = function(url, body, params) return request("POST", url, body, params) end,
    get = function(url, params) return request("GET", url, nil, params) end,
  }
  fake.check = function(v, checks, tags)
    local all = true
    for name, fn in pairs(checks) do
      local r = fn(v) and true or false
      calls.checks[#calls.checks + 1] = { name = name, ok = r, tags = tags }
      all = all and r
    end
    return all
  end
  fake.log = function(...) calls.logs[#calls.logs + 1] = table.concat({ ... }, " ") end
  fake.exec = function(cmd) calls.exec[#calls.exec + 1] = cmd; return true, 0, "done" end
  fake.time = function() return 0 end
  fake.metrics = {}
  return fake
end

-- Installs a fresh fake lt and reloads the library so module-level state starts clean.
function H.install(seed, env)
  _G.lt = H.fake_lt(seed, env)
  for _, m in ipairs({ "lib.config", "lib.orders", "lib.seed", "lib.submit", "lib.control" }) do
    package.loaded[m] = nil
  end
  return _G.lt
end

return H
