-- report: `lt report` entry point. main(inputs, format) -> text, exit code.
-- inputs: {{name=, text=|error=}, ...} from src/cli/report.c; format: "md", "json" or "html";
-- opts: {a4_noise_ms = MS}.
-- Exit codes: 0 every ASR that could be decided passed (at least one), 99 one failed,
-- 110 no ASR could be decided, 111 an unreadable, truncated or non-lt summary (nothing written).
local S = require "report.summary"
local V = require "report.verdicts"
local M = {}

M.EXIT_OK, M.EXIT_FAILED, M.EXIT_UNDECIDED, M.EXIT_BAD_INPUT = 0, 99, 110, 111

local function recognise(inputs)
  local cases, notes, listed, time_scale = {}, {}, {}, nil
  for _, input in ipairs(inputs) do
    local s, err = S.parse(input)
    if not s then return nil, err end
    local id = S.test_case(s)
    listed[#listed + 1] = { file = input.name, test_case = id, script = s.script,
                            time_scale = s.time_scale, summary = s } -- summary: html's charts
    if not id then
      notes[#notes + 1] = input.name .. ": not one of the spec's test cases (script "
        .. tostring(s.script) .. "); ignored"
    elseif cases[id] then
      notes[#notes + 1] = input.name .. ": a second " .. id .. " summary; the first ("
        .. cases[id].name .. ") is used"
    else
      cases[id] = { id = id, name = input.name, s = s, problems = S.problems(s) }
      if time_scale and s.time_scale ~= time_scale then
        notes[#notes + 1] = "the summaries ran at different time scales; durations use the first's"
      end
      time_scale = time_scale or s.time_scale
    end
  end
  if cases.A1 then -- the spec discards the warm-up's results
    notes[#notes + 1] = "A1 (" .. cases.A1.name .. ") is the warm-up: its results are not judged"
  end
  return { cases = cases, notes = notes, inputs = listed, time_scale = time_scale or 1 }
end

local function exit_code(result)
  local decided = false
  for _, asr in ipairs({ result.asr1, result.asr2 }) do
    if asr.verdict == "fail" then return M.EXIT_FAILED end
    if asr.verdict == "pass" then decided = true end
  end
  return decided and M.EXIT_OK or M.EXIT_UNDECIDED
end

function M.main(inputs, format, opts)
  local r, err = recognise(inputs)
  if not r then
    io.stderr:write("lt report: ", err, "\n")
    return nil, M.EXIT_BAD_INPUT
  end
  local result = V.evaluate(r.cases, r.time_scale, opts or {})
  result.inputs, result.notes, result.time_scale = r.inputs, r.notes, r.time_scale
  result.exit_code = exit_code(result)
  local renderers = { json = "report.json", html = "report.html" }
  local render = require(renderers[format] or "report.markdown")
  return render.render(result), result.exit_code
end

return M
