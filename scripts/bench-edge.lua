-- wrk script of `scripts/bench edge`. EDGE_MODE=get: the same GET every time (no Lua per
-- request). EDGE_MODE=post: POST /holds with a random signed-in user (a token of
-- EDGE_TOKENS), a random X-User-Id (what the nginx + Lua baseline keys on) and a random
-- seat, so duplicate blocking rarely matches in either gateway. done() prints one RESULT line, as the baseline's script.
local mode = os.getenv("EDGE_MODE") or "get"
local path = os.getenv("EDGE_PATH") or "/api/v1/holds"

local threads = {}
function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

if mode == "post" then
    local perf = os.getenv("EDGE_PERF") or "00000000-0000-0000-0000-000000000000"
    local tokens = {}
    for line in io.lines(os.getenv("EDGE_TOKENS")) do
        tokens[#tokens + 1] = line
    end
    local hdrs = { ["Content-Type"] = "application/json" }
    local random = math.random
    function init(args)
        math.randomseed(os.time() * 7919 + (tid or 0) * 104729 + math.floor(os.clock() * 1e6))
    end
    function request()
        hdrs["Authorization"] = "Bearer " .. tokens[random(1, #tokens)]
        -- nginx keys its dedupe on this header and the path only (not the body): random, as
        -- in the baseline's own script, so it rarely matches there either.
        hdrs["X-User-Id"] = "u" .. random(1, 1000000000)
        local body = '{"performanceId":"' .. perf .. '","seatIds":["s' .. random(1, 1000000000) .. '"]}'
        return wrk.format("POST", path .. "?perf=p" .. random(1, 100), hdrs, body)
    end
else
    wrk.method = "GET"
    wrk.path = path
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d sockerr=%d\n",
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), e.status,
        e.connect + e.read + e.write + e.timeout))
end
