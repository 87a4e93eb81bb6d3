-- Removes the short-lived 'R' markers that a conversion leaves on seat keys, once those seats
-- are back on sale (cancelled or expired reservation). Live holds are left alone.
-- KEYS[1..] seat keys of one performance. Returns how many markers were removed.
local removed = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == 'R' then
    redis.call('DEL', KEYS[i])
    removed = removed + 1
  end
end
return removed
