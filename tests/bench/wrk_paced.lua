-- P3's reference, the wrk side: wrk has no open model, so its closest peer is each connection
-- pausing between requests with delay() (whole milliseconds: wrk's timers and epoll_wait timeouts
-- are in ms). BENCH_DELAY_MS comes from bench.py: connections x 1000 / rate, rounded down.
local ms = tonumber(os.getenv("BENCH_DELAY_MS")) or 2
function delay() return ms end
