-- wrk script: cycle through the requests listed in a file ("Accept<TAB>path" per line), replacing
-- UNIQUEN in a path by a value unique to this request, and print a JSON summary when done.
-- Usage: wrk -s bench/mix.lua URL -- requests.tsv

local counter = 0
local requests = {}
local thread_number = 0
local threads = {}

function setup(thread)
  thread_number = thread_number + 1
  thread:set("id", thread_number)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local accept, path = line:match("^([^\t]*)\t(.*)$")
    table.insert(requests, {accept = accept, path = path})
  end
end

function request()
  counter = counter + 1
  local entry = requests[(counter % #requests) + 1]
  local path = entry.path:gsub("UNIQUEN", "t" .. id .. "n" .. counter)
  return wrk.format("GET", path, {Accept = entry.accept})
end

function done(summary, latency, requests_)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
