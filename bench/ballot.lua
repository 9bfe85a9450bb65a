-- wrk script: every request casts one ballot with a token nobody else uses.
-- Usage: wrk -tT -cC -dMAX --latency -s bench/ballot.lua URL -- TOKENFILE T DONEFILE
-- Thread i (0-based) of T takes the i-th T-th of the token file (contiguous slice), so
-- no token is sent twice. A connection asks for a token before each request (wrk calls
-- delay() first): it gets one reserved, or waits forever once the slice is used up; the
-- thread stops when every reserved token has its answer. So the run is a fixed number of
-- ballots, each one answered (none abandoned mid-flight), and the number of 201 answers
-- must equal the number of ballots in the database afterwards. The last thread to finish
-- wakes wrk's main thread (which otherwise sleeps for all of -d) with SIGINT; the rate is
-- timed here, from the first ballot sent to the last answer received, with gettimeofday.
-- Choices: two in three say yes, one in three no (to check the recount's split).

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

local tokens = {}
local next_token = 1 -- next token to send
local reserved = 0   -- tokens promised by delay() and not yet sent
local answered = 0
ok, bad, yes, no, sent, codes = 0, 0, 0, 0, 0, ""
first_us, last_us = 0, 0
local by_code = {}
local headers = { ["Content-Type"] = "application/json" }

function init(args)
   local file = args[1]
   nthreads, donefile = tonumber(args[2]), args[3]
   local all = {}
   for line in io.lines(file) do
      if line ~= "" then all[#all + 1] = line end
   end
   local per = math.floor(#all / nthreads)
   for i = id * per + 1, (id + 1) * per do
      tokens[#tokens + 1] = all[i]
   end
   mine = #tokens
end

function delay()
   if next_token + reserved <= #tokens then
      reserved = reserved + 1
      return 0
   end
   return 24 * 3600 * 1000 -- slice used up: this connection stays idle
end

function request()
   if reserved <= 0 then
      -- wrk calls request() once before the run to check the script: send nothing real.
      headers["Authorization"] = "Bearer check"
      return wrk.format("POST", nil, headers, '{"choice":"yes"}')
   end
   local i = next_token
   next_token = i + 1
   reserved = reserved - 1
   headers["Authorization"] = "Bearer " .. (tokens[i] or "none")
   local choice = (i % 3 == 0) and "no" or "yes"
   if choice == "yes" then yes = yes + 1 else no = no + 1 end
   sent = i
   if i == 1 then first_us = now_us() end
   return wrk.format("POST", nil, headers, '{"choice":"' .. choice .. '"}')
end

function response(status, hdrs, body)
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
   if answered >= #tokens then
      last_us = now_us()
      wrk.thread:stop()
      local f = io.open(donefile, "a")
      f:write(id, "\n")
      f:close()
      local n = 0
      for _ in io.lines(donefile) do n = n + 1 end
      if n >= nthreads then
         -- tgkill(pid, pid, SIGINT): to wrk's main thread, so its sleep ends now.
         local pid = ffi.C.getpid()
         ffi.C.syscall(234, ffi.cast("long", pid), ffi.cast("long", pid), ffi.cast("long", 2))
      end
   end
end

function done(summary, latency, requests)
   local t_ok, t_bad, t_sent, t_mine, t_yes, t_no, all_codes = 0, 0, 0, 0, 0, 0, {}
   local t0, t1 = math.huge, 0
   for _, t in ipairs(threads) do
      t_ok = t_ok + t:get("ok")
      t_bad = t_bad + t:get("bad")
      t_sent = t_sent + t:get("sent")
      t_mine = t_mine + t:get("mine")
      t_yes = t_yes + t:get("yes")
      t_no = t_no + t:get("no")
      local f, l = t:get("first_us"), t:get("last_us")
      if f > 0 and f < t0 then t0 = f end
      if l == 0 then l = now_us() end -- stopped by -d before its slice was used up
      if l > t1 then t1 = l end
      local c = t:get("codes")
      if c ~= "" then all_codes[#all_codes + 1] = c end
   end
   local secs = (t1 - t0) / 1e6
   local e = summary.errors
   io.write(string.format("ballots_sent %d\n", t_sent))
   io.write(string.format("ballots_planned %d\n", t_mine))
   io.write(string.format("ok_201 %d\n", t_ok))
   io.write(string.format("non_201 %d %s\n", t_bad, table.concat(all_codes, " ")))
   io.write(string.format("unanswered %d\n", t_sent - t_ok - t_bad))
   io.write(string.format("sent_yes %d\nsent_no %d\n", t_yes, t_no))
   io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d\n",
      e.connect, e.read, e.write, e.timeout))
   io.write(string.format("seconds %.2f\n", secs))
   io.write(string.format("wrk_seconds %.2f\n", summary.duration / 1e6))
   io.write(string.format("rate_201 %.0f\n", t_ok / secs))
   io.write(string.format("p50_ms %.1f\np90_ms %.1f\np99_ms %.1f\nmax_ms %.1f\n",
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
end
