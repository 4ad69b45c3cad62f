-- markdown.lua: the report as Markdown. Everything taken from a summary is escaped, so a tag
-- value or file name shows as text and cannot break a table or inject markup.
local M = {}

local VERDICT = { pass = "PASS", fail = "FAIL", undecided = "undecided" }

-- Escapes Markdown and HTML metacharacters; a table cell keeps one line.
function M.escape(s)
  s = tostring(s == nil and "" or s):gsub("[\r\n]+", " ")
  s = s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;")
  return (s:gsub("([\\`*_%[%]|#])", "\\%1"))
end

local function table_md(title, asr, out)
  out[#out + 1] = string.format("## %s: %s\n", title, VERDICT[asr.verdict])
  out[#out + 1] = "| Criterion | Figure | Limit | Verdict | Source |"
  out[#out + 1] = "|:---|:---|:---|:---|:---|"
  for _, r in ipairs(asr.rows) do
    -- criterion and limit are lt's own text; figure and source carry file names from the input
    out[#out + 1] = string.format("| %s | %s | %s | %s | %s |", r.criterion, M.escape(r.figure),
      r.limit, VERDICT[r.verdict], M.escape(r.source))
  end
  out[#out + 1] = ""
end

function M.render(result)
  local out = { "# lt report: the spec's ASR verdicts", "" }
  for _, i in ipairs(result.inputs) do
    out[#out + 1] = string.format("- %s: %s (script %s, time scale %s)", M.escape(i.file),
      i.test_case or "not a test case", M.escape(i.script), M.escape(i.time_scale))
  end
  if result.time_scale ~= 1 then
    out[#out + 1] = string.format("- Time scale %g: every duration of the spec is scaled by it "
      .. "(4 min becomes %g min); rates are not.", result.time_scale, 4 * result.time_scale)
  end
  out[#out + 1] = ""
  table_md("ASR 1 (from A2; A3, A4 when given)", result.asr1, out)
  table_md("ASR 2 (from B1, B2; B3, B4 when given)", result.asr2, out)
  if #result.notes > 0 then
    out[#out + 1] = "Notes:"
    for _, n in ipairs(result.notes) do out[#out + 1] = "- " .. M.escape(n) end
    out[#out + 1] = ""
  end
  out[#out + 1] = "A row marked undecided names the data that would decide it; rows whose source "
    .. "ends with \"not counted\" do not hold back the ASR's verdict."
  return table.concat(out, "\n") .. "\n"
end

return M
