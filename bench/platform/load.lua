-- wrk script for bench/platform.sh. A response counts only when it answers 200 (and, for an Invoke
-- API call, when the function's API Gateway response inside it says "statusCode":200). When wrk is
-- done it prints one JSON line: requests, errors, seconds, rps, p50/p90/p99 in ms.
--   wrk ... -s bench/platform/load.lua URL                      # GET URL
--   wrk ... -s bench/platform/load.lua URL -- invoke EVENT.json # POST EVENT.json to the Invoke API URL
local threads = {}
local mode = "get"

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "get"
  if mode == "invoke" then
    local file = assert(io.open(args[2], "rb"))
    wrk.body = file:read("*a")
    file:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

bad = 0
first_bad = ""

function response(status, headers, body)
  local ok = status == 200
  if ok and mode == "invoke" then
    ok = string.find(body or "", '"statusCode":200', 1, true) ~= nil
  end
  if not ok then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local bad_total, sample = 0, ""
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    local first = thread:get("first_bad")
    if sample == "" and first ~= "" then sample = first end
  end
  if sample ~= "" then io.stderr:write("first unexpected response: " .. sample .. "\n") end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + math.max(e.status, bad_total)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"errors":%d,"seconds":%.3f,"rps":%.1f,"p50Ms":%.3f,"p90Ms":%.3f,"p99Ms":%.3f}\n',
    summary.requests, errors, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
