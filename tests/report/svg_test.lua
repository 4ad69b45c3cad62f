-- Unit checks of lua/report/svg.lua (run by html_test.sh with luajit): round ticks, gaps for
-- missing samples, escaping. Prints "ok   - NAME" or "FAIL - NAME: why" per check.
package.path = arg[1] .. "/?.lua;" .. package.path
local svg = require "report.svg"
local NULL = false -- what the renderer passes for a JSON null after per_second; nil works too

local function check(name, ok, why)
  print((ok and "ok   - " or "FAIL - ") .. name .. (ok and "" or (": " .. tostring(why))))
end

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

-- ticks: round steps, covering the data
local list, lo, hi, f = svg.ticks(0, 37.2, 5)
check("ticks 0..37.2 end at 40 in steps of 10", lo == 0 and hi == 40 and #list == 5 and f == "%.0f",
      table.concat(list, ","))
list, lo, hi, f = svg.ticks(0, 1.2, 5)
check("ticks 0..1.2: step 0.25 -> '%.2f', top 1.25", hi == 1.25 and f == "%.2f" and list[2] == 0.25,
      table.concat(list, ",") .. " " .. f)
check("nice_step picks 1, 2, 2.5 or 5 x 10^k", svg.nice_step(79, 5) == 20 and svg.nice_step(0.9, 5) == 0.2
      and svg.nice_step(12, 5) == 2.5 and svg.nice_step(300, 8) == 50, svg.nice_step(12, 5))

-- a gap is a new sub-path, never a drop to zero; a lone point is a dot
local chart = svg.line_chart({ title = "t", x_label = "x (s)", y_label = "y (ms)", x = { 1, 2, 3, 4, 5, 6 },
                               series = { { label = "s", values = { 1, 2, NULL, 4, 5, nil } },
                                          { label = "lone", values = { NULL, NULL, 7, NULL, NULL, NULL } } } })
local d1 = chart:match('class="series" d="([^"]*)"[^>]*data%-points="4"')
check("a null sample splits the line in two sub-paths", d1 and count(d1, "M") == 2, d1)
local y0 = chart:match('<text class="tick" x="%d+" y="([%d.]+)" text%-anchor="end">0</text>')
check("no point of the line sits on the zero axis", d1 and y0 and not d1:find(" " .. string.format("%.1f", y0 - 4)),
      tostring(y0) .. " in " .. tostring(d1))
check("an isolated sample is drawn as a dot (zero-length segment)", chart:find('l0 0" stroke="[^"]*" data%-points="1"') ~= nil)
check("both axes carry their label with the unit", chart:find(">x %(s%)</text>") and chart:find(">y %(ms%)</text>"))
check("no sample at all: no chart", svg.line_chart({ title = "e", x = { 1, 2 }, series = { { label = "e", values = { NULL, nil } } } }) == nil)

-- escaping
check("escape: markup and quotes", svg.escape([[<script>alert("x")&'</script>]])
      == "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt;", svg.escape("<a>"))
local bars = svg.bar_chart({ title = "<b>", x_label = "share (%)", bars = { { label = "<script>alert(1)</script>", value = 50 },
                                                                         { label = "ok", value = 50 } } })
check("bar chart escapes its labels", not bars:find("<script") and not bars:find("<b>") and bars:find("&lt;script&gt;"), bars)
check("bar chart: one rect.bar per entry", count(bars, 'class="bar"') == 2)
