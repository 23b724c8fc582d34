-- wrk script for the load benchmarks in bench/: POSTs a different form body on each request,
-- taken from a pool file, one request a line. A line is either the variable end of the body
-- (a SAML response, a web identity token), sent after PREFIX, or "COOKIE<TAB>BODY": a Cookie
-- header value and a body of its own (a console sign-in with its double-submit token).
--
--   wrk -tT ... -s bench/pool.lua URL -- POOL PART PARTS T [PREFIX]
--
-- The pool is dealt out so that no two threads, and no two of PARTS wrk processes run at once
-- (PART = 0 .. PARTS-1, each with T threads), ever send the same line: thread t of process p
-- takes lines p*T + t, p*T + t + PARTS*T, ... It walks its share in order and starts again
-- at its first line when it runs out (a single-use pool such as SAML's then shows failures:
-- size the pool for the run); at the end it prints "pool.lua: thread T went through its N
-- lines K more time(s)" for each thread that did. The requests are formatted once, at start.
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

local reqs, i = {}, 0
laps, size = 0, 0

function init(args)
  local file, part, parts, nthreads = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  local prefix = args[5] or ""
  local slot, stride, n = part * nthreads + tid, parts * nthreads, 0
  for line in io.lines(file) do
    if n % stride == slot and line ~= "" then
      local headers = { ["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8" }
      local cookie, body = line:match("^([^\t]*)\t(.*)$")
      if cookie then
        headers["Cookie"] = cookie
      else
        body = line
      end
      reqs[#reqs + 1] = wrk.format("POST", wrk.path, headers, prefix .. body)
    end
    n = n + 1
  end
  if #reqs == 0 then
    error("pool " .. file .. " has no line for slot " .. slot .. " of " .. stride)
  end
  size = #reqs
end

function request()
  i = i + 1
  if i > size then
    i, laps = 1, laps + 1
  end
  return reqs[i]
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local k = t:get("laps")
    if k and k > 0 then
      io.write(string.format("pool.lua: thread %d went through its %d lines %d more time(s)\n", t:get("tid"), t:get("size"), k))
    end
  end
end
