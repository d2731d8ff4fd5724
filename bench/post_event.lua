-- wrk script: POSTs one JSON event file to `herald serve` and stops each
-- wrk thread after it has received its share of responses.
--
--   wrk -t T -c C -d MAX_SECONDS -s post_event.lua URL -- EVENT_FILE PER_THREAD_LIMIT
--
-- PER_THREAD_LIMIT 0 means no limit. Each thread may still have up to
-- C / T requests in flight when it stops, so the server can accept up to
-- that many more than the limit. Responses other than 200 are counted and
-- printed at the end.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
  limit = tonumber(args[2] or "0")
  responses = 0
  failures = 0
  request_template = wrk.format()
end

function request()
  return request_template
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    failures = failures + 1
  end
  if limit > 0 and responses >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total_responses, total_failures = 0, 0
  for _, thread in ipairs(threads) do
    total_responses = total_responses + thread:get("responses")
    total_failures = total_failures + thread:get("failures")
  end
  io.write(string.format("responses %d non_200 %d\n", total_responses, total_failures))
end
