-- Claims every requested seat for one hold, or none of them.
-- KEYS[1] hold hash, KEYS[2] user's held-seat zset, KEYS[3] performance held-seat zset,
-- KEYS[4] the performance's seat-event stream, KEYS[5..] one key per seat.
-- All keys share the {perf:ID} hash tag.
-- ARGV[1] hold id, ARGV[2] user id, ARGV[3] ttl ms, ARGV[4] per-user seat limit,
-- ARGV[5..] seat ids (same order as KEYS[5..]).
-- Returns {'OK', expiresAtMs, heldBefore} | {'TAKEN', seatId...} | {'LIMIT', heldNow}
-- The limit here counts live holds only; heldBefore (seats the user held in this performance
-- before this claim) lets the caller finish the check once Postgres gives the reserved count.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local wanted = #KEYS - 4

redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local held = redis.call('ZCARD', KEYS[2])
if held + wanted > tonumber(ARGV[4]) then
  return {'LIMIT', tostring(held)}
end

local taken = {}
for i = 5, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    taken[#taken + 1] = ARGV[i]
  end
end
if #taken > 0 then
  table.insert(taken, 1, 'TAKEN')
  return taken
end

local expires = now + ttl
local seats = {}
for i = 5, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ttl)
  redis.call('ZADD', KEYS[2], expires, ARGV[i])
  redis.call('ZADD', KEYS[3], expires, ARGV[i])
  seats[#seats + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], 'u', ARGV[2], 'x', '0')
redis.call('PEXPIRE', KEYS[1], ttl)
-- The user zset lives as long as the user's latest hold.
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '10000', '*', 'd',
  cjson.encode({seatIds = seats, status = 'HELD', reason = 'HELD'}))
return {'OK', tostring(expires), tostring(held)}
