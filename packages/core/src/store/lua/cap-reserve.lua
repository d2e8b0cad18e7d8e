--[[
  Counts a dial-out to one number against the deployment's contact caps (CONTACT_CAP: at most `count` dial-outs
  in any rolling `window`), across every campaign, in one atomic step: two workers cannot both pass the last
  free place. The same attempt asking again (a re-sent command, a retried claim) finds its own entry.

  Input:
    KEYS[1] the number's dial-out log (zset: member = attempt key, score = when)
    ARGV[1] now (ms)   ARGV[2] the attempt key   ARGV[3] the longest window (ms)
    ARGV[4..] pairs of (count, window ms)
  Output: {1} counted (or already counted); {0, freeAt} a cap is full until freeAt (ms): nothing counted
]]
local now = tonumber(ARGV[1])
local longest = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return {1} end
local freeAt = 0
for i = 4, #ARGV, 2 do
  local count = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1])
  local inWindow = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf')
  if #inWindow >= count then
    -- The cap frees when enough of the dial-outs in the window have aged out of it.
    local oldest = redis.call('ZSCORE', KEYS[1], inWindow[#inWindow - count + 1])
    local frees = tonumber(oldest) + window
    if frees > freeAt then freeAt = frees end
  end
end
if freeAt > 0 then return {0, tostring(freeAt)} end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], longest)
return {1}
