-- wrk script: a fixed number of postings, each one balanced transaction (1.00 yuan of AA
-- fees) posted through the API and expected to be answered 201.
-- Usage: wrk -tT -cC -dMAX --latency -s bench/post.lua URL -- COUNT T DONEFILE
-- Why a fixed count and not wrk's duration: when -d runs out wrk abandons the requests in
-- flight, and the server may still commit them, so the 201 count could not be compared with
-- the ledger afterwards. Here thread i of T posts its share of COUNT: a connection reserves
-- a posting before each request (wrk calls delay() first) or stays idle once the share is
-- used up, and the thread stops when every posting it sent has its answer. The last thread
-- to finish wakes wrk's main thread (which otherwise sleeps for all of -d) with SIGINT. The
-- rate is timed here, from the first posting sent to the last answer, with gettimeofday.
-- done() prints "key value" lines: postings_planned, postings_sent, ok_201, non_201 (with
-- the count per status), unanswered, socket_errors, seconds, rate_201, p50/p90/p99/max_ms.

local ffi = require("ffi")
ffi.cdef [[
  struct bench_timeval { long tv_sec; long tv_usec; };
  int gettimeofday(struct bench_timeval *tv, void *tz);
  int getpid(void);
  long syscall(long number, ...);
]]
local tv = ffi.new("struct bench_timeval")
local function now_us()
   ffi.C.gettimeofday(tv, nil)
   return tonumber(tv.tv_sec) * 1e6 + tonumber(tv.tv_usec)
end

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local day = assert(os.getenv("BENCH_DAY"), "BENCH_DAY (YYYY-MM-DD) must be set")
local body = '{"occurred_on":"' .. day .. '","memo":"bench","entries":[{"account":"wallet","debit_fen":100},{"account":"income_fees","credit_fen":100}]}'
-- wrk.headers already holds the command line's -H (the Authorization header): format
-- with it, not with a table of our own, which would drop it.
wrk.headers["Content-Type"] = "application/json"
local req = wrk.format("POST", nil, nil, body)

local reserved = 0 -- postings promised by delay() and not yet sent
local running = false -- set by the first delay(): the run has begun
local answered = 0
planned, sent, ok, bad, codes = 0, 0, 0, 0, ""
first_us, last_us = 0, 0
local by_code = {}

function init(args)
   local count, nthreads = tonumber(args[1]), tonumber(args[2])
   donefile, nthreads_total = args[3], nthreads
   -- Shares differ by at most one, and add up to COUNT.
   planned = math.floor(count / nthreads) + ((id < count % nthreads) and 1 or 0)
end

function delay()
   running = true
   if sent + reserved < planned then
      reserved = reserved + 1
      return 0
   end
   return 24 * 3600 * 1000 -- share used up: this connection stays idle
end

function request()
   -- wrk calls request() once in thread 0 before the run, to check the script; that
   -- request is never sent, so it is not counted.
   if not running then return req end
   -- After a socket error wrk reconnects and calls request() without delay(): such a
   -- posting is sent beyond the reservation and still counted, so nothing goes unseen.
   if reserved > 0 then reserved = reserved - 1 end
   sent = sent + 1
   if sent == 1 then first_us = now_us() end
   return req
end

function response(status, hdrs, b)
   answered = answered + 1
   if status == 201 then
      ok = ok + 1
   else
      bad = bad + 1
      by_code[status] = (by_code[status] or 0) + 1
      local parts = {}
      for c, n in pairs(by_code) do parts[#parts + 1] = c .. "×" .. n end
      codes = table.concat(parts, " ")
   end
   if answered >= planned then
      last_us = now_us()
      wrk.thread:stop()
      local f = io.open(donefile, "a")
      f:write(id, "\n")
      f:close()
      local n = 0
      for _ in io.lines(donefile) do n = n + 1 end
      if n >= nthreads_total then
         -- tgkill(pid, pid, SIGINT): to wrk's main thread, so its sleep ends now.
         local pid = ffi.C.getpid()
         ffi.C.syscall(234, ffi.cast("long", pid), ffi.cast("long", pid), ffi.cast("long", 2))
      end
   end
end

function done(summary, latency, requests)
   local t_planned, t_sent, t_ok, t_bad, all_codes = 0, 0, 0, 0, {}
   local t0, t1 = math.huge, 0
   for _, t in ipairs(threads) do
      t_planned = t_planned + t:get("planned")
      t_sent = t_sent + t:get("sent")
      t_ok = t_ok + t:get("ok")
      t_bad = t_bad + t:get("bad")
      local f, l = t:get("first_us"), t:get("last_us")
      if f > 0 and f < t0 then t0 = f end
      if l == 0 then l = now_us() end -- stopped by -d before its share was answered
      if l > t1 then t1 = l end
      -- Each thread reports "CODE×N CODE×N …"; add them up per status.
      for c, n in string.gmatch(t:get("codes"), "(%d+)×(%d+)") do
         all_codes[c] = (all_codes[c] or 0) + tonumber(n)
      end
   end
   local secs = (t1 - t0) / 1e6
   local parts = {}
   for c, n in pairs(all_codes) do parts[#parts + 1] = c .. "×" .. n end
   table.sort(parts)
   local e = summary.errors
   io.write(string.format("postings_planned %d\n", t_planned))
   io.write(string.format("postings_sent %d\n", t_sent))
   io.write(string.format("ok_201 %d\n", t_ok))
   io.write(string.format("non_201 %d %s\n", t_bad, table.concat(parts, " ")))
   io.write(string.format("unanswered %d\n", t_sent - t_ok - t_bad))
   io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d\n",
      e.connect, e.read, e.write, e.timeout))
   io.write(string.format("seconds %.2f\n", secs))
   io.write(string.format("rate_201 %.0f\n", t_ok / secs))
   io.write(string.format("p50_ms %.1f\np90_ms %.1f\np99_ms %.1f\nmax_ms %.1f\n",
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
end
