-- Waiting room: one admission tick for one performance.
--
-- Only the holder of the lease admits, so several gateways agree. The admission budget is
-- kept here (last tick time and fractional credit), not in any gateway, so a change of
-- leader, a late tick or two ticks at once never admit more than admitPerMinute allows.
-- Nobody is admitted before the sale opens, while sold out, or while the pre-queue's order
-- is being written (the leader draws it in the gateway, see `admission::fairness`).
--
-- Admission walks the join sequences from the watermark: a user who stopped polling, or
-- left, is skipped (dropped) instead of admitted, so positions only ever move forward.
--
-- KEYS[1] config, KEYS[2] soldout, KEYS[3] order, KEYS[4] admitted, KEYS[5] active
-- KEYS[6] tick  (hash: at = last tick ms, credit = admissions owed, rate = measured per minute)
-- KEYS[7] lease (hash: owner, until ms)
-- KEYS[8] members, KEYS[9] seq, KEYS[10] seen, KEYS[11] passes, KEYS[12] prequeue,
-- KEYS[13] fairness, KEYS[14] prequeue-hashes (see queue_join.lua)
-- ARGV[1] now (ms), ARGV[2] instance id, ARGV[3] lease ms, ARGV[4] pass window ms,
-- ARGV[5] state TTL (ms): the waiting room's keys expire that long after the last tick or
-- join, all together, so a queue left alone disappears whole instead of piece by piece;
-- ARGV[6] a fresh seed and ARGV[7] its SHA-256 (hex), committed when the pre-queue opens
--
-- Returns {admittedNow (-1: not the leader), active, waiting, dropped, needsOrdering}.
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
local active = redis.call('ZCARD', KEYS[5])
local watermark = tonumber(redis.call('GET', KEYS[4]) or '0')
local last = tonumber(redis.call('GET', KEYS[9]) or '0')
local waiting = last - watermark

local owner = redis.call('HGET', KEYS[7], 'owner')
local lease_until = tonumber(redis.call('HGET', KEYS[7], 'until') or '0')
if owner and owner ~= ARGV[2] and lease_until > now then return {-1, active, waiting, 0, 0} end
redis.call('HSET', KEYS[7], 'owner', ARGV[2], 'until', now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[7], tonumber(ARGV[3]) * 10)
local function renew()
  for _, i in ipairs({3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14}) do
    redis.call('PEXPIRE', KEYS[i], ARGV[5])
  end
end

local cfg = redis.call('HMGET', KEYS[1], 'enabled', 'admitPerMinute', 'maxActive',
  'saleOpensAtMs', 'prequeueMinutes', 'passUnusedSeconds')
local opens = tonumber(cfg[4] or '0') or 0
local fair = redis.call('HMGET', KEYS[13], 'sealed', 'ordered')
if cfg[1] == '1' and now >= opens - (tonumber(cfg[5] or '0') or 0) * 60000 then
  redis.call('HSETNX', KEYS[13], 'seed', ARGV[6])
  redis.call('HSETNX', KEYS[13], 'seedHash', ARGV[7])
end
if cfg[1] == '1' and now >= opens and fair[1] ~= '1' then
  local count = redis.call('HLEN', KEYS[12])
  redis.call('HSET', KEYS[13], 'sealed', 1, 'count', count, 'ordered', count == 0 and 1 or 0)
  last = redis.call('INCRBY', KEYS[9], count)
  waiting = last - watermark
  fair[1], fair[2] = '1', count == 0 and '1' or '0'
end
local at = tonumber(redis.call('HGET', KEYS[6], 'at') or ARGV[1])
if at > now then now = at end
local needs_ordering = (fair[1] == '1' and fair[2] ~= '1') and 1 or 0
if cfg[1] ~= '1' or redis.call('EXISTS', KEYS[2]) == 1 or now < opens or needs_ordering == 1 then
  redis.call('HSET', KEYS[6], 'at', now, 'credit', 0)
  renew()
  return {0, active, waiting, 0, needs_ordering}
end
local apm = tonumber(cfg[2] or '0') or 0
local max_active = tonumber(cfg[3] or '0') or 0
local credit = tonumber(redis.call('HGET', KEYS[6], 'credit') or '0') + (now - at) * apm / 60000
-- Owed admissions never pile up beyond five seconds' worth (at least one).
local cap = math.max(1, apm * 5 / 60)
if credit > cap then credit = cap end
local n = math.floor(credit)
if max_active > 0 and n > max_active - active then n = max_active - active end
if n < 0 then n = 0 end
-- Skipping is bounded per tick so one tick stays short; the rest is skipped next tick.
local budget = n + 10000
local admitted, dropped = 0, 0
local slot_ends = tonumber(ARGV[1]) + (tonumber(cfg[6] or '120') or 120) * 1000
local pass_ends = tonumber(ARGV[1]) + tonumber(ARGV[4])
if slot_ends > pass_ends then slot_ends = pass_ends end
while admitted < n and watermark < last and budget > 0 do
  watermark = watermark + 1
  budget = budget - 1
  local user = redis.call('HGET', KEYS[3], watermark)
  redis.call('HDEL', KEYS[3], watermark)
  if user and redis.call('HGET', KEYS[8], user) == tostring(watermark) then
    local seen = tonumber(redis.call('ZSCORE', KEYS[10], user) or '0')
    if seen >= tonumber(ARGV[1]) then
      redis.call('ZADD', KEYS[5], slot_ends, user)
      redis.call('HSET', KEYS[11], user, pass_ends)
      redis.call('ZREM', KEYS[10], user)
      admitted = admitted + 1
    else
      -- Left in `seen`, so their next poll hears ABANDONED rather than "not in line".
      redis.call('HDEL', KEYS[8], user)
      dropped = dropped + 1
    end
  end
end
redis.call('SET', KEYS[4], watermark)
credit = credit - admitted
if watermark == last and credit > 1 then credit = 1 end
-- The measured admission rate (per minute, smoothed over about 30 s) for the wait range.
local rate = tonumber(redis.call('HGET', KEYS[6], 'rate') or '0')
if now > at then
  local weight = math.min(1, (now - at) / 30000)
  rate = rate + (admitted * 60000 / (now - at) - rate) * weight
end
redis.call('HSET', KEYS[6], 'at', now, 'credit', tostring(credit), 'rate', tostring(rate))
renew()
return {admitted, active + admitted, last - watermark, dropped, 0}
