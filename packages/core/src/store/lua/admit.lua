--[[
  The admission of one dial-out in a single atomic step: take the attempt's live-call slot (global, campaign,
  trunk) and, if it was free, reserve the dial-out's paced instant under the global and the campaign rate
  (GCRA-style: instants 1/rate apart, so no sliding second holds more than the limit). No slot is ever held by
  a dial-out that got no instant. Live calls: one sorted set per scope, member = attempt, score = lease expiry;
  expired leases (a crashed process, a notification that never came) are swept on every admission.

  Input:
    KEYS[1..nLive] live-call sets (global, campaign[, trunk])   KEYS[nLive+1..] rate keys (global[, campaign][, bot])
    KEYS[nLive+nRate+1] (optional) the global limits set at run time (`dialer limits set`)
    ARGV[1] nLive   ARGV[2] nRate   ARGV[3] now (ms)   ARGV[4] the attempt key   ARGV[5] lease expiry (ms)
    ARGV[6] how far ahead an instant may be (ms)   ARGV[7..] live caps, then rate intervals (ms)
  Output: {1, wait ms} admitted (dial at now + wait); {2, scope} a live-call scope is full (1 global,
    2 campaign, 3 trunk), nothing taken; {3, ms} no instant within the horizon, nothing taken
]]
local nLive = tonumber(ARGV[1])
local nRate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local member = ARGV[4]
local expiry = tonumber(ARGV[5])
local maxAhead = tonumber(ARGV[6])
-- Global limits set at run time win over the worker's environment values (ARGV): read in this same step, so
-- every worker follows `dialer limits set` at its next admission, without a restart.
local globalCap, globalInterval = tonumber(ARGV[7]), tonumber(ARGV[7 + nLive])
if #KEYS > nLive + nRate then
  local stored = redis.call('HMGET', KEYS[nLive + nRate + 1], 'maxLiveCalls', 'ratePerSecond')
  if stored[1] then globalCap = tonumber(stored[1]) end
  if stored[2] then globalInterval = 1000 / tonumber(stored[2]) end
end
for i = 1, nLive do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now) end
local held = redis.call('ZSCORE', KEYS[1], member)
if not held then
  for i = 1, nLive do
    local cap = i == 1 and globalCap or tonumber(ARGV[6 + i])
    if redis.call('ZCARD', KEYS[i]) >= cap then return {2, tostring(i)} end
  end
end
local t = now
for i = 1, nRate do
  local nextFree = tonumber(redis.call('GET', KEYS[nLive + i]) or '0')
  if nextFree > t then t = nextFree end
end
if t - now > maxAhead then return {3, string.format('%.3f', t - now - maxAhead)} end
for i = 1, nLive do redis.call('ZADD', KEYS[i], expiry, member) end
for i = 1, nRate do
  local interval = i == 1 and globalInterval or tonumber(ARGV[6 + nLive + i])
  redis.call('SET', KEYS[nLive + i], string.format('%.3f', t + interval), 'PX', math.ceil(interval) + 60000)
end
return {1, string.format('%.3f', t - now)}
