-- Waiting room: join a performance's queue (idempotent per user). O(1).
--
-- KEYS[1] config (hash: enabled, admitPerMinute, maxActive; written by core-api)
-- KEYS[2] soldout (string; set by core-api when no seat is AVAILABLE)
-- KEYS[3] members (hash: user -> join sequence)
-- KEYS[4] line    (list of users not yet admitted, in join order)
-- KEYS[5] seq     (last join sequence handed out)
-- KEYS[6] admitted (watermark: every sequence <= it has been admitted)
-- KEYS[7] active  (sorted set: user -> end of the pass window, ms)
-- ARGV[1] user id, ARGV[2] now (ms), ARGV[3] state TTL (ms): every key this script writes
-- expires that long after the last join or tick (queue_tick.lua renews the same keys)
--
-- Returns {status, seq, admitted, passExpiresAtMs, admitPerMinute}.
local cfg = redis.call('HMGET', KEYS[1], 'enabled', 'admitPerMinute')
local apm = tonumber(cfg[2] or '0') or 0
local admitted = tonumber(redis.call('GET', KEYS[6]) or '0')
if cfg[1] ~= '1' then return {'CLOSED', 0, admitted, 0, apm} end
local soldout = redis.call('EXISTS', KEYS[2]) == 1
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then
  local seq = tonumber(existing)
  if seq > admitted then
    if soldout then return {'SOLD_OUT', seq, admitted, 0, apm} end
    return {'WAITING', seq, admitted, 0, apm}
  end
  local expires = tonumber(redis.call('ZSCORE', KEYS[7], ARGV[1]) or '0')
  if expires > tonumber(ARGV[2]) then return {'ADMITTED', seq, admitted, expires, apm} end
  -- The pass window is over: the user goes to the back of the line.
end
if soldout then return {'SOLD_OUT', 0, admitted, 0, apm} end
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('RPUSH', KEYS[4], ARGV[1])
for i = 3, 7 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return {'WAITING', seq, admitted, 0, apm}
