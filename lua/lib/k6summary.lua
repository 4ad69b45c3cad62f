-- k6summary.lua — k6's end-of-test text summary and JUnit report, from the data handleSummary(data)
-- receives (lt's JSON summary as a table), for scripts that write their own summary:
--
--   local k6summary = require "lib.k6summary"
--   function handleSummary(data)
--     return { stdout = k6summary.textSummary(data, { indent = " ", enableColors = false }),
--              ["junit.xml"] = k6summary.jUnit(data) }
--   end
--
-- textSummary gives k6's classic layout: the checks by group (█ group, ✓/✗ check, ↳ pass share),
-- then one line per metric, sorted by name with sub-metrics under their metric, dotted to one
-- column, ✓/✗ for metrics with thresholds. Options, as k6's: indent (" "), enableColors (true),
-- summaryTrendStats and summaryTimeUnit ("s", "ms", "us"; default: a unit per value); options not
-- given come from data.options. humanizeValue(value, metric, timeUnit) formats one value.
local M = {}

local CHECK_OK, CHECK_FAIL, GROUP_MARK, DETAIL_MARK = "✓", "✗", "█", "↳"
local BOLD, FAINT, RED, GREEN, CYAN = 1, 2, 31, 32, 36

-- How JavaScript prints a number: integers without a fraction, others as shortest round trip.
local function js_number(v)
  if v ~= v then return "NaN" end
  if v == math.huge then return "Infinity" end
  if v == -math.huge then return "-Infinity" end
  if v == math.floor(v) and math.abs(v) < 1e21 then return string.format("%.0f", v) end
  for prec = 1, 17 do
    local s = string.format("%." .. prec .. "g", v)
    if tonumber(s) == v then return s end
  end
  return string.format("%.17g", v)
end

-- value rounded to prec decimals, trailing zeros dropped ("1.50" -> "1.5", "2.00" -> "2")
local function fixed_trimmed(v, prec)
  local s = string.format("%." .. prec .. "f", v)
  if s:find("%.") then s = s:gsub("0+$", ""):gsub("%.$", "") end
  if s == "-0" then s = "0" end
  return s
end

local function trunc(v) return v < 0 and math.ceil(v) or math.floor(v) end

local function fixed_trimmed_trunc(v, prec)
  local mult = 10 ^ prec
  return fixed_trimmed(trunc(mult * v) / mult, prec)
end

-- Columns a string takes on a terminal: UTF-8 characters, not counting ANSI escape sequences.
local function width(s)
  local plain = s:gsub("\27%[[%d;]*[@-~]", "")
  local _, n = plain:gsub("[^\128-\191]", "")
  return n
end

local function humanize_bytes(b)
  if b < 10 then return js_number(b) .. " B" end
  local units = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" }
  local e = math.floor(math.log(b) / math.log(1000))
  local v = math.floor(b / 1000 ^ e * 10 + 0.5) / 10
  return string.format(v < 10 and "%.1f" or "%.0f", v) .. " " .. units[e + 1]
end

-- A time in milliseconds with the unit that suits it: ns, µs, ms, s, then 1m2s, 1h2m3s.
local function humanize_time(ms)
  if ms == 0 then return "0s" end
  if ms < 0.001 then return js_number(trunc(ms * 1e6)) .. "ns" end
  if ms < 1 then return fixed_trimmed_trunc(ms * 1000, 2) .. "µs" end
  if ms < 1000 then return fixed_trimmed_trunc(ms, 2) .. "ms" end
  local out = fixed_trimmed_trunc((ms % 60000) / 1000, ms > 60000 and 0 or 2) .. "s"
  local minutes = trunc(ms / 60000)
  if minutes < 1 then return out end
  out = js_number(minutes % 60) .. "m" .. out
  local hours = trunc(minutes / 60)
  if hours < 1 then return out end
  return js_number(hours) .. "h" .. out
end

local TIME_UNITS = { s = { "s", 0.001 }, ms = { "ms", 1 }, us = { "µs", 1000 } }

function M.humanizeValue(v, metric, time_unit)
  if type(v) ~= "number" then return "-" end
  if metric.type == "rate" then return string.format("%.2f", trunc(v * 10000) / 100) .. "%" end
  if metric.contains == "data" then return humanize_bytes(v) end
  if metric.contains == "time" then
    local u = TIME_UNITS[time_unit or ""]
    if u then return string.format("%.2f", v * u[2]) .. u[1] end
    return humanize_time(v)
  end
  return fixed_trimmed(v, 6)
end

local function check_lines(indent, check, paint, out)
  if check.fails == 0 then
    out[#out + 1] = paint(indent .. CHECK_OK .. " " .. check.name, GREEN)
    return
  end
  local share = math.floor(100 * check.passes / (check.passes + check.fails))
  out[#out + 1] = paint(indent .. CHECK_FAIL .. " " .. check.name .. "\n" .. indent .. " " .. DETAIL_MARK
    .. "  " .. share .. "% — " .. CHECK_OK .. " " .. js_number(check.passes) .. " / " .. CHECK_FAIL
    .. " " .. js_number(check.fails), RED)
end

local function group_lines(indent, group, paint, out)
  if group.name ~= "" then
    out[#out + 1] = indent .. GROUP_MARK .. " " .. group.name .. "\n"
    indent = indent .. "  "
  end
  local checks, groups = group.checks or {}, group.groups or {}
  for _, c in ipairs(checks) do check_lines(indent, c, paint, out) end
  if #checks > 0 then out[#out + 1] = "" end
  for _, g in ipairs(groups) do group_lines(indent, g, paint, out) end
end

-- "http_req_duration{scenario:a}" prints as "{ scenario:a }", indented under its metric.
local function shown_name(name)
  local brace = name:find("{", 1, true)
  if brace then return "{ " .. name:sub(brace + 1, -2) .. " }", "  " end
  return name, ""
end

local function plain_values(metric, unit)
  local v = metric.values or {}
  local h = function(x) return M.humanizeValue(x, metric, unit) end
  if metric.type == "counter" then return { h(v.count), h(v.rate) .. "/s" } end
  if metric.type == "gauge" then return { h(v.value), "min=" .. h(v.min), "max=" .. h(v.max) } end
  if metric.type == "rate" then
    return { h(v.rate), CHECK_OK .. " " .. js_number(v.passes or 0), CHECK_FAIL .. " " .. js_number(v.fails or 0) }
  end
  return { "[no data]" }
end

-- Metric names sorted with each sub-metric right after its metric.
local function sorted_names(metrics)
  local names = {}
  for name in pairs(metrics) do names[#names + 1] = name end
  table.sort(names, function(a, b)
    local pa, pb = a:match("^[^{]*"), b:match("^[^{]*")
    if pa ~= pb then return pa < pb end
    return a:sub(#pa + 1) < b:sub(#pb + 1)
  end)
  return names
end

local function metric_lines(opts, data, paint, out)
  local indent, stats, unit = opts.indent .. "  ", opts.summaryTrendStats or {}, opts.summaryTimeUnit
  local metrics = data.metrics or {}
  local names = sorted_names(metrics)
  local name_w, trend, plain, col_w, first_w, extra_w = 0, {}, {}, {}, 0, {}
  for _, name in ipairs(names) do
    local m = metrics[name]
    local shown, ind = shown_name(name)
    name_w = math.max(name_w, width(ind .. shown))
    if m.type == "trend" then
      local cols = {}
      for i, stat in ipairs(stats) do
        local v = (m.values or {})[stat]
        cols[i] = stat == "count" and js_number(v or 0) or M.humanizeValue(v, m, unit)
        col_w[i] = math.max(col_w[i] or 0, width(cols[i]))
      end
      trend[name] = cols
    else
      local vals = plain_values(m, unit)
      plain[name] = vals
      first_w = math.max(first_w, width(vals[1]))
      for i = 2, #vals do extra_w[i - 1] = math.max(extra_w[i - 1] or 0, width(vals[i])) end
    end
  end
  for _, name in ipairs(names) do
    local m = metrics[name]
    local mark, colour = " ", nil
    if m.thresholds and next(m.thresholds) then
      mark, colour = CHECK_OK, GREEN
      for _, t in pairs(m.thresholds) do
        if not t.ok then mark, colour = CHECK_FAIL, RED end
      end
    end
    local shown, ind = shown_name(name)
    local label = shown .. paint(string.rep(".", name_w - width(shown) - width(ind) + 3) .. ":", FAINT)
    local text
    if trend[name] then
      local parts = {}
      for i, col in ipairs(trend[name]) do
        parts[i] = stats[i] .. "=" .. paint(col, CYAN) .. string.rep(" ", col_w[i] - width(col))
      end
      text = table.concat(parts, " ")
    else
      local vals = plain[name]
      text = paint(vals[1], CYAN) .. string.rep(" ", first_w - width(vals[1]))
      local extras = {}
      for i = 2, #vals do
        local pad_to = #vals == 2 and 0 or extra_w[i - 1] - width(vals[i]) -- one extra: no padding
        extras[#extras + 1] = paint(vals[i], CYAN, FAINT) .. string.rep(" ", pad_to)
      end
      if #extras > 0 then text = text .. " " .. table.concat(extras, " ") end
    end
    out[#out + 1] = indent .. ind .. (colour and paint(mark, colour) or mark) .. " " .. label .. " " .. text
  end
end

function M.textSummary(data, options)
  local opts = { indent = " ", enableColors = true }
  for k, v in pairs(data.options or {}) do opts[k] = v end
  for k, v in pairs(options or {}) do opts[k] = v end
  local paint = function(text) return text end
  if opts.enableColors then
    paint = function(text, ...)
      return "\27[" .. table.concat({ ... }, ";") .. "m" .. text .. "\27[0m"
    end
  end
  local out = {}
  group_lines(opts.indent .. "    ", data.root_group or { name = "", checks = {}, groups = {} }, paint, out)
  metric_lines(opts, data, paint, out)
  return table.concat(out, "\n")
end

local function xml_escape(s)
  return (tostring(s):gsub("[&<>'\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ["'"] = "&#39;", ['"'] = "&quot;" }))
end

-- One JUnit test case per threshold (k6-summary's jUnit): options.name (the suite, "k6
-- thresholds") and options.classname ("Unnamed folder").
function M.jUnit(data, options)
  options = options or {}
  local suite = xml_escape(options.name or "k6 thresholds")
  local class = xml_escape(options.classname or "Unnamed folder")
  local cases, failures = {}, 0
  local metrics = data.metrics or {}
  for _, name in ipairs(sorted_names(metrics)) do
    local m = metrics[name]
    local exprs = {}
    for expr in pairs(m.thresholds or {}) do exprs[#exprs + 1] = expr end
    table.sort(exprs)
    for _, expr in ipairs(exprs) do
      local case = xml_escape(name) .. " - " .. xml_escape(expr)
      if m.thresholds[expr].ok then
        cases[#cases + 1] = string.format('<testcase name="%s" classname="%s" />', case, class)
      else
        failures = failures + 1
        local keys, vals = {}, {}
        for k in pairs(m.values or {}) do keys[#keys + 1] = k end
        table.sort(keys)
        for _, k in ipairs(keys) do vals[#vals + 1] = k .. " value: " .. js_number(m.values[k]) end
        local msg = m.type .. " threshold failed: " .. table.concat(vals, ", ")
        cases[#cases + 1] = string.format('<testcase name="%s" classname="%s"><failure message="%s" /></testcase>',
          case, class, xml_escape(msg))
      end
    end
  end
  return string.format('<?xml version="1.0"?>\n<testsuites tests="%d" failures="%d">\n'
    .. '  <testsuite name="%s" tests="%d" failures="%d">\n    %s\n  </testsuite>\n</testsuites>\n',
    #cases, failures, suite, #cases, failures, table.concat(cases, "\n    "))
end

return M
