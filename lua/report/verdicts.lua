-- verdicts.lua: the spec's section 10 tables (ASR 1, ASR 2) filled in from recognised summaries.
-- Each row: criterion, figure (text), value (number or nil), limit, verdict (pass|fail|undecided),
-- source, required. An ASR fails when any row fails, is undecided when a required row is
-- undecided, and passes otherwise. Never a pass without data: a run with no load request, all
-- failed, failed seeding or no latency sample fails every row it feeds; an undefined ratio fails.
local S = require "report.summary"
local M = {}

local LIMIT_MS = 200

local function row(criterion, verdict, figure, value, limit, source, required)
  return { criterion = criterion, verdict = verdict, figure = figure, value = value, limit = limit,
           source = source, required = required ~= false }
end

local function fmt_ms(v) return string.format("%.3f ms", v) end

-- The run's problems as a failing row, or nil when its numbers stand.
local function problem_row(criterion, case, limit, problems, required)
  if #problems == 0 then return nil end
  return row(criterion, "fail", table.concat(problems, "; "), nil, limit,
             case.id .. " (" .. case.name .. "): the run cannot pass", required)
end

-- p99 of a top-level trend metric < 200 ms.
local function p99_row(criterion, case, metric)
  local limit = "< " .. LIMIT_MS .. " ms"
  local bad = problem_row(criterion, case, limit, case.problems)
  if bad then return bad end
  local v = (case.s.metrics[metric] or {}).values or {}
  local src = case.id .. " (" .. case.name .. "): metrics." .. metric .. ".values[\"p(99)\"]"
  if not ((v.count or 0) > 0) then return row(criterion, "fail", "no sample", nil, limit, src) end
  local p = v["p(99)"]
  if type(p) ~= "number" then
    return row(criterion, "undecided", "no p(99) in the summary (add it to summaryTrendStats)",
               nil, limit, src)
  end
  return row(criterion, p < LIMIT_MS and "pass" or "fail", fmt_ms(p), p, limit, src)
end

local function error_rate_row(case)
  local criterion, limit = "error rate (load requests)", "< 1%"
  local reqs, failed = S.load_requests(case.s)
  local src = case.id .. " (" .. case.name .. "): series http_req_failed / http_reqs, "
    .. "kind seed and control excluded"
  if reqs == 0 then return row(criterion, "fail", "no load request was sent", nil, limit, src) end
  local rate = 100 * failed / reqs
  return row(criterion, rate < 1 and "pass" or "fail",
             string.format("%.2f%% (%d of %d)", rate, failed, reqs), rate, limit, src)
end

local function missing(criterion, limit, what, required)
  return row(criterion, "undecided", "no data", nil, limit, what, required)
end

-- p99 of a phase sub-metric of A4, or nil and why not.
local function phase_p99(case, phase)
  local v = (case.s.metrics["match_latency_ms{phase:" .. phase .. "}"] or {}).values
  if not v then return nil, "no match_latency_ms{phase:" .. phase .. "} sub-metric" end
  if not ((v.count or 0) > 0) then return nil, "no sample in phase " .. phase end
  if type(v["p(99)"]) ~= "number" then return nil, "no p(99) in phase " .. phase end
  return v["p(99)"]
end

-- A4: p99 during the outage within 10% of before, or risen by less than the noise allowance
-- (scenarios/summary_tool.py a4). Not counted when A4 was not given (the spec's table is A2's).
local function a4_row(a4, noise_ms)
  local criterion = "A4: p99 match_latency_ms during the broker outage within 10% of before"
  local limit = "ratio <= 1.10" .. (noise_ms > 0 and string.format(", or a rise under %g ms", noise_ms) or "")
  if not a4 then
    return missing(criterion, limit, "run A4 (lua/a4_kafka_degradation.lua); not counted", false)
  end
  local bad = problem_row(criterion, a4, limit, a4.problems)
  if bad then return bad end
  local src = "A4 (" .. a4.name .. "): metrics match_latency_ms{phase:outage} / {phase:before} p(99)"
  local before, why_b = phase_p99(a4, "before")
  local outage, why_o = phase_p99(a4, "outage")
  if not before or not outage then
    return row(criterion, "fail", why_b or why_o, nil, limit, src)
  end
  local ratio = before > 0 and outage / before or nil
  if not ratio or ratio ~= ratio or ratio == math.huge then
    return row(criterion, "fail", "undefined ratio (p99 before is 0)", nil, limit, src)
  end
  local ok = ratio <= 1.10 or (outage - before) < noise_ms
  return row(criterion, ok and "pass" or "fail",
             string.format("%.3f (%s during, %s before)", ratio, fmt_ms(outage), fmt_ms(before)),
             ratio, limit, src)
end

local function asr1_rows(cases, opts)
  local a2 = cases.A2
  local rows = {}
  if not a2 then
    for _, c in ipairs({ "p99 http_req_duration", "p99 match_latency_ms" }) do
      rows[#rows + 1] = missing(c, "< 200 ms", "run A2 (lua/a2_normal_load.lua)")
    end
    rows[#rows + 1] = missing("error rate (load requests)", "< 1%", "run A2 (lua/a2_normal_load.lua)")
  else
    rows[#rows + 1] = p99_row("p99 http_req_duration", a2, "http_req_duration")
    rows[#rows + 1] = p99_row("p99 match_latency_ms", a2, "match_latency_ms")
    rows[#rows + 1] = problem_row("error rate (load requests)", a2, "< 1%", a2.problems)
      or error_rate_row(a2)
  end
  rows[#rows + 1] = missing("p99 me_match_duration_seconds (target side)", "< 200 ms",
    "scrape the target's /metrics during A2 (lt summaries hold no scrape yet); not counted", false)
  rows[#rows + 1] = missing("GC pauses jvm_gc_pause_seconds_max", "< 5 ms",
    "scrape a JVM target's /metrics (mesim has no GC); not counted", false)
  rows[#rows + 1] = a4_row(cases.A4, opts.a4_noise_ms or 0)
  return rows
end

-- Successful load requests per second over the run, or nil and why not.
local function throughput(case)
  local reqs, failed = S.load_requests(case.s)
  local d = case.s.duration_s
  if type(d) ~= "number" or d <= 0 then return nil, "no run duration" end
  return (reqs - failed) / d
end

local function scaling_row(b1, b2)
  local criterion, limit = "linear scaling: throughput(B2) >= 0.9 x 3 x throughput(B1)", ">= 0.9"
  -- a run that cannot pass fails the row even when the other run is missing
  local probs, names = {}, {}
  for _, c in ipairs({ b1 or false, b2 or false }) do
    if c then
      names[#names + 1] = c.id .. " (" .. c.name .. ")"
      for _, p in ipairs(c.problems) do probs[#probs + 1] = c.id .. ": " .. p end
    end
  end
  local src = table.concat(names, " and ") .. ": successful load requests "
    .. "(series http_reqs - http_req_failed, seed/control excluded) / duration_s"
  if #probs > 0 then return row(criterion, "fail", table.concat(probs, "; "), nil, limit, src) end
  if not b2 then return missing(criterion, limit, "run B2 (lua/b2_peak_sustained.lua)") end
  if not b1 then return missing(criterion, limit, "run B1 too (lua/b1_baseline.lua)") end
  local t1, why1 = throughput(b1)
  local t2, why2 = throughput(b2)
  if not t1 or not t2 then
    return row(criterion, "fail", "undefined: " .. (why1 or why2), nil, limit, src)
  end
  local ratio = t1 > 0 and t2 / (3 * t1) or nil
  if not ratio or ratio ~= ratio or ratio == math.huge then
    return row(criterion, "fail", "undefined ratio (B1 throughput 0)", nil, limit, src)
  end
  return row(criterion, ratio >= 0.9 and "pass" or "fail",
             string.format("%.3f (B2 %.2f/s, B1 %.2f/s)", ratio, t2, t1), ratio, limit, src)
end

local function shard_p99_rows(b2)
  local criterion = "per-shard p99 match_latency_ms (lt side)"
  local limit = "< 200 ms per shard"
  if not b2 then return { missing(criterion, limit, "run B2 (lua/b2_peak_sustained.lua)") } end
  local bad = problem_row(criterion, b2, limit, b2.problems)
  if bad then return { bad } end
  local rows = {}
  for _, shard in ipairs({ "a", "b", "c" }) do
    local c = criterion .. ", shard " .. shard
    local src = "B2 (" .. b2.name .. "): series match_latency_ms{shard:" .. shard
      .. "} histograms merged"
    local p = S.merged_percentile(S.load_rows(b2.s, "match_latency_ms", "shard", shard), 99)
    if not p then
      rows[#rows + 1] = row(c, "fail", "no sample on shard " .. shard, nil, limit, src)
    else
      rows[#rows + 1] = row(c, p < LIMIT_MS and "pass" or "fail", fmt_ms(p), p, limit, src)
    end
  end
  return rows
end

local function throughput_row(b2, time_scale)
  local criterion = "aggregate matches/min sum(rate(me_matches_total[1m]))"
  local minutes = 4 * (time_scale or 1)
  local limit = string.format(">= 4,750/min for >= %g min", minutes)
  if (time_scale or 1) ~= 1 then
    limit = limit .. string.format(" (4 min x time scale %g)", time_scale)
  end
  if not b2 then return missing(criterion, limit, "run B2 (lua/b2_peak_sustained.lua)") end
  local bad = problem_row(criterion, b2, limit, b2.problems)
  if bad then return bad end
  local mc = ((b2.s.metrics.match_count or {}).values or {}).count
  local figure = "no data"
  if type(mc) == "number" and (b2.s.duration_s or 0) > 0 then
    figure = string.format("lt's match_count %.0f/min (orders with a fill: a lower bound, for "
      .. "information)", 60 * mc / b2.s.duration_s)
  end
  return row(criterion, "undecided", figure, nil, limit,
             "scrape the shards' /metrics (me_matches_total) during B2: lt summaries hold no "
               .. "scrape yet")
end

local function asr2_rows(cases, time_scale)
  local rows = { throughput_row(cases.B2, time_scale) }
  for _, r in ipairs(shard_p99_rows(cases.B2)) do rows[#rows + 1] = r end
  rows[#rows + 1] = scaling_row(cases.B1, cases.B2)
  rows[#rows + 1] = missing("shard isolation: shard A p99 within +/- 5% when shard B load rises",
    "+/- 5%", "not evaluated by this lt version (needs shard A's p99 from B1 and from a run "
      .. "loading shard B, e.g. B4)")
  return rows
end

local function asr_verdict(rows)
  local v = "pass"
  for _, r in ipairs(rows) do
    if r.verdict == "fail" then return "fail" end
    if r.verdict == "undecided" and r.required then v = "undecided" end
  end
  return v
end

-- cases: {A2 = {id, name, s, problems}, ...}. Returns {asr1 = {verdict, rows}, asr2 = ...}.
function M.evaluate(cases, time_scale, opts)
  local r1, r2 = asr1_rows(cases, opts or {}), asr2_rows(cases, time_scale)
  return { asr1 = { verdict = asr_verdict(r1), rows = r1 },
           asr2 = { verdict = asr_verdict(r2), rows = r2 } }
end

return M
