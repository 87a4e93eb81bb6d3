-- Waiting room: a hold presents a pass. The first use turns the admitted user's slot from
-- "admitted, pass not used yet" (freed after passUnusedSeconds) into the whole pass window.
--
-- KEYS[1] active, KEYS[2] passes (see queue_join.lua)
-- ARGV[1] user id, ARGV[2] now (ms)
--
-- Returns 1 when the slot is live, 0 when it was freed (unused in time, or the window is over).
local slot = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
if slot <= tonumber(ARGV[2]) then return 0 end
local ends = redis.call('HGET', KEYS[2], ARGV[1])
if ends then redis.call('ZADD', KEYS[1], 'GT', ends, ARGV[1]) end
return 1
