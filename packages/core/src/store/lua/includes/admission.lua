--[[
  The admission of one dial-out (see admit.lua for its rules, inputs and answers), as a function of its keys
  `K` and arguments `A` laid out as admit.lua's KEYS and ARGV, so that admit-claim.lua can run it too.
]]
local function admit(K, A)
  local nLive = tonumber(A[1])
  local nRate = tonumber(A[2])
  local now = tonumber(A[3])
  local member = A[4]
  local expiry = tonumber(A[5])
  local maxAhead = tonumber(A[6])
  -- Global limits set at run time win over the worker's environment values (A): read in this same step, so
  -- every worker follows `dialer limits set` at its next admission, without a restart.
  local globalCap, globalInterval = tonumber(A[7]), tonumber(A[7 + nLive])
  if #K > nLive + nRate then
    local stored = redis.call('HMGET', K[nLive + nRate + 1], 'maxLiveCalls', 'ratePerSecond')
    if stored[1] then globalCap = tonumber(stored[1]) end
    if stored[2] then globalInterval = 1000 / tonumber(stored[2]) end
  end
  for i = 1, nLive do redis.call('ZREMRANGEBYSCORE', K[i], '-inf', now) end
  local held = redis.call('ZSCORE', K[1], member)
  if not held then
    for i = 1, nLive do
      local cap = i == 1 and globalCap or tonumber(A[6 + i])
      if redis.call('ZCARD', K[i]) >= cap then return {2, tostring(i)} end
    end
  end
  local t = now
  for i = 1, nRate do
    local nextFree = tonumber(redis.call('GET', K[nLive + i]) or '0')
    if nextFree > t then t = nextFree end
  end
  if t - now > maxAhead then return {3, string.format('%.3f', t - now - maxAhead)} end
  for i = 1, nLive do redis.call('ZADD', K[i], expiry, member) end
  for i = 1, nRate do
    local interval = i == 1 and globalInterval or tonumber(A[6 + nLive + i])
    redis.call('SET', K[nLive + i], string.format('%.3f', t + interval), 'PX', math.ceil(interval) + 60000)
  end
  return {1, string.format('%.3f', t - now)}
end
