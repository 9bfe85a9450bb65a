-- wrk script for page loads: a request counts as served only if it is answered 200 and
-- gzip-encoded. Why: wrk itself counts only statuses above 399 as errors, so a 303 to the
-- login page (a missing or expired session) passed as a fast success, and wrk sends no
-- Accept-Encoding, so the pages were measured uncompressed while phones ask for gzip.
-- Usage: wrk ... --latency -s bench/page.lua -H "Cookie: ..." URL
-- done() prints, one "key value" per line, what the calling script checks:
--   requests N            completed requests (answered, whatever the status)
--   ok_200 N              answered 200 with Content-Encoding: gzip
--   non_200 N CODE×N ...  any other status (3xx included), with the count per status
--   not_gzip N            answered 200 but not gzip-encoded
--   socket_errors connect=N read=N write=N timeout=N   (timeout: slower than wrk's --timeout)
-- plus p50_ms p90_ms p99_ms max_ms (of answers within --timeout: wrk drops slower ones
-- from its latency statistics and counts them as timeouts instead).

wrk.headers["Accept-Encoding"] = "gzip"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- Per-thread counters: globals of the thread's Lua state, read back in done() through
-- thread:get (only numbers and strings cross between the states).
ok, bad, not_gzip, codes = 0, 0, 0, ""
local by_code = {}

function response(status, headers, body)
   if status ~= 200 then
      bad = bad + 1
      by_code[status] = (by_code[status] or 0) + 1
      local parts = {}
      for c, n in pairs(by_code) do parts[#parts + 1] = c .. "×" .. n end
      codes = table.concat(parts, " ")
      return
   end
   -- hyper sends header names in lower case; accept either spelling.
   local enc = headers["content-encoding"] or headers["Content-Encoding"]
   if enc == "gzip" then
      ok = ok + 1
   else
      not_gzip = not_gzip + 1
   end
end

function done(summary, latency, requests)
   local t_ok, t_bad, t_plain, all_codes = 0, 0, 0, {}
   for _, t in ipairs(threads) do
      t_ok = t_ok + t:get("ok")
      t_bad = t_bad + t:get("bad")
      t_plain = t_plain + t:get("not_gzip")
      -- Each thread reports "CODE×N CODE×N …"; add them up per status.
      for c, n in string.gmatch(t:get("codes"), "(%d+)×(%d+)") do
         all_codes[c] = (all_codes[c] or 0) + tonumber(n)
      end
   end
   local parts = {}
   for c, n in pairs(all_codes) do parts[#parts + 1] = c .. "×" .. n end
   table.sort(parts)
   local e = summary.errors
   io.write(string.format("requests %d\n", summary.requests))
   io.write(string.format("ok_200 %d\n", t_ok))
   io.write(string.format("non_200 %d %s\n", t_bad, table.concat(parts, " ")))
   io.write(string.format("not_gzip %d\n", t_plain))
   io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d\n",
      e.connect, e.read, e.write, e.timeout))
   io.write(string.format("p50_ms %.2f\np90_ms %.2f\np99_ms %.2f\nmax_ms %.2f\n",
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
end
