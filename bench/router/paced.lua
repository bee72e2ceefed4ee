-- Paces wrk: each connection waits PACE_MS (default 9) before each request, so 10 connections
-- send about 1,000 requests/s. Used by bench/router/paced-latency.ts.
local pace = tonumber(os.getenv("PACE_MS") or "9")
wrk.headers["x-user-id"] = "bench-user-42"
function delay()
  return pace
end
