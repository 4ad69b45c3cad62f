-- summary.lua: reads lt's JSON summaries (schema lt-summary/1) and answers what the verdicts ask:
-- the test case a summary is, its load requests (seeding and control calls excluded, as the suites
-- do), and percentiles of merged series histograms (lt's log-linear buckets, k6's percentile).
local M = {}

M.SCHEMA = "lt-summary/1"
local LOAD_EXCLUDE = { seed = true, control = true }

-- Script basename and scenario names of each test case (the scripts in lua/).
local CASES = {
  { id = "A1", script = "a1_warmup", scenarios = { "warmup" } },
  { id = "A2", script = "a2_normal_load", scenarios = { "normal_load" } },
  { id = "A3", script = "a3_depth_variation", scenarios = { "shallow", "medium", "deep" } },
  { id = "A4", script = "a4_kafka_degradation", scenarios = { "kafka_degradation" } },
  { id = "B1", script = "b1_baseline", scenarios = { "baseline" } },
  { id = "B2", script = "b2_peak_sustained", scenarios = { "peak_sustained" } },
  { id = "B3", script = "b3_ramp", scenarios = { "ramp" } },
  { id = "B4", script = "b4_hot_symbol", scenarios = { "hot_symbol" } },
}

local function has_all(tbl, names)
  if type(tbl) ~= "table" then return false end
  for _, n in ipairs(names) do
    if tbl[n] == nil then return false end
  end
  return true
end

-- The test case id (A1..B4) from the script path, else from the scenario names; nil if neither.
function M.test_case(s)
  local base = tostring(s.script or ""):match("([^/]+)%.lua$")
  for _, c in ipairs(CASES) do
    if base == c.script then return c.id end
  end
  for _, c in ipairs(CASES) do
    if has_all(s.scenarios, c.scenarios) then return c.id end
  end
  return nil
end

-- Decodes and checks one input {name, text|error}; returns the summary or nil, message.
function M.parse(input)
  if input.error then return nil, input.name .. ": " .. input.error end
  if input.text == "" then return nil, input.name .. ": empty file" end
  local s, err = lt_json_decode(input.text)
  if s == nil then return nil, input.name .. ": not JSON (" .. tostring(err) .. ")" end
  if type(s) ~= "table" or s.schema ~= M.SCHEMA then
    return nil, input.name .. ": not an lt JSON summary (no \"schema\": \"" .. M.SCHEMA .. "\")"
  end
  if type(s.metrics) ~= "table" or type(s.series) ~= "table" then
    return nil, input.name .. ": truncated lt summary (no metrics or series)"
  end
  return s
end

local function is_load(row) return not LOAD_EXCLUDE[(row.tags or {}).kind] end

-- Series rows of metric that are load (orders), optionally only those whose tags match.
function M.load_rows(s, metric, tag, value)
  local out = {}
  for _, row in ipairs(s.series) do
    if row.metric == metric and is_load(row) and (tag == nil or (row.tags or {})[tag] == value) then
      out[#out + 1] = row
    end
  end
  return out
end

-- Load requests sent and failed.
function M.load_requests(s)
  local reqs, failed = 0, 0
  for _, r in ipairs(M.load_rows(s, "http_reqs")) do reqs = reqs + ((r.values or {}).count or 0) end
  for _, r in ipairs(M.load_rows(s, "http_req_failed")) do
    failed = failed + ((r.values or {}).passes or 0)
  end
  return reqs, failed
end

-- What the failed load requests died of, most frequent first: "connection refused: 31".
function M.top_errors(s, n)
  local why, keys = {}, {}
  for _, r in ipairs(M.load_rows(s, "http_req_failed")) do
    local k = (r.values or {}).passes or 0
    if k > 0 then
      local t = r.tags or {}
      local key = t.error or ("status " .. tostring(t.status or "?"))
      if not why[key] then keys[#keys + 1] = key end
      why[key] = (why[key] or 0) + k
    end
  end
  table.sort(keys, function(a, b) return why[a] > why[b] or (why[a] == why[b] and a < b) end)
  local parts = {}
  for i = 1, math.min(n or 2, #keys) do parts[i] = keys[i] .. ": " .. why[keys[i]] end
  return table.concat(parts, ", ")
end

-- Why a run's numbers cannot pass whatever they say: a list.
function M.problems(s)
  local p = {}
  local reqs, failed = M.load_requests(s)
  if reqs == 0 then
    p[#p + 1] = "no load request was sent"
  elseif failed == reqs then
    p[#p + 1] = string.format("all %d load requests failed (%s)", reqs, M.top_errors(s))
  end
  local sf, sp = 0, 0
  for _, c in ipairs(s.checks or {}) do
    if tostring(c.name or ""):sub(1, 13) == "seed response" then
      sf, sp = sf + (c.fails or 0), sp + (c.passes or 0)
    end
  end
  if sf > 0 then p[#p + 1] = string.format("seeding failed (%d of %d seed requests)", sf, sf + sp) end
  local lat = s.metrics.match_latency_ms
  if lat and not (((lat.values or {}).count or 0) > 0) then
    p[#p + 1] = "match_latency_ms has no sample: no order succeeded"
  end
  if s.partial then p[#p + 1] = "the run was interrupted: partial results" end
  return p
end

-- A bucket index's midpoint (hist.h: index = (exponent + 1100) * sub + sub_bucket).
local function bucket_mid(index, sub)
  local e = math.floor(index / sub) - 1100
  local k = index % sub
  return (1 + (k + 0.5) / sub) * 2 ^ e
end

-- p-th percentile (k6's definition) of the merged histograms of rows; nil, count when empty.
function M.merged_percentile(rows, p)
  local count, zero, lo, hi, sub = 0, 0, math.huge, -math.huge, 512
  local buckets = {}
  for _, r in ipairs(rows) do
    local h = r.histogram
    if h and (h.count or 0) > 0 then
      if h.neg and #h.neg > 0 then return nil, 0 end -- latencies are never negative
      count, zero, sub = count + h.count, zero + (h.zero or 0), h.sub or sub
      lo, hi = math.min(lo, h.min), math.max(hi, h.max)
      for _, b in ipairs(h.pos or {}) do buckets[b[1]] = (buckets[b[1]] or 0) + b[2] end
    end
  end
  if count == 0 then return nil, 0 end
  local idx = {}
  for i in pairs(buckets) do idx[#idx + 1] = i end
  table.sort(idx)
  local function value_at(rank) -- rank 0-based
    if rank == 0 then return lo end
    if rank >= count - 1 then return hi end
    if rank < zero then return math.max(lo, math.min(hi, 0)) end
    local seen = zero
    for _, i in ipairs(idx) do
      seen = seen + buckets[i]
      if rank < seen then return math.max(lo, math.min(hi, bucket_mid(i, sub))) end
    end
    return hi
  end
  local r = (count - 1) * p / 100
  local f = math.floor(r)
  local a = value_at(f)
  if f + 1 > count - 1 then return a, count end
  return a + (value_at(f + 1) - a) * (r - f), count
end

-- p99 of the merged histograms of metric's load series (optionally only tag = value); nil, 0
-- when there is no sample.
function M.load_p99(s, metric, tag, value)
  return M.merged_percentile(M.load_rows(s, metric, tag, value), 99)
end

-- Load requests sent per shard and per symbol (series http_reqs tagged symbol): two tables
-- name -> count, and the total.
function M.request_shares(s)
  local by_shard, by_symbol, total = {}, {}, 0
  for _, r in ipairs(M.load_rows(s, "http_reqs")) do
    local t, n = r.tags or {}, (r.values or {}).count or 0
    if t.symbol then
      by_symbol[t.symbol] = (by_symbol[t.symbol] or 0) + n
      local shard = t.shard or "?"
      by_shard[shard] = (by_shard[shard] or 0) + n
      total = total + n
    end
  end
  return by_shard, by_symbol, total
end

-- A scraped counter's increase during the run, summed over its series (gauge "<name>" in the
-- summary's series: value = last scrape, min = first, as counters only grow; a reset in between
-- makes this a lower bound). Returns the increase, the number of series and the shards seen.
function M.scraped_increase(s, metric)
  local total, n, shards = 0, 0, {}
  for _, r in ipairs(s.series) do
    local v = r.values or {}
    if r.metric == metric and type(v.value) == "number" and type(v.min) == "number" then
      total, n = total + math.max(0, v.value - v.min), n + 1
      local shard = (r.tags or {}).shard or (r.tags or {}).target
      if shard then shards[shard] = true end
    end
  end
  return total, n, shards
end

-- Per-interval rate of a scraped counter summed over its series, from the summary's
-- timeline.scraped (entries "<name>_per_s", else "<name>" counter values differenced).
-- A null sample counts 0, so the sums are lower bounds. Returns rates, interval_s, nseries, or
-- nil and why not.
function M.timeline_rates(s, metric)
  local tl = s.timeline
  if type(tl) ~= "table" then return nil, "no timeline" end
  local n, dt = type(tl.t) == "table" and #tl.t or 0, tl.interval_s
  if n == 0 or type(dt) ~= "number" or dt <= 0 then return nil, "an empty timeline" end
  local sums, used = {}, 0
  for i = 1, n do sums[i] = 0 end
  local function num(x) return type(x) == "number" and x or nil end
  for _, e in ipairs(type(tl.scraped) == "table" and tl.scraped or {}) do
    local vals = type(e.values) == "table" and e.values or {}
    if e.metric == metric .. "_per_s" then
      used = used + 1
      for i = 1, n do sums[i] = sums[i] + (num(vals[i]) or 0) end
    end
  end
  if used == 0 then -- fall back to the counter's own values
    for _, e in ipairs(type(tl.scraped) == "table" and tl.scraped or {}) do
      local vals = type(e.values) == "table" and e.values or {}
      if e.metric == metric then
        used = used + 1
        for i = 2, n do
          local a, b = num(vals[i - 1]), num(vals[i])
          if a and b and b >= a then sums[i] = sums[i] + (b - a) / dt end
        end
      end
    end
  end
  if used == 0 then return nil, "no " .. metric .. " in the timeline's scraped series" end
  return sums, dt, used
end

-- The q-quantile (0..1) of a scraped Prometheus histogram over the run, as Prometheus's
-- histogram_quantile() computes it from the buckets' increase (gauges "<name>_bucket" tagged le,
-- value - min per series; summed over the series, optionally only those with tag = value): linear
-- within the bucket the rank falls in, the highest finite bound if it falls in +Inf. Returns the
-- quantile and the number of observations, or nil, 0 when there are none.
function M.scraped_quantile(s, name, q, tag, value)
  local by_le = {}
  for _, r in ipairs(s.series) do
    local t, v = r.tags or {}, r.values or {}
    if r.metric == name .. "_bucket" and t.le and (tag == nil or t[tag] == value)
       and type(v.value) == "number" and type(v.min) == "number" then
      local le = t.le == "+Inf" and math.huge or tonumber(t.le)
      if le then by_le[le] = (by_le[le] or 0) + math.max(0, v.value - v.min) end
    end
  end
  local les = {}
  for le in pairs(by_le) do les[#les + 1] = le end
  table.sort(les)
  local total = #les > 0 and by_le[les[#les]] or 0
  if total <= 0 or les[#les] ~= math.huge then return nil, 0 end
  local rank, prev_le, prev_n = q * total, 0, 0
  for _, le in ipairs(les) do
    local n = by_le[le]
    if n >= rank then
      if le == math.huge then return prev_le, total end
      if n == prev_n then return le, total end
      return prev_le + (le - prev_le) * (rank - prev_n) / (n - prev_n), total
    end
    prev_le, prev_n = le, n
  end
  return prev_le, total
end

return M
