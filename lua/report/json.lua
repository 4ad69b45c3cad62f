-- json.lua: the report as JSON (schema lt-report/1, docs/report.md), keys in a fixed order so
-- the text is stable from run to run. Scalars go through lt's encoder (escaping, valid UTF-8).
local M = {}

local function scalar(v)
  if v == nil then return "null" end
  if type(v) == "number" and (v ~= v or v == math.huge or v == -math.huge) then return "null" end
  return lt_json_encode(v)
end

-- An object from {key, value-text} pairs.
local function object(pairs_, indent)
  local pad = string.rep("  ", indent)
  local parts = {}
  for _, kv in ipairs(pairs_) do
    parts[#parts + 1] = pad .. "  " .. lt_json_encode(kv[1]) .. ": " .. kv[2]
  end
  if #parts == 0 then return "{}" end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. pad .. "}"
end

local function array(items, indent)
  if #items == 0 then return "[]" end
  local pad = string.rep("  ", indent)
  return "[\n" .. pad .. "  " .. table.concat(items, ",\n" .. pad .. "  ") .. "\n" .. pad .. "]"
end

local function row_json(r, indent)
  return object({ { "criterion", scalar(r.criterion) }, { "figure", scalar(r.figure) },
                  { "value", scalar(r.value) }, { "limit", scalar(r.limit) },
                  { "verdict", scalar(r.verdict) }, { "source", scalar(r.source) },
                  { "required", scalar(r.required) } }, indent)
end

local function asr_json(asr, indent)
  local rows = {}
  for _, r in ipairs(asr.rows) do rows[#rows + 1] = row_json(r, indent + 2) end
  return object({ { "verdict", scalar(asr.verdict) }, { "rows", array(rows, indent + 1) } }, indent)
end

function M.render(result)
  local inputs = {}
  for _, i in ipairs(result.inputs) do
    inputs[#inputs + 1] = object({ { "file", scalar(i.file) }, { "test_case", scalar(i.test_case) },
                                   { "script", scalar(i.script) },
                                   { "time_scale", scalar(i.time_scale) } }, 2)
  end
  local notes = {}
  for _, n in ipairs(result.notes) do notes[#notes + 1] = scalar(n) end
  return object({ { "schema", scalar("lt-report/1") }, { "exit_code", scalar(result.exit_code) },
                  { "time_scale", scalar(result.time_scale) }, { "inputs", array(inputs, 1) },
                  { "asr1", asr_json(result.asr1, 1) }, { "asr2", asr_json(result.asr2, 1) },
                  { "notes", array(notes, 1) } }, 0) .. "\n"
end

return M
