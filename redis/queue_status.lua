-- Waiting room: where a queue ticket stands. O(1): position is seq - admitted.
--
-- KEYS[1] config, KEYS[2] soldout, KEYS[3] admitted, KEYS[4] active (see queue_join.lua)
-- ARGV[1] user id, ARGV[2] the ticket's join sequence, ARGV[3] now (ms)
--
-- Returns {status, admitted, passExpiresAtMs, admitPerMinute}; status is WAITING, ADMITTED,
-- SOLD_OUT, CLOSED (no waiting room) or EXPIRED (admitted, but the pass window is over).
local cfg = redis.call('HMGET', KEYS[1], 'enabled', 'admitPerMinute')
local apm = tonumber(cfg[2] or '0') or 0
local admitted = tonumber(redis.call('GET', KEYS[3]) or '0')
if cfg[1] ~= '1' then return {'CLOSED', admitted, 0, apm} end
if tonumber(ARGV[2]) <= admitted then
  local expires = tonumber(redis.call('ZSCORE', KEYS[4], ARGV[1]) or '0')
  if expires > tonumber(ARGV[3]) then return {'ADMITTED', admitted, expires, apm} end
  return {'EXPIRED', admitted, 0, apm}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'SOLD_OUT', admitted, 0, apm} end
return {'WAITING', admitted, 0, apm}
