-- Holds a quantity of a general-admission product, or refuses: never more than what
-- Postgres says remains minus what live holds already have.
-- KEYS[1] hold hash, KEYS[2] user's held-unit zset, KEYS[3] product hash (holdId -> quantity,
-- '_held' -> total held), KEYS[4] product hold-expiry zset. All under the {perf:ID} tag.
-- ARGV[1] hold id, ARGV[2] user id, ARGV[3] ttl ms, ARGV[4] per-user limit, ARGV[5] units the
-- user already has in live reservations, ARGV[6] remaining in Postgres, ARGV[7] quantity.
-- Returns {'OK', expiresAtMs} | {'SOLD_OUT', available} | {'LIMIT', heldNow}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local quantity = tonumber(ARGV[7])

-- Expired holds give their quantity back.
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
for _, hold in ipairs(expired) do
  local q = redis.call('HGET', KEYS[3], hold)
  if q then
    redis.call('HINCRBY', KEYS[3], '_held', -tonumber(q))
    redis.call('HDEL', KEYS[3], hold)
  end
  redis.call('ZREM', KEYS[4], hold)
end

redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local held_by_user = redis.call('ZCARD', KEYS[2])
if held_by_user + quantity + tonumber(ARGV[5]) > tonumber(ARGV[4]) then
  return {'LIMIT', tostring(held_by_user)}
end

local available = tonumber(ARGV[6]) - tonumber(redis.call('HGET', KEYS[3], '_held') or '0')
if available < quantity then
  return {'SOLD_OUT', tostring(math.max(available, 0))}
end

local expires = now + ttl
redis.call('HSET', KEYS[3], ARGV[1], quantity)
redis.call('HINCRBY', KEYS[3], '_held', quantity)
redis.call('ZADD', KEYS[4], expires, ARGV[1])
for unit = 1, quantity do
  redis.call('ZADD', KEYS[2], expires, 'ga:' .. ARGV[1] .. ':' .. unit)
end
redis.call('HSET', KEYS[1], 'u', ARGV[2], 'x', '0')
redis.call('PEXPIRE', KEYS[1], ttl)
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
return {'OK', tostring(expires)}
