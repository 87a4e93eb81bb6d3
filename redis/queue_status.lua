-- Waiting room: where a user stands. O(1): position is seq - admitted.
--
-- KEYS[1] config, KEYS[2] soldout, KEYS[3] members, KEYS[4] admitted, KEYS[5] active,
-- KEYS[6] passes, KEYS[7] seen, KEYS[8] prequeue, KEYS[9] fairness, KEYS[10] seq
-- (see queue_join.lua)
-- ARGV[1] user id, ARGV[2] now (ms), ARGV[3] longest poll interval (ms)
--
-- Asking counts as a poll: it moves the user's abandonment deadline. A waiting user whose
-- deadline passed loses their place here (ABANDONED) and may join again at the end.
--
-- Returns {status, seq, admitted, passExpiresAtMs, joinToken, waiting}; status is WAITING,
-- PREQUEUE (joined before the open; the order is not drawn yet), ADMITTED, SOLD_OUT,
-- CLOSED (no waiting room), EXPIRED (the pass window is over), UNUSED (the pass was not used
-- in time and its slot was freed), ABANDONED (stopped polling) or GONE (not in line).
local now = tonumber(ARGV[2])
local cfg = redis.call('HMGET', KEYS[1], 'enabled', 'abandonAfterPolls')
local admitted = tonumber(redis.call('GET', KEYS[4]) or '0')
local waiting = tonumber(redis.call('GET', KEYS[10]) or '0') - admitted
if cfg[1] ~= '1' then return {'CLOSED', 0, admitted, 0, '', 0} end
local deadline = now + (tonumber(cfg[2] or '4') or 4) * tonumber(ARGV[3])
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if not existing then
  local token = redis.call('HGET', KEYS[8], ARGV[1])
  if token and redis.call('HGET', KEYS[9], 'ordered') ~= '1' then
    redis.call('ZADD', KEYS[7], deadline, ARGV[1])
    return {'PREQUEUE', 0, admitted, 0, token, redis.call('HLEN', KEYS[8])}
  end
  if redis.call('ZSCORE', KEYS[7], ARGV[1]) then
    redis.call('ZREM', KEYS[7], ARGV[1])
    return {'ABANDONED', 0, admitted, 0, '', waiting}
  end
  return {'GONE', 0, admitted, 0, '', waiting}
end
local seq = tonumber(existing)
if seq <= admitted then
  local expires = tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0')
  local slot = tonumber(redis.call('ZSCORE', KEYS[5], ARGV[1]) or '0')
  if expires > now and slot > now then return {'ADMITTED', seq, admitted, expires, '', waiting} end
  if expires > now then return {'UNUSED', seq, admitted, 0, '', waiting} end
  return {'EXPIRED', seq, admitted, 0, '', waiting}
end
local seen = tonumber(redis.call('ZSCORE', KEYS[7], ARGV[1]) or '0')
if seen < now then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[7], ARGV[1])
  return {'ABANDONED', seq, admitted, 0, '', waiting}
end
redis.call('ZADD', KEYS[7], deadline, ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then return {'SOLD_OUT', seq, admitted, 0, '', waiting} end
return {'WAITING', seq, admitted, 0, '', waiting}
