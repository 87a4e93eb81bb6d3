-- Ends holds whose TTL ran out: removes their seats from the performance's held set and
-- publishes one EXPIRED event. Atomic, so with several instances reaping, each expired seat
-- is announced once.
-- KEYS[1] performance held-seat zset, KEYS[2] the performance's seat-event stream.
-- ARGV[1] most seats to reap in one call. Returns the number of seats reaped.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
if #expired == 0 then
  return 0
end
redis.call('ZREM', KEYS[1], unpack(expired))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '10000', '*', 'd',
  cjson.encode({seatIds = expired, status = 'AVAILABLE', reason = 'EXPIRED'}))
return #expired
