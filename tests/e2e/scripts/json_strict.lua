-- lt.json and res:json() as scripts see them: strict decoding with what-and-where errors, the
-- depth limit named as such, valid UTF-8 out, setup() data through the same codec. Each
-- property is a check (the suite reads their fails from the summary).
local lt = require "lt"
local URL = lt.env.URL

options = { scenarios = { s = { executor = "per-vu-iterations", vus = 1, iterations = 1 } } }

local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  return not ok and tostring(e) or nil
end
local function has(e, s) return e ~= nil and e:find(s, 1, true) ~= nil end

function setup()
  return { s = "a\255b", n = 9007199254740992, list = { 1, lt.json.null, "x" } }
end

local props = {}
local function prop(name, f) props[#props + 1] = { name = name, f = f } end

prop("trailing data is an error with offset and line:column", function()
  return has(err_of(lt.json.decode, '{"a":1}garbage'),
             "invalid JSON at byte offset 7 (line 1, column 8): unexpected data after the JSON value")
end)
prop("1e99999 is an error, not inf", function()
  return has(err_of(lt.json.decode, "[1e99999]"), "does not fit a double")
end)
prop("NaN is an error", function() return has(err_of(lt.json.decode, "NaN"), "NaN and Infinity") end)
prop("1000 levels decode", function()
  local v = lt.json.decode(string.rep("[", 1000) .. string.rep("]", 1000))
  return type(v) == "table"
end)
prop("1001 levels: the depth error, named as such", function()
  local e = err_of(lt.json.decode, string.rep("[", 1001) .. string.rep("]", 1001))
  return has(e, "JSON nested deeper than 1000 levels at byte offset 1000") and not has(e, "invalid JSON")
end)
prop("invalid UTF-8 in a string is an error", function()
  return has(err_of(lt.json.decode, '"\192\175"'), "byte offset 1 (line 1, column 2): invalid UTF-8")
end)
prop("a lone surrogate escape becomes U+FFFD", function()
  return lt.json.decode('"\\ud800"') == "\239\191\189"
end)
prop("error from a Lua caller names the script's file and line", function()
  local e = err_of(function() local v = lt.json.decode("{") return v end) -- not a tail call
  return e ~= nil and e:find("json_strict%.lua:%d+: lt%.json%.decode: invalid JSON at byte offset 1") ~= nil
end)
prop("encode writes U+FFFD for invalid bytes", function()
  return lt.json.encode({ "\255", "a\226\130", "\237\160\128" }) ==
         '["\239\191\189","a\239\191\189","\239\191\189\239\191\189\239\191\189"]'
end)
prop("res:json() decodes a JSON body", function()
  local r = lt.http.get(URL .. "ok")
  return r:json().status == "ACCEPTED"
end)
prop("res:json() on a body that is not JSON: the same detail", function()
  local r = lt.http.get(URL .. "notjson")
  return has(err_of(r.json, r), "res:json(): invalid JSON at byte offset 0 (line 1, column 1): invalid literal")
end)
prop("res:json() refuses trailing data", function()
  local r = lt.http.get(URL .. "trailing")
  return has(err_of(r.json, r), "res:json(): invalid JSON at byte offset 7 (line 1, column 8)")
end)
prop("res:json() refuses a body with invalid UTF-8", function()
  local r = lt.http.get(URL .. "badjson")
  return has(err_of(r.json, r), "res:json(): invalid JSON at byte offset 10 (line 1, column 11): invalid UTF-8")
end)

function default(data)
  prop("setup() data arrives repaired and exact", function()
    return data.s == "a\239\191\189b" and data.n == 9007199254740992 and data.list[2] == lt.json.null
      and data.list[3] == "x"
  end)
  for _, p in ipairs(props) do
    local ok, res = pcall(p.f)
    if not ok then lt.log(p.name .. ": " .. tostring(res)) end
    lt.check(ok and res, { [p.name] = function(v) return v == true end })
  end
end
