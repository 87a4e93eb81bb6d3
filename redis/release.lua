-- Releases a hold early, or converts it once its reservation is written.
-- KEYS as in hold.lua (KEYS[4] is the event stream, seats from KEYS[5]). ARGV[1] hold id, ARGV[2] user id (owner check),
-- ARGV[3] mode: 'release' frees the seats; 'retract' frees them without announcing anything
-- (a claim that Postgres then refused: the caller announces the seats' real status);
-- 'convert' requires every seat still held by this hold and leaves an 'R' marker, so nobody
-- can re-hold a seat between the Postgres commit and the seat map showing it RESERVED, and
-- later hold attempts on it are refused by Redis alone while the reservation may be live.
-- ARGV[4] marker ttl ms, ARGV[5..] seat ids (same order as KEYS[5..]).
-- A release publishes RELEASED; a conversion publishes nothing (the caller publishes RESERVED
-- once Postgres has committed).
-- Returns 'OK' | 'GONE' (no such hold for this user, or it expired).
if redis.call('HGET', KEYS[1], 'u') ~= ARGV[2] then
  return 'GONE'
end
local convert = ARGV[3] == 'convert'
if convert then
  for i = 5, #KEYS do
    if redis.call('GET', KEYS[i]) ~= ARGV[1] then
      return 'GONE'
    end
  end
end
for i = 5, #KEYS do
  local seat = ARGV[i]
  if convert then
    redis.call('SET', KEYS[i], 'R', 'PX', tonumber(ARGV[4]))
  elseif redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
  end
  redis.call('ZREM', KEYS[2], seat)
  redis.call('ZREM', KEYS[3], seat)
end
redis.call('DEL', KEYS[1])
if ARGV[3] == 'release' then
  local seats = {}
  for i = 5, #ARGV do seats[#seats + 1] = ARGV[i] end
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', '10000', '*', 'd',
    cjson.encode({seatIds = seats, status = 'AVAILABLE', reason = 'RELEASED'}))
end
return 'OK'
