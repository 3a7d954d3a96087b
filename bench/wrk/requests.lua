-- wrk script for the benchmark: requests come from the file named by
-- BENCH_REQUESTS (one "METHOD<TAB>PATH<TAB>BODY" a line), the bearer token
-- from BENCH_TOKEN. GET lines are picked at random (e.g. random students);
-- other lines are each sent once, split between the threads, so every write
-- is a valid new one. Non-2xx answers are counted as errors; done() prints one
-- JSON line that bench/load.py reads. With BENCH_DELAY_MS, each connection waits
-- about that long (0.5 to 1.5 times, at random) between requests: a steady load
-- below capacity (wrk times a request from when it is sent, after the wait).
local threads = {}
local counter = 0

local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
  -- defined only when asked: wrk schedules every request through a timer once it is
  function delay()
    return math.floor(delay_ms * (0.5 + math.random()))
  end
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local token = os.getenv("BENCH_TOKEN")
  local headers = {["Content-Type"] = "application/json"}
  if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  requests_pool = {}
  local all = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if line ~= "" then table.insert(all, line) end
  end
  local sequential = false
  local index = 0
  for _, line in ipairs(all) do
    local fields = split(line)
    local method = fields[1]
    if method ~= "GET" then sequential = true end
    -- a write is sent by one thread only; reads are shared by all
    if method == "GET" or index % counter_total() == id then
      local body = fields[3]
      if body == "" then body = nil end
      table.insert(requests_pool, wrk.format(method, fields[2], headers, body))
    end
    index = index + 1
  end
  is_sequential = sequential
  position = 0
  errors = 0
  exhausted = 0
  math.randomseed(os.time() + id * 7919)
end

function counter_total()
  return tonumber(os.getenv("BENCH_THREADS") or "1")
end

function request()
  if is_sequential then
    position = position + 1
    if position > #requests_pool then
      exhausted = exhausted + 1
      position = 1
    end
    return requests_pool[position]
  end
  return requests_pool[math.random(#requests_pool)]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    errors = errors + 1
    if errors <= 3 then
      io.stderr:write("non-2xx " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local errors_total = 0
  local exhausted_total = 0
  for _, thread in ipairs(threads) do
    errors_total = errors_total + (thread:get("errors") or 0)
    exhausted_total = exhausted_total + (thread:get("exhausted") or 0)
  end
  local socket_errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "reused_writes": %d, "latency_us": {"p50": %d, "p90": %d, "p95": %d, ' ..
    '"p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, errors_total, socket_errors, summary.errors.timeout,
    exhausted_total, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
