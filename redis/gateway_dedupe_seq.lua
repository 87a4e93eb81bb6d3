-- Gateway: duplicate-entry blocking and request sequencing in one round trip.
--
-- KEYS[1]  in-flight key for (user, route, performance, body digest)
-- KEYS[2]  sequence counter of the same scope (same hash tag as KEYS[1])
-- ARGV[1]  request id (stored for debugging)
-- ARGV[2]  in-flight TTL in milliseconds
--
-- Returns {1, seq} when the request is the first of its kind within the TTL, or
-- {0, remaining_ttl_ms} when the same request is already in flight.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('INCR', KEYS[2])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = tonumber(ARGV[2]) end
return {0, ttl}
