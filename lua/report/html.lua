-- html.lua: the report as one self-contained HTML page: the ASR tables (the markdown rows, with
-- verdict colours), the inputs, the notes, and per summary its charts as inline SVG (report.svg)
-- drawn from the summary's `timeline` section (docs/outputs.md) and its tagged series.
-- Promises:
--   - no script, no network: inline CSS and SVG only, and a Content-Security-Policy that forbids
--     anything else, so even a slip in escaping could not run or fetch;
--   - everything from a summary (file names, tag values, scenario, check and event names) is
--     escaped and shows as text;
--   - every summary given is charted, in the order given, test case or not;
--   - a summary without a timeline (an older lt) gets one clear note per chart that needs it;
--     a missing sample is a gap in a line, never a zero.
local svg = require "report.svg"
local S = require "report.summary"
local M = {}

local esc, is_num = svg.escape, svg.is_num
local VERDICT = { pass = "PASS", fail = "FAIL", undecided = "undecided" }
local A3_DEPTHS = { "shallow", "medium", "deep" }
local LIMIT_MS = 200
local MATCHES_PER_MIN = 4750
local NO_TIMELINE = "this summary has no timeline (made by an older lt)"

local CSS = [[
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;
max-width:1280px;padding:0 16px;color:#1b1f24;background:#fff}
h1{font-size:24px;margin:0 0 8px}h2{font-size:19px;margin:28px 0 8px}h3{font-size:16px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.src{color:#57606a;font-size:12px;word-break:break-word}
.verdict{display:inline-block;padding:0 8px;border-radius:10px;font-weight:600;white-space:nowrap}
.v-pass{background:#dafbe1;color:#116329}.v-fail{background:#ffebe9;color:#a40e26}
.v-undecided{background:#fff8c5;color:#7d4e00}
tr.r-fail td{background:#fff5f5}.notcounted{color:#57606a;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:8px;background:#fff}
figcaption{font-weight:600;margin-bottom:4px;max-width:560px}
figcaption small{display:block;font-weight:400;color:#57606a}
p.nodata{color:#57606a;border:1px dashed #d0d7de;border-radius:6px;padding:8px;margin:0;
max-width:560px}
svg.chart{display:block;font:12px system-ui,sans-serif}
svg .grid{stroke:#eaeef2}svg .axis{stroke:#57606a}svg .tick,svg .legend{fill:#1b1f24}
svg .label{fill:#1b1f24;font-weight:600}
svg .series{fill:none;stroke-width:1.8;stroke-linejoin:round;stroke-linecap:round}
svg .ref{stroke:#a40e26;stroke-width:1.2;stroke-dasharray:2 3}
svg .shade{fill:#f4a261;fill-opacity:.28}
svg .expected{stroke:#1b1f24;stroke-width:2.5}
svg .mark{stroke:#57606a;stroke-width:1;stroke-dasharray:1 2}svg .marklabel{fill:#57606a;font-size:11px}
footer{margin-top:32px;color:#57606a;font-size:12px}
]]

local function verdict_badge(v)
  return '<span class="verdict v-' .. esc(v) .. '">' .. esc(VERDICT[v] or v) .. "</span>"
end

local function asr_table(title, asr, out)
  out[#out + 1] = "<h2>" .. esc(title) .. ": " .. verdict_badge(asr.verdict) .. "</h2>"
  out[#out + 1] = "<table><thead><tr><th>Criterion</th><th>Figure</th><th>Limit</th>"
    .. "<th>Verdict</th><th>Source</th></tr></thead><tbody>"
  for _, r in ipairs(asr.rows) do
    out[#out + 1] = string.format('<tr class="r-%s"><td>%s%s</td><td>%s</td><td>%s</td><td>%s</td>'
      .. '<td class="src">%s</td></tr>', esc(r.verdict), esc(r.criterion),
      r.required == false and ' <span class="notcounted">(not counted)</span>' or "",
      esc(r.figure), esc(r.limit), verdict_badge(r.verdict), esc(r.source))
  end
  out[#out + 1] = "</tbody></table>"
end

local function inputs_table(result, out)
  out[#out + 1] = "<h2>Inputs</h2><table><thead><tr><th>File</th><th>Test case</th><th>Script</th>"
    .. "<th>Time scale</th><th>Timeline</th></tr></thead><tbody>"
  for _, i in ipairs(result.inputs) do
    local tl = i.summary and i.summary.timeline
    local tl_text = type(tl) == "table" and type(tl.t) == "table"
      and string.format("%d intervals of %s s", #tl.t, tostring(tl.interval_s)) or "none (older lt)"
    out[#out + 1] = string.format("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
      esc(i.file), esc(i.test_case or "not a test case"), esc(i.script), esc(i.time_scale),
      esc(tl_text))
  end
  out[#out + 1] = "</tbody></table>"
end

-- A chart in a figure with its caption, or the note saying why there is none.
local function figure(title, why, chart)
  if chart then
    return string.format("<figure><figcaption>%s<small>%s</small></figcaption>%s</figure>",
                         esc(title), esc(why), chart)
  end
  return string.format('<p class="nodata"><strong>%s</strong>: %s</p>', esc(title), esc(why))
end

-- Checked access to the timeline: an array of numbers/nulls of length n, or nil.
local function column(arr, n)
  if type(arr) ~= "table" or #arr ~= n then return nil end
  return arr
end

-- values / d, keeping gaps.
local function per_second(arr, d)
  local out = {}
  for i = 1, #arr do out[i] = is_num(arr[i]) and arr[i] / d or false end
  return out
end

-- The case's time axis: x values in seconds or minutes (long runs), its label and divisor.
local function time_axis(tl)
  local n = #tl.t
  local span = is_num(tl.t[n]) and tl.t[n] or 0
  local div, unit = 1, "s"
  if span >= 180 then div, unit = 60, "min" end
  local xs = {}
  for i = 1, n do xs[i] = is_num(tl.t[i]) and tl.t[i] / div or false end
  return xs, "time since start (" .. unit .. ")", div
end

-- An event's name: its function, or "tag change" for an entry that only sets tags (exec null).
local function event_name(e) return type(e.exec) == "string" and e.exec or "tag change" end

-- Shaded windows: from each event whose tags set phase=outage to the next event (or the end).
local function outage_windows(tl, div)
  local evs = {}
  for _, e in ipairs(type(tl.events) == "table" and tl.events or {}) do
    if type(e) == "table" and is_num(e.t) then evs[#evs + 1] = e end
  end
  table.sort(evs, function(a, b) return a.t < b.t end)
  local last = tl.t[#tl.t]
  local shades = {}
  for k, e in ipairs(evs) do
    if type(e.tags) == "table" and e.tags.phase == "outage" then
      local stop = evs[k + 1] and evs[k + 1].t or (is_num(last) and last or e.t)
      local label = "outage (" .. event_name(e) .. (evs[k + 1] and (" to "
        .. event_name(evs[k + 1])) or " to the end") .. ")"
      shades[#shades + 1] = { x0 = e.t / div, x1 = stop / div, label = label }
    end
  end
  local marks = {}
  for _, e in ipairs(evs) do
    marks[#marks + 1] = { x = e.t / div, label = event_name(e) }
  end
  return shades, evs, marks
end

local function sorted_keys(t)
  local ks = {}
  for k in pairs(type(t) == "table" and t or {}) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end

local function any_positive(arr)
  for _, v in ipairs(arr or {}) do
    if is_num(v) and v > 0 then return true end
  end
  return false
end

local function rate_chart(tl, ax)
  local n, d = #tl.t, is_num(tl.interval_s) and tl.interval_s > 0 and tl.interval_s or 1
  local series = {}
  local http = type(tl.http) == "table" and tl.http or {}
  local scenarios = {}
  for _, name in ipairs(sorted_keys(tl.scenarios)) do
    if type(tl.scenarios[name]) == "table" then scenarios[#scenarios + 1] = name end
  end
  for _, name in ipairs(scenarios) do
    local target = column(tl.scenarios[name].target_rate, n)
    if target then
      series[#series + 1] = { label = "target " .. name, values = target, dash = true,
                              color = svg.PALETTE[(#series + 3) % #svg.PALETTE + 1] }
    end
  end
  local reqs = column(http.reqs, n)
  if reqs then
    series[#series + 1] = { label = "achieved (all requests)", values = per_second(reqs, d),
                            color = svg.PALETTE[1] }
  end
  -- failed and dropped only when there were some: a flat zero line would hide the axis
  local failed = column(http.failed, n)
  if any_positive(failed) then
    series[#series + 1] = { label = "failed", values = per_second(failed, d), color = "#a40e26" }
  end
  for _, name in ipairs(scenarios) do
    local dropped = column(tl.scenarios[name].dropped, n)
    if any_positive(dropped) then
      series[#series + 1] = { label = "dropped " .. name, values = per_second(dropped, d),
                              color = "#8c564b" }
    end
  end
  return svg.line_chart({ title = "Request rate", x = ax.xs, x_label = ax.label,
                          y_label = "requests/s", series = series, shade = ax.shades,
                          marks = ax.marks })
end

-- Latency series (http p50/p99, p99 corrected, match_latency_ms p50/p99) of intervals lo..hi.
local function latency_series(tl, lo, hi)
  local n = #tl.t
  local http = type(tl.http) == "table" and tl.http or {}
  local ml = type(tl.trends) == "table" and type(tl.trends.match_latency_ms) == "table"
    and tl.trends.match_latency_ms or {}
  local cols = {
    { "http p50", column(http.p50_ms, n), "#1f77b4" },
    { "http p99", column(http.p99_ms, n), "#d62728" },
    { "http p99 (corrected for coordinated omission)", column(http.p99_corrected_ms, n), "#ff7f0e",
      true },
    { "match_latency_ms p50", column(ml.p50, n), "#2ca02c" },
    { "match_latency_ms p99", column(ml.p99, n), "#9467bd" },
  }
  local series = {}
  for _, c in ipairs(cols) do
    if c[2] then
      local v = {}
      for i = lo, hi do v[#v + 1] = c[2][i] end
      series[#series + 1] = { label = c[1], values = v, color = c[3], dash = c[4] }
    end
  end
  return series
end

local function max_of(series)
  local m = 0
  for _, s in ipairs(series) do
    for _, v in ipairs(s.values) do if is_num(v) and v > m then m = v end end
  end
  return m
end

-- The 200 ms limit is drawn when a latency comes within half of it (else it would flatten the
-- lines); A3's depths decide it on their common maximum, so that their axes stay the same.
local function latency_refs(max)
  return max >= LIMIT_MS / 2 and { { y = LIMIT_MS, label = "ASR 1 limit 200 ms" } } or {}
end

local function latency_chart(tl, ax)
  local series = latency_series(tl, 1, #tl.t)
  return svg.line_chart({ title = "Latency per interval", x = ax.xs, x_label = ax.label,
                          y_label = "latency (ms)", series = series, refs = latency_refs(max_of(series)),
                          shade = ax.shades, marks = ax.marks })
end

-- A3: one latency chart per depth scenario over the intervals where it ran, on the same axes.
local function a3_charts(tl, ax, out)
  local n = #tl.t
  local windows, y_max, x_max = {}, 0, 0
  for _, name in ipairs(A3_DEPTHS) do
    local sc = type(tl.scenarios) == "table" and tl.scenarios[name] or nil
    local it = column(type(sc) == "table" and sc.iterations or nil, n)
    local lo, hi
    for i = 1, n do
      if it and is_num(it[i]) and it[i] > 0 then lo, hi = lo or i, i end
    end
    if lo then
      local series = latency_series(tl, lo, hi)
      local t0 = lo > 1 and ax.xs[lo - 1] or 0
      local xs = {}
      for i = lo, hi do xs[#xs + 1] = is_num(ax.xs[i]) and ax.xs[i] - t0 or false end
      windows[name] = { series = series, xs = xs }
      y_max, x_max = math.max(y_max, max_of(series)), math.max(x_max, xs[#xs] or 0)
    end
  end
  for _, name in ipairs(A3_DEPTHS) do
    local w = windows[name]
    local title = "A3 latency, depth " .. name
    local chart = w and svg.line_chart({ title = title, x = w.xs, x_max = x_max, y_max = y_max,
      x_label = ax.label:gsub("since start", "since " .. name .. " started"),
      y_label = "latency (ms)", series = w.series, refs = latency_refs(y_max) })
    out[#out + 1] = figure(title, chart and ("intervals in which scenario " .. name
      .. " ran (timeline.scenarios." .. name .. ".iterations > 0); same axes for the three depths")
      or ("no interval of the timeline has an iteration of scenario " .. name), chart)
  end
end

-- Sums the scraped entries of each group per interval; a group missing a sample is a gap.
local function scraped_groups(tl, match)
  local n, groups, order = #tl.t, {}, {}
  for _, e in ipairs(type(tl.scraped) == "table" and tl.scraped or {}) do
    local vals = type(e) == "table" and match(tostring(e.metric)) and column(e.values, n)
    if vals then
      local tags = type(e.tags) == "table" and e.tags or {}
      local key = tags.shard and ("shard " .. tostring(tags.shard)) or tostring(tags.target or "all")
      if not groups[key] then
        groups[key], order[#order + 1] = {}, key
        for i = 1, n do groups[key][i] = 0 end
      end
      for i = 1, n do
        local g = groups[key]
        g[i] = (g[i] and is_num(vals[i])) and g[i] + vals[i] or false
      end
    end
  end
  table.sort(order)
  local series = {}
  for _, k in ipairs(order) do series[#series + 1] = { label = k, values = groups[k] } end
  return series
end

local function total_of(series, n)
  local tot = {}
  for i = 1, n do
    local sum = 0
    for _, s in ipairs(series) do sum = (sum and is_num(s.values[i])) and sum + s.values[i] or false end
    tot[i] = sum
  end
  return tot
end

local function scraped_charts(tl, ax, out)
  local depth = scraped_groups(tl, function(m)
    return m:sub(1, 18) == "me_orderbook_depth" and m:sub(-6) ~= "_per_s"
  end)
  local matches = scraped_groups(tl, function(m) return m == "me_matches_total_per_s" end)
  local none = "the timeline has no scraped target metrics (the target's /metrics was not scraped)"
  local cut = tl.scraped_truncated == true and " (some scraped series were left out: the timeline "
    .. "keeps a bounded number, scraped_truncated)" or ""
  out[#out + 1] = figure("Book depth", #depth > 0 and "resting orders per shard: scraped "
    .. "me_orderbook_depth summed over symbols and sides" .. cut or none,
    #depth > 0 and svg.line_chart({ title = "Book depth", x = ax.xs, x_label = ax.label,
      y_label = "resting orders", series = depth, shade = ax.shades, marks = ax.marks }) or nil)
  if #matches > 1 then
    matches[#matches + 1] = { label = "all shards", values = total_of(matches, #tl.t),
                              color = "#1b1f24" }
  end
  out[#out + 1] = figure("Matches per second", #matches > 0 and "scraped me_matches_total_per_s "
    .. "per shard; the line is ASR 2's 4,750 matches/min" .. cut or none,
    #matches > 0 and svg.line_chart({ title = "Matches per second", x = ax.xs, x_label = ax.label,
      y_label = "matches/s", series = matches, shade = ax.shades, marks = ax.marks,
      refs = { { y = MATCHES_PER_MIN / 60, label = "ASR 2: 4,750/min" } } }) or nil)
end

-- B4's intended mix (lua/b4_hot_symbol.lua): TEST-ASSET-A gets 80% of the orders, the other 11
-- symbols share the rest evenly; shard a holds A and three others.
local B4_HOT, B4_OTHER = 80, 20 / 11
local function b4_expected(tag, key)
  if tag == "symbol" then return key == "TEST-ASSET-A" and B4_HOT or B4_OTHER end
  return key == "a" and B4_HOT + 3 * B4_OTHER or 4 * B4_OTHER
end

-- Share of the load requests (series http_reqs, seeding and control excluded) per tag value.
local function share_chart(case, tag, title, out)
  local counts, total, keys = {}, 0, {}
  for _, r in ipairs(S.load_rows(case.s, "http_reqs")) do
    local v = (r.tags or {})[tag]
    local c = (r.values or {}).count or 0
    if v ~= nil and is_num(c) then
      if not counts[v] then keys[#keys + 1] = v end
      counts[v] = (counts[v] or 0) + c
      total = total + c
    end
  end
  if #keys < 2 or total == 0 then return end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local bars = {}
  for _, k in ipairs(keys) do
    local share = 100 * counts[k] / total
    bars[#bars + 1] = { label = (tag == "shard" and "shard " or "") .. tostring(k), value = share,
                        text = string.format("%.1f%% (%d)", share, counts[k]),
                        expected = case.id == "B4" and b4_expected(tag, k) or nil }
  end
  out[#out + 1] = figure(title, "load requests (series http_reqs tagged " .. tag
    .. ", seeding and control excluded), " .. total .. " in all"
    .. (case.id == "B4" and "; the black ticks are B4's intended mix (80% on TEST-ASSET-A)" or ""),
    svg.bar_chart({ title = title, x_label = "share of load requests (%)", bars = bars,
                    expected_label = "B4's intended share" }))
end

local function events_list(evs, out)
  if #evs == 0 then return end
  out[#out + 1] = "<p>Events:</p><ul>"
  for _, e in ipairs(evs) do
    local tags = {}
    for _, k in ipairs(sorted_keys(e.tags)) do
      tags[#tags + 1] = tostring(k) .. "=" .. tostring(e.tags[k])
    end
    out[#out + 1] = string.format("<li>t = %.3f s: %s%s</li>", e.t, esc(event_name(e)),
      #tags > 0 and " (" .. esc(table.concat(tags, ", ")) .. ")" or "")
  end
  out[#out + 1] = "</ul>"
end

local function usable_timeline(tl)
  if type(tl) ~= "table" or type(tl.t) ~= "table" or #tl.t == 0 then return nil end
  return tl
end

local function case_section(case, out)
  out[#out + 1] = string.format("<section><h3>%s: %s</h3>", esc(case.id or "not a test case"),
                                esc(case.name))
  local charts = {}
  local tl = usable_timeline(case.s.timeline)
  if not tl then
    local titles = { "Request rate", "Latency per interval", "Book depth", "Matches per second" }
    if case.id == "A3" then titles[2] = "A3 latency per depth" end
    for _, t in ipairs(titles) do charts[#charts + 1] = figure(t, NO_TIMELINE) end
  else
    local xs, label, div = time_axis(tl)
    local shades, evs, marks = outage_windows(tl, div)
    local ax = { xs = xs, label = label, shades = shades, marks = marks }
    local empty = "no sample in the timeline"
    local rc = rate_chart(tl, ax)
    charts[#charts + 1] = figure("Request rate", rc and "target rate per scenario (dashed) and "
      .. "achieved requests per second (timeline.http.reqs / interval_s)" or empty, rc)
    if case.id == "A3" then
      a3_charts(tl, ax, charts)
    else
      local lc = latency_chart(tl, ax)
      charts[#charts + 1] = figure("Latency per interval", lc and "percentiles of each interval "
        .. "alone (not cumulative), so a spike shows where it happened" or empty, lc)
    end
    scraped_charts(tl, ax, charts)
    case.events = evs
  end
  share_chart(case, "shard", "Share per shard", charts)
  share_chart(case, "symbol", "Share per symbol", charts)
  out[#out + 1] = '<div class="charts">' .. table.concat(charts, "\n") .. "</div>"
  events_list(case.events or {}, out)
  out[#out + 1] = "</section>"
end

function M.render(result)
  local out = { "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
      .. 'style-src \'unsafe-inline\'; img-src data:">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>lt report: the spec's ASR verdicts</title><style>" .. CSS .. "</style></head><body>",
    "<h1>lt report: the spec's ASR verdicts</h1>",
    string.format("<p>ASR 1 %s &nbsp; ASR 2 %s &nbsp; exit code %d</p>",
                  verdict_badge(result.asr1.verdict), verdict_badge(result.asr2.verdict),
                  result.exit_code or 0) }
  if result.time_scale ~= 1 then
    out[#out + 1] = string.format("<p>Time scale %s: every duration of the spec is scaled by it "
      .. "(4 min becomes %g min); rates are not.</p>", esc(result.time_scale), 4 * result.time_scale)
  end
  inputs_table(result, out)
  asr_table("ASR 1", result.asr1, out)
  asr_table("ASR 2", result.asr2, out)
  out[#out + 1] = "<p>A row marked undecided names the data that would decide it; rows marked "
    .. "(not counted) do not hold back the ASR's verdict.</p>"
  if #result.notes > 0 then
    out[#out + 1] = "<h2>Notes</h2><ul>"
    for _, n in ipairs(result.notes) do out[#out + 1] = "<li>" .. esc(n) .. "</li>" end
    out[#out + 1] = "</ul>"
  end
  out[#out + 1] = "<h2>Charts</h2>"
  for _, i in ipairs(result.inputs) do
    case_section({ id = i.test_case, name = i.file, s = i.summary }, out)
  end
  out[#out + 1] = "<footer>Made by lt report from JSON summaries; a self-contained page (inline "
    .. "CSS and SVG, no script).</footer></body></html>"
  return table.concat(out, "\n") .. "\n"
end

return M
