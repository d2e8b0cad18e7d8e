--[[
  Gives an attempt's live-call slot back in every scope it holds one in (idempotent).

  Input:
    KEYS[1..n] live-call sets (global, campaign, trunk)
    ARGV[1] the attempt key
  Output: how many slots were released
]]
local n = 0
for i = 1, #KEYS do n = n + redis.call('ZREM', KEYS[i], ARGV[1]) end
return n
