-- Gateway: duplicate-entry blocking and request sequencing in one round trip.
--
-- KEYS[1]  in-flight key for (user, route, performance, body digest)
-- KEYS[2]  sequence counter of the same scope (same hash tag as KEYS[1])
-- KEYS[3]  (writes naming a performance) the performance's `queue:{perf:ID}:config` hash,
--          which core-api writes for every performance it knows (same hash tag)
-- ARGV[1]  request id (stored for debugging)
-- ARGV[2]  in-flight TTL in milliseconds
-- ARGV[3]  sequence TTL in milliseconds (renewed on every use)
--
-- Returns {1, seq} when the request is the first of its kind within the TTL,
-- {0, remaining_ttl_ms} when the same request is already in flight, or {2, 0} when the
-- performance is unknown: nothing is written for it, so made-up ids leave no state behind.
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 0 then
  return {2, 0}
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return {1, seq}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = tonumber(ARGV[2]) end
return {0, ttl}
