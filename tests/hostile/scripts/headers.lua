-- Requests with unusual headers to lt.env.BASE .. "/headers?t=CASE"; each result is logged as a
-- line "RESULT {json}" on stderr (case, status, error, code, and the header count the server saw).
local E = lt.env
options = { iterations = 1 }

local function many(n)
  local h = {}
  for i = 1, n do h[string.format("X-H%03d", i)] = tostring(i) end
  return h
end

local cases = {
  { "many", many(100) },
  { "crlf_value", { ["X-Evil"] = "a\r\nX-Injected: 1" } },
  { "lf_value", { ["X-Evil"] = "a\nX-Injected: 1" } },
  { "cr_value", { ["X-Evil"] = "a\rX-Injected: 1" } },
  { "nul_value", { ["X-Evil"] = "a\0b" } },
  { "crlf_name", { ["X-Evil\r\nX-Injected"] = "1" } },
  { "space_name", { ["X Evil"] = "1" } },
  { "colon_name", { ["X-Evil:"] = "1" } },
  { "empty_name", { [""] = "1" } },
  { "crlf_host", { Host = "a\r\nX-Injected: 1" } },
  { "tab_value", { ["X-Tab"] = "a\tb" } },
  { "number_value", { ["X-Num"] = 42 } },
}

function default()
  for _, c in ipairs(cases) do
    local res = lt.http.get(E.BASE .. "/headers?t=" .. c[1], { headers = c[2], timeout = "5s" })
    local r = { case = c[1], status = res.status, error = res.error, code = res.error_code }
    if res.status == 200 then
      local j = res:json()
      r.count = j.count
      r.lines = table.concat(j.lines, "|")
    end
    lt.log("RESULT " .. lt.json.encode(r))
  end
end
