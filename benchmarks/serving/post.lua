-- wrk script: POST the JSON body in the file named by $WRK_BODY_FILE.
-- With $WRK_RATE set (requests/s), each thread paces its requests to that rate:
-- every request claims the next slot of a fixed schedule and waits for it
-- (wrk's delay(), whole milliseconds; the slots are cumulative, so rounding
-- does not drift). A closed loop like plain wrk, so no coordinated-omission
-- correction as in wrk2, but a steady offered rate for the memory soak.

local file = assert(io.open(assert(os.getenv("WRK_BODY_FILE"), "WRK_BODY_FILE is not set"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local rate = tonumber(os.getenv("WRK_RATE") or "")
if rate and rate > 0 then
  local ffi = require("ffi")
  ffi.cdef([[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]])
  local CLOCK_MONOTONIC = 1
  local now = ffi.new("bench_timespec")
  local interval_ms = 1000 / rate
  local next_slot_ms = nil

  local function now_ms()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end

  function delay()
    local t = now_ms()
    -- Behind schedule (every connection was busy): start again from now, no burst to catch up.
    if next_slot_ms == nil or next_slot_ms < t then
      next_slot_ms = t
    end
    local slot = next_slot_ms
    next_slot_ms = next_slot_ms + interval_ms
    return math.floor(slot - t)
  end
end
