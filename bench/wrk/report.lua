-- Shared by the wrk scripts: counts responses per thread and, when wrk is done, prints one JSON
-- line in the shape LeaderboardBench's Measurement reads ({requests, errors, seconds, rps, p50Ms, p99Ms,
-- generatorCpuSeconds}: wrk's own CPU time, os.clock() being the whole process's).
-- A response counts as an error unless its status is the one the operation must answer (expected_status).

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

unexpected = 0
first_unexpected = ""

function response(status, headers, body)
  if status ~= expected_status then
    unexpected = unexpected + 1
    if first_unexpected == "" then
      first_unexpected = status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local unexpected_total, sample = 0, ""
  for _, thread in ipairs(threads) do
    unexpected_total = unexpected_total + thread:get("unexpected")
    local first = thread:get("first_unexpected")
    if sample == "" and first ~= "" then sample = first end
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + math.max(e.status, unexpected_total)
  local seconds = summary.duration / 1e6
  if sample ~= "" then
    io.stderr:write("first unexpected response: " .. sample .. "\n")
  end
  io.write(string.format(
    '{"requests":%d,"errors":%d,"seconds":%.3f,"rps":%.1f,"p50Ms":%.3f,"p99Ms":%.3f,"generatorCpuSeconds":%.3f}\n',
    summary.requests, errors, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, os.clock()))
end
