-- Test case A4: Kafka degradation, the decoupling proof (ASR 1). 17 orders/s for 3 min; at t=60s
-- the event broker is paused (POST /admin/broker/pause on shard A, or -e PAUSE_CMD=..., e.g.
-- "kubectl scale statefulset redpanda --replicas=0 -n matching-engine") and samples are tagged
-- phase=outage instead of phase=before; teardown resumes it (or -e RESUME_CMD=...).
-- Pass: p99 during the outage within 10% of before (scenarios/asr1 computes the ratio).
local lt = require "lt"
local cfg = require "lib.config"
local orders = require "lib.orders"
local seed = require "lib.seed"
local submit = require "lib.submit"
local control = require "lib.control"

local match_latency = lt.metrics.trend("match_latency_ms", true)

options = {
  scenarios = {
    kafka_degradation = {
      executor = "constant-arrival-rate",
      rate = 17, timeUnit = "1s",
      duration = "3m",
      preAllocatedVUs = 30, maxVUs = 60,
    },
  },
  thresholds = {
    http_req_duration = { "p(99)<200" },
    match_latency_ms = { "p(99)<200" },
    -- before / during the outage, so both appear in the summary
    ["http_req_duration{phase:before}"] = { "p(99)<200" },
    ["http_req_duration{phase:outage}"] = { "p(99)<200" },
    ["match_latency_ms{phase:before}"] = { "p(99)<200" },
    ["match_latency_ms{phase:outage}"] = { "p(99)<200" },
  },
  tags = { phase = "before" },
  timeline = {
    { at = "60s", exec = "pause_broker", tags = { phase = "outage" } },
  },
}

function setup()
  seed.direct(cfg.SHARD_A_SYMBOLS, 500, 50, cfg.ME_SHARD_A_URL)
end

function pause_broker()
  control.action("PAUSE_CMD", cfg.ME_SHARD_A_URL .. "/admin/broker/pause", "broker paused")
end

function teardown()
  if not lt.env.RESUME_CMD then
    local pending = control.metric(cfg.ME_SHARD_A_URL .. "/metrics", "me_events_pending")
    local dropped = control.metric(cfg.ME_SHARD_A_URL .. "/metrics", "me_events_dropped_total")
    lt.log(string.format("before resuming: me_events_pending %s, me_events_dropped_total %s",
      tostring(pending), tostring(dropped)))
  end
  control.action("RESUME_CMD", cfg.ME_SHARD_A_URL .. "/admin/broker/resume", "broker resumed")
end

function default()
  local order, kind = orders.next(orders.random_shard_a_symbol())
  submit.order(cfg.ME_SHARD_A_URL, order, kind, { latency = match_latency })
end
