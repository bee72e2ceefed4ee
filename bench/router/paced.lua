-- Paces wrk (one thread: -t1) to RATE requests/s (default 1000), spread evenly. Each request takes
-- the next slot of one schedule, whichever connection is free, so requests leave one at a time
-- rather than in bursts. (Waiting a fixed delay after each response instead lines the connections
-- up: 10 of them sent their requests together every 10 ms.) wrk2 is not packaged; wrk's timers
-- have 1 ms resolution, so the schedule is kept in fractional milliseconds and rounded.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } shipgate_timespec;
int clock_gettime(int clk_id, shipgate_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("shipgate_timespec")
local function nowMs()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval = 1000 / tonumber(os.getenv("RATE") or "1000")
local nextSlot
wrk.headers["x-user-id"] = "bench-user-42"

function delay()
  local now = nowMs()
  nextSlot = nextSlot or now
  local wait = nextSlot - now
  nextSlot = nextSlot + interval
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end
