--[[
  Creates a campaign in one step (settings, state, counters), so that a crash can never leave one without a
  state. A meta left without a state by an older version is given `running`.

  Input:
    KEYS[1] campaign meta   KEYS[2] campaign stats
    ARGV[1] settings JSON   ARGV[2] now, then pairs of extra meta fields
  Output: 1 created, 0 it existed
]]
if redis.call('HEXISTS', KEYS[1], 'settings') == 1 then
  if redis.call('HEXISTS', KEYS[1], 'state') == 0 then redis.call('HSET', KEYS[1], 'state', 'running') end
  return 0
end
redis.call('HSET', KEYS[1], 'settings', ARGV[1], 'state', 'running', 'createdAt', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSETNX', KEYS[2], 'contacts', '0')
redis.call('HSETNX', KEYS[2], 'terminal', '0')
return 1
