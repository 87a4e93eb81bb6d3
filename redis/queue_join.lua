-- Waiting room: join a performance's queue (idempotent per user). O(1).
--
-- KEYS[1] config (hash written by core-api: enabled, admitPerMinute, maxQueueLength,
--         saleOpensAtMs, prequeueMinutes, abandonAfterPolls)
-- KEYS[2] soldout (string; set by core-api when no seat is AVAILABLE)
-- KEYS[3] members  (hash: user -> join sequence; the place in line)
-- KEYS[4] order    (hash: join sequence -> user; the order admission walks)
-- KEYS[5] seq      (last join sequence handed out)
-- KEYS[6] admitted (watermark: every sequence <= it was admitted or dropped)
-- KEYS[7] active   (sorted set: admitted user -> when the maxActive slot is freed, ms)
-- KEYS[8] passes   (hash: admitted user -> end of the pass window, ms)
-- KEYS[9] seen     (sorted set: waiting user -> when they lose their place unless they poll)
-- KEYS[10] prequeue (hash: user -> join token, for joins before the sale opens)
-- KEYS[11] prequeue-hashes (list: SHA-256 of every pre-queue join token, published)
-- KEYS[12] fairness (hash: seed, seedHash, sealed, count, ordered)
-- ARGV[1] user id, ARGV[2] now (ms), ARGV[3] state TTL (ms), ARGV[4] longest poll interval
-- (ms), ARGV[5] a fresh join token, ARGV[6] its SHA-256 (hex), ARGV[7] a fresh seed,
-- ARGV[8] its SHA-256 (hex); the fresh values are only kept when this join needs them.
--
-- Before the pre-queue opens: NOT_OPEN. Before the sale opens: PREQUEUE (ordered at the
-- open by the committed seed). At or after the open the pre-queue is sealed (its size is
-- fixed and later joins are numbered behind it) and joins are first come, first served.
--
-- Returns {status, seq, admitted, passExpiresAtMs, joinToken, waiting}.
local now = tonumber(ARGV[2])
local cfg = redis.call('HMGET', KEYS[1], 'enabled', 'saleOpensAtMs', 'prequeueMinutes',
  'maxQueueLength', 'abandonAfterPolls')
local admitted = tonumber(redis.call('GET', KEYS[6]) or '0')
local last = tonumber(redis.call('GET', KEYS[5]) or '0')
if cfg[1] ~= '1' then return {'CLOSED', 0, admitted, 0, '', 0} end
local opens = tonumber(cfg[2] or '0') or 0
if now < opens - (tonumber(cfg[3] or '0') or 0) * 60000 then
  return {'NOT_OPEN', 0, admitted, 0, '', 0}
end
local fair = redis.call('HMGET', KEYS[12], 'sealed', 'ordered')
local sealed = fair[1] == '1'
if now >= opens and not sealed then
  local count = redis.call('HLEN', KEYS[10])
  redis.call('HSET', KEYS[12], 'sealed', 1, 'count', count, 'ordered', count == 0 and 1 or 0)
  last = redis.call('INCRBY', KEYS[5], count)
  sealed, fair[2] = true, count == 0 and '1' or '0'
end
local deadline = now + (tonumber(cfg[5] or '4') or 4) * tonumber(ARGV[4])
local soldout = redis.call('EXISTS', KEYS[2]) == 1
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then
  local seq = tonumber(existing)
  if seq > admitted then
    redis.call('ZADD', KEYS[9], deadline, ARGV[1])
    if soldout then return {'SOLD_OUT', seq, admitted, 0, '', last - admitted} end
    return {'WAITING', seq, admitted, 0, '', last - admitted}
  end
  local expires = tonumber(redis.call('HGET', KEYS[8], ARGV[1]) or '0')
  local slot = tonumber(redis.call('ZSCORE', KEYS[7], ARGV[1]) or '0')
  if expires > now and slot > now then
    return {'ADMITTED', seq, admitted, expires, '', last - admitted}
  end
  -- The pass window is over (or the pass went unused): the user goes to the back of the line.
end
local token = redis.call('HGET', KEYS[10], ARGV[1])
if token and fair[2] ~= '1' then
  redis.call('ZADD', KEYS[9], deadline, ARGV[1])
  return {'PREQUEUE', 0, admitted, 0, token, redis.call('HLEN', KEYS[10])}
end
if soldout then return {'SOLD_OUT', 0, admitted, 0, '', last - admitted} end
local waiting = last - admitted
if not sealed then waiting = redis.call('HLEN', KEYS[10]) end
if waiting >= (tonumber(cfg[4] or '100000') or 100000) then
  return {'FULL', 0, admitted, 0, '', waiting}
end
if not sealed then
  redis.call('HSETNX', KEYS[12], 'seed', ARGV[7])
  redis.call('HSETNX', KEYS[12], 'seedHash', ARGV[8])
  redis.call('HSET', KEYS[10], ARGV[1], ARGV[5])
  redis.call('RPUSH', KEYS[11], ARGV[6])
  redis.call('ZADD', KEYS[9], deadline, ARGV[1])
  for _, i in ipairs({9, 10, 11, 12}) do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  return {'PREQUEUE', 0, admitted, 0, ARGV[5], waiting + 1}
end
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('HSET', KEYS[4], seq, ARGV[1])
redis.call('ZADD', KEYS[9], deadline, ARGV[1])
for i = 3, 12 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return {'WAITING', seq, admitted, 0, '', seq - admitted}
