-- Waiting room: one admission tick for one performance.
--
-- Only the holder of the lease admits, so several gateways agree. The admission budget is
-- kept here (last tick time and fractional credit), not in any gateway, so a change of
-- leader, a late tick or two ticks at once never admit more than admitPerMinute allows.
--
-- KEYS[1] config, KEYS[2] soldout, KEYS[3] line, KEYS[4] admitted, KEYS[5] active
-- KEYS[6] tick  (hash: at = last tick ms, credit = admissions owed)
-- KEYS[7] lease (hash: owner, until ms)
-- KEYS[8] members, KEYS[9] seq (see queue_join.lua; only their expiry is renewed here)
-- ARGV[1] now (ms), ARGV[2] instance id, ARGV[3] lease ms, ARGV[4] pass window ms,
-- ARGV[5] state TTL (ms): the waiting room's keys expire that long after the last tick or
-- join, all together, so a queue left alone disappears whole instead of piece by piece
--
-- Returns {admittedNow (-1: not the leader), active, waiting}.
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
local active = redis.call('ZCARD', KEYS[5])
local waiting = redis.call('LLEN', KEYS[3])

local owner = redis.call('HGET', KEYS[7], 'owner')
local lease_until = tonumber(redis.call('HGET', KEYS[7], 'until') or '0')
if owner and owner ~= ARGV[2] and lease_until > now then return {-1, active, waiting} end
redis.call('HSET', KEYS[7], 'owner', ARGV[2], 'until', now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[7], tonumber(ARGV[3]) * 10)
local function renew()
  for _, i in ipairs({3, 4, 5, 6, 8, 9}) do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
end

local cfg = redis.call('HMGET', KEYS[1], 'enabled', 'admitPerMinute', 'maxActive')
local at = tonumber(redis.call('HGET', KEYS[6], 'at') or ARGV[1])
if at > now then now = at end
if cfg[1] ~= '1' or redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[6], 'at', now, 'credit', 0)
  renew()
  return {0, active, waiting}
end
local apm = tonumber(cfg[2] or '0') or 0
local max_active = tonumber(cfg[3] or '0') or 0
local credit = tonumber(redis.call('HGET', KEYS[6], 'credit') or '0') + (now - at) * apm / 60000
-- Owed admissions never pile up beyond five seconds' worth (at least one).
local cap = math.max(1, apm * 5 / 60)
if credit > cap then credit = cap end
local n = math.floor(credit)
if max_active > 0 and n > max_active - active then n = max_active - active end
if n > waiting then n = waiting end
if n < 0 then n = 0 end
if n > 0 then
  local users = redis.call('LPOP', KEYS[3], n)
  local expires = tonumber(ARGV[1]) + tonumber(ARGV[4])
  for _, user in ipairs(users) do
    redis.call('ZADD', KEYS[5], expires, user)
  end
  redis.call('INCRBY', KEYS[4], n)
  credit = credit - n
end
if waiting - n == 0 and credit > 1 then credit = 1 end
redis.call('HSET', KEYS[6], 'at', now, 'credit', tostring(credit))
renew()
return {n, active + n, waiting - n}
