-- Ends a general-admission hold: released early, converted into a reservation, or extended
-- once. KEYS as in ga_hold.lua. ARGV[1] hold id, ARGV[2] user id, ARGV[3] mode
-- ('release' | 'convert' | 'extend'), ARGV[4] extension ms (extend only).
-- Returns {'OK', expiresAtMs?} | {'GONE'} | {'USED'} (extension already used).
if redis.call('HGET', KEYS[1], 'u') ~= ARGV[2] then
  return {'GONE'}
end
local q = redis.call('HGET', KEYS[3], ARGV[1])
if not q then
  return {'GONE'}
end
local quantity = tonumber(q)
if ARGV[3] == 'extend' then
  if redis.call('HGET', KEYS[1], 'x') == '1' then
    return {'USED'}
  end
  local remaining = redis.call('PTTL', KEYS[1])
  if remaining <= 0 then
    return {'GONE'}
  end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local ttl = remaining + tonumber(ARGV[4])
  local expires = now + ttl
  redis.call('ZADD', KEYS[4], expires, ARGV[1])
  for unit = 1, quantity do
    redis.call('ZADD', KEYS[2], expires, 'ga:' .. ARGV[1] .. ':' .. unit)
  end
  redis.call('HSET', KEYS[1], 'x', '1')
  redis.call('PEXPIRE', KEYS[1], ttl)
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[2], last[2])
  return {'OK', tostring(expires)}
end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[3], '_held', -quantity)
redis.call('ZREM', KEYS[4], ARGV[1])
for unit = 1, quantity do
  redis.call('ZREM', KEYS[2], 'ga:' .. ARGV[1] .. ':' .. unit)
end
redis.call('DEL', KEYS[1])
return {'OK'}
