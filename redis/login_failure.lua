-- Counts a failed login for one e-mail and, from the threshold on, locks further attempts
-- for an exponentially growing delay.
-- KEYS[1] failure counter, KEYS[2] lock (both under the same {login:...} hash tag).
-- ARGV[1] failures allowed before the lock, ARGV[2] first delay ms, ARGV[3] longest delay ms,
-- ARGV[4] how long failures are remembered ms (counted from the last one, plus the delay).
-- Returns the delay now imposed in ms (0 below the threshold).
local fails = redis.call('INCR', KEYS[1])
local threshold = tonumber(ARGV[1])
local delay = 0
if fails >= threshold then
  local exponent = math.min(fails - threshold, 40)
  delay = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ exponent, tonumber(ARGV[3])))
  redis.call('SET', KEYS[2], '1', 'PX', delay)
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + delay)
return delay
