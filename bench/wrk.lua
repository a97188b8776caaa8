-- wrk script for bench/support.py: each thread takes every n-th line of a file of prepared requests
-- (METHOD \t PATH \t TOKEN \t IDEMPOTENCY-KEY \t BODY) and sends each once; `done` prints one JSON line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs = {}
local idx = 0
overflow = 0
sample = ""

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  local n = 0
  for line in io.lines(path) do
    if n % nthreads == tid then
      local m, p, tok, key, body = line:match("^(%S+)\t(%S+)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local h = { ["Accept"] = "application/json" }
      if tok ~= "" then h["Authorization"] = "Bearer " .. tok end
      if key ~= "" then h["Idempotency-Key"] = key end
      if body ~= "" then h["Content-Type"] = "application/json" else body = nil end
      table.insert(reqs, wrk.format(m, p, h, body))
    end
    n = n + 1
  end
end

function request()
  idx = idx + 1
  if idx > #reqs then
    overflow = overflow + 1
    return wrk.format("GET", "/healthz")
  end
  return reqs[idx]
end

function response(status, headers, body)
  if status >= 300 and sample == "" then
    sample = tostring(status) .. " " .. string.sub(body or "", 1, 300)
  end
end

function done(summary, latency, requests)
  local over, smp = 0, ""
  for _, t in ipairs(threads) do
    over = over + (t:get("overflow") or 0)
    local s = t:get("sample")
    if smp == "" and s and s ~= "" then smp = s end
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + e.status
  local secs = summary.duration / 1e6
  smp = smp:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ')
  if over > 0 then smp = "ran out of prepared requests (" .. over .. " extra) " .. smp end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rate": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "errors": %d, "sample_error": "%s"}\n',
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors, smp))
end
