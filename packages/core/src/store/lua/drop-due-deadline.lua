--[[
  Removes a watchdog deadline only if it is still due: a member re-registered meanwhile (a new deadline for a
  re-begun attempt) lies in the future and stays.

  Input:
    KEYS[1] deadlines zset
    ARGV[1] member   ARGV[2] horizon (ms): due means at or before it
  Output: 1 removed, 0 kept
]]
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
