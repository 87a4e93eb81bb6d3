-- Extends a live hold once by a fixed amount; a second extension is refused.
-- KEYS as in hold.lua (seats from KEYS[5]). ARGV[1] hold id, ARGV[2] user id, ARGV[3] extension ms,
-- ARGV[4..] seat ids (same order as KEYS[5..]).
-- Returns {'OK', expiresAtMs} | {'USED'} | {'GONE'}
if redis.call('HGET', KEYS[1], 'u') ~= ARGV[2] then
  return {'GONE'}
end
if redis.call('HGET', KEYS[1], 'x') == '1' then
  return {'USED'}
end
local remaining = redis.call('PTTL', KEYS[1])
if remaining <= 0 then
  return {'GONE'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = remaining + tonumber(ARGV[3])
local expires = now + ttl
for i = 5, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ttl)
    redis.call('ZADD', KEYS[2], expires, ARGV[i - 1])
    redis.call('ZADD', KEYS[3], expires, ARGV[i - 1])
  end
end
redis.call('HSET', KEYS[1], 'x', '1')
redis.call('PEXPIRE', KEYS[1], ttl)
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
return {'OK', tostring(expires)}
