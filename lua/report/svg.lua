-- svg.lua: small inline-SVG charts for the HTML report (no script, no external resource).
-- Promises:
--   - line_chart: one path per series, a missing sample (nil or JSON null) is a gap in the line,
--     never a zero; an isolated sample is a dot. Axes start at 0, ticks fall on round values
--     (1, 2, 2.5, 5 x 10^k), both axes carry their label with its unit, and a legend names every
--     series, reference line and shaded window. Returns nil when no series has a sample.
--   - bar_chart: one horizontal bar per entry, its value written beside it.
--   - every text that reaches the markup goes through escape (&, <, >, ", ').
-- Data paths carry class "series" (lines) or "bar" (bars): a test finds the drawn data by them.
local M = {}

M.PALETTE = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
              "#17becf", "#7f7f7f", "#bcbd22" }

local ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
                  ["'"] = "&#39;" }

-- Text and attribute escaping for HTML and SVG.
function M.escape(s)
  if s == nil then return "" end
  return (tostring(s):gsub("[&<>\"']", ESCAPES))
end

local esc = M.escape

local function is_num(v) return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge end
M.is_num = is_num

-- A round step (1, 2, 2.5 or 5 x 10^k) that splits range into about n parts.
function M.nice_step(range, n)
  if not (range > 0) then return 1 end
  local raw = range / n
  local mag = 10 ^ math.floor(math.log10(raw))
  local f = raw / mag
  local nice = f <= 1 and 1 or f <= 2 and 2 or f <= 2.5 and 2.5 or f <= 5 and 5 or 10
  return nice * mag
end

-- Decimals needed to print multiples of step exactly (0 for whole steps).
local function decimals(step)
  for d = 0, 6 do
    local scaled = step * 10 ^ d
    if math.abs(scaled - math.floor(scaled + 0.5)) < 1e-6 then return d end
  end
  return 6
end

-- Ticks from 0 (or lo) to a round value >= hi: list of numbers, the top and the label format.
function M.ticks(lo, hi, n)
  if not (hi > lo) then hi = lo + 1 end
  local step = M.nice_step(hi - lo, n or 5)
  local first = math.floor(lo / step + 1e-9) * step
  local last = math.ceil(hi / step - 1e-9) * step
  local list = {}
  for i = 0, math.floor((last - first) / step + 0.5) do list[#list + 1] = first + i * step end
  return list, first, last, "%." .. decimals(step) .. "f"
end

local function fmt(x) return string.format("%.1f", x) end

-- Approximate width of a text in the chart's 12 px font (no layout engine here).
local function text_width(s) return 7 * #tostring(s) end

-- Legend entries laid out in rows across width; returns the markup and the rows' height.
local function legend(entries, x0, y0, width)
  local out, x, y = {}, x0, y0
  for _, e in ipairs(entries) do
    local w = 28 + text_width(e.label)
    if x > x0 and x + w > x0 + width then x, y = x0, y + 18 end
    if e.kind == "shade" then
      out[#out + 1] = string.format('<rect x="%s" y="%s" width="18" height="10" class="shade"/>',
                                    fmt(x), fmt(y - 9))
    elseif e.kind == "ref" then
      out[#out + 1] = string.format('<line x1="%s" y1="%s" x2="%s" y2="%s" class="ref"/>', fmt(x),
                                    fmt(y - 4), fmt(x + 18), fmt(y - 4))
    else
      out[#out + 1] = string.format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" '
        .. 'stroke-width="2.5"%s/>', fmt(x), fmt(y - 4), fmt(x + 18), fmt(y - 4), e.color,
        e.dash and ' stroke-dasharray="5 3"' or "")
    end
    out[#out + 1] = string.format('<text x="%s" y="%s" class="legend">%s</text>', fmt(x + 23),
                                  fmt(y), esc(e.label))
    x = x + w + 10
  end
  if #entries == 0 then return "", 0 end
  return table.concat(out), y - y0 + 18
end

-- The path of one series: a new sub-path after every gap; a lone point is a zero-length line
-- that the round line cap draws as a dot.
local function series_path(xs, values, sx, sy)
  local d, run, points = {}, 0, 0
  for i = 1, #xs do
    local v = values[i]
    if is_num(v) and is_num(xs[i]) then
      local px, py = sx(xs[i]), sy(v)
      d[#d + 1] = (run == 0 and "M" or "L") .. fmt(px) .. " " .. fmt(py)
      run, points = run + 1, points + 1
    else
      if run == 1 then d[#d] = d[#d] .. " l0 0" end
      run = 0
    end
  end
  if run == 1 then d[#d] = d[#d] .. " l0 0" end
  return table.concat(d, " "), points
end

-- spec: {title, x_label, y_label, x = {..}, series = {{label, values, color?, dash?}},
--        refs = {{y, label}}, shade = {{x0, x1, label}}, marks = {{x, label}} (events),
--        x_min?, x_max?, y_max?, width?, height?}
function M.line_chart(spec)
  local W, H = spec.width or 560, spec.height or 300
  local xs = spec.x
  local x_lo, x_hi, y_hi = spec.x_min or 0, spec.x_max, 0
  local any = false
  for _, s in ipairs(spec.series) do
    for i = 1, #xs do
      if is_num(s.values[i]) and is_num(xs[i]) then
        any = true
        y_hi = math.max(y_hi, s.values[i])
        if not spec.x_max then x_hi = math.max(x_hi or xs[i], xs[i]) end
      end
    end
  end
  if not any then return nil end
  for _, r in ipairs(spec.refs or {}) do y_hi = math.max(y_hi, r.y) end
  y_hi = math.max(y_hi, spec.y_max or 0)
  x_hi = x_hi or x_lo + 1
  local entries = {}
  for k, s in ipairs(spec.series) do
    s.color = s.color or M.PALETTE[(k - 1) % #M.PALETTE + 1]
    entries[#entries + 1] = { label = s.label, color = s.color, dash = s.dash }
  end
  for _, r in ipairs(spec.refs or {}) do entries[#entries + 1] = { label = r.label, kind = "ref" } end
  for _, sh in ipairs(spec.shade or {}) do
    entries[#entries + 1] = { label = sh.label, kind = "shade" }
  end
  local left, right, bottom = 62, 16, 44
  local legend_svg, legend_h = legend(entries, left, 16, W - left - right)
  local top = 14 + legend_h
  local pw, ph = W - left - right, H - top - bottom
  local yt, _, y_top, yfmt = M.ticks(0, y_hi > 0 and y_hi or 1, 5)
  local xt, x_first, x_last, xfmt = M.ticks(x_lo, x_hi, 8)
  local function sx(x) return left + (x - x_first) / (x_last - x_first) * pw end
  local function sy(y) return top + ph - y / y_top * ph end
  local out = { string.format('<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" '
    .. 'height="%d" viewBox="0 0 %d %d" role="img"><title>%s</title>', W, H, W, H, esc(spec.title)) }
  out[#out + 1] = legend_svg
  for _, sh in ipairs(spec.shade or {}) do
    local a, b = math.max(sh.x0, x_first), math.min(sh.x1, x_last)
    if b > a then
      out[#out + 1] = string.format('<rect class="shade window" x="%s" y="%s" width="%s" height="%s">'
        .. '<title>%s</title></rect>', fmt(sx(a)), fmt(top), fmt(sx(b) - sx(a)), fmt(ph),
        esc(sh.label))
    end
  end
  for _, y in ipairs(yt) do
    out[#out + 1] = string.format('<line class="grid" x1="%d" y1="%s" x2="%d" y2="%s"/>'
      .. '<text class="tick" x="%d" y="%s" text-anchor="end">%s</text>', left, fmt(sy(y)),
      left + pw, fmt(sy(y)), left - 6, fmt(sy(y) + 4), string.format(yfmt, y))
  end
  for _, x in ipairs(xt) do
    out[#out + 1] = string.format('<line class="axis" x1="%s" y1="%d" x2="%s" y2="%d"/>'
      .. '<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>', fmt(sx(x)), top + ph,
      fmt(sx(x)), top + ph + 5, fmt(sx(x)), top + ph + 18, string.format(xfmt, x))
  end
  out[#out + 1] = string.format('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>'
    .. '<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>', left, top, left, top + ph, left,
    top + ph, left + pw, top + ph)
  for _, r in ipairs(spec.refs or {}) do
    out[#out + 1] = string.format('<line class="ref" x1="%d" y1="%s" x2="%d" y2="%s"/>', left,
                                  fmt(sy(r.y)), left + pw, fmt(sy(r.y)))
  end
  -- event marks: a thin vertical line each, labelled while there are few enough to read
  local marks = spec.marks or {}
  for _, m in ipairs(marks) do
    if m.x >= x_first and m.x <= x_last then
      out[#out + 1] = string.format('<line class="mark" x1="%s" y1="%d" x2="%s" y2="%d">'
        .. '<title>%s</title></line>', fmt(sx(m.x)), top, fmt(sx(m.x)), top + ph, esc(m.label))
      if #marks <= 6 then
        out[#out + 1] = string.format('<text class="marklabel" x="%s" y="%d">%s</text>',
                                      fmt(sx(m.x) + 3), top + 11, esc(m.label))
      end
    end
  end
  for _, s in ipairs(spec.series) do
    local d, n = series_path(xs, s.values, sx, sy)
    if n > 0 then
      out[#out + 1] = string.format('<path class="series" d="%s" stroke="%s"%s data-points="%d">'
        .. '<title>%s</title></path>', d, s.color, s.dash and ' stroke-dasharray="5 3"' or "", n,
        esc(s.label))
    end
  end
  out[#out + 1] = string.format('<text class="label" x="%s" y="%d" text-anchor="middle">%s</text>',
                                fmt(left + pw / 2), H - 6, esc(spec.x_label))
  out[#out + 1] = string.format('<text class="label" x="14" y="%s" text-anchor="middle" '
    .. 'transform="rotate(-90 14 %s)">%s</text>', fmt(top + ph / 2), fmt(top + ph / 2),
    esc(spec.y_label))
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

-- The first n bytes of s, shortened so that no UTF-8 sequence is cut in two.
local function utf8_cut(s, n)
  while n > 0 and (s:byte(n + 1) or 0) >= 0x80 and (s:byte(n + 1) or 0) < 0xC0 do n = n - 1 end
  return s:sub(1, n)
end

-- spec: {title, x_label, bars = {{label, value, text?, expected?}}, expected_label?, x_max?,
-- width?}. An expected value is a black tick across its bar. Labels longer than 22 characters
-- are cut on screen (the full text is the bar's tooltip).
function M.bar_chart(spec)
  local W, bar_h, gap = spec.width or 560, 18, 6
  local left, right, top, bottom = 170, 90, 10, 40
  local hi = spec.x_max or 0
  local any_expected = false
  for _, b in ipairs(spec.bars) do
    hi = math.max(hi, b.value, b.expected or 0)
    any_expected = any_expected or b.expected ~= nil
  end
  if any_expected then top = 30 end
  local xt, _, x_top, xfmt = M.ticks(0, hi > 0 and hi or 1, 5)
  local pw = W - left - right
  local H = top + #spec.bars * (bar_h + gap) + bottom
  local function sx(x) return left + x / x_top * pw end
  local out = { string.format('<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" '
    .. 'height="%d" viewBox="0 0 %d %d" role="img"><title>%s</title>', W, H, W, H, esc(spec.title)) }
  local base = top + #spec.bars * (bar_h + gap)
  if any_expected then
    out[#out + 1] = string.format('<line class="expected" x1="%d" y1="12" x2="%d" y2="24"/>'
      .. '<text class="legend" x="%d" y="22">%s</text>', left, left, left + 6,
      esc(spec.expected_label or "expected"))
  end
  for _, x in ipairs(xt) do
    out[#out + 1] = string.format('<line class="grid" x1="%s" y1="%d" x2="%s" y2="%d"/>'
      .. '<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>', fmt(sx(x)), top,
      fmt(sx(x)), base, fmt(sx(x)), base + 16, string.format(xfmt, x))
  end
  for i, b in ipairs(spec.bars) do
    local y = top + (i - 1) * (bar_h + gap)
    local label = tostring(b.label)
    local shown = #label > 22 and utf8_cut(label, 21) .. "…" or label
    out[#out + 1] = string.format('<text class="tick" x="%d" y="%s" text-anchor="end">%s</text>'
      .. '<rect class="bar" x="%d" y="%d" width="%s" height="%d" fill="%s" data-value="%s">'
      .. '<title>%s</title></rect><text class="tick" x="%s" y="%s">%s</text>', left - 6,
      fmt(y + bar_h - 4), esc(shown), left, y, fmt(sx(b.value) - left), bar_h,
      b.color or M.PALETTE[1], string.format("%.6g", b.value), esc(label), fmt(sx(b.value) + 5),
      fmt(y + bar_h - 4), esc(b.text or string.format("%g", b.value)))
    if b.expected then
      out[#out + 1] = string.format('<line class="expected" x1="%s" y1="%d" x2="%s" y2="%d">'
        .. '<title>expected %g</title></line>', fmt(sx(b.expected)), y - 2, fmt(sx(b.expected)),
        y + bar_h + 2, b.expected)
    end
  end
  out[#out + 1] = string.format('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>', left, top,
                                left, base)
  out[#out + 1] = string.format('<text class="label" x="%s" y="%d" text-anchor="middle">%s</text>',
                                fmt(left + pw / 2), H - 6, esc(spec.x_label))
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

return M
