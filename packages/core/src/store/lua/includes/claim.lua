--[[
  The claim of an attempt for dialing (see begin.lua for its rules, inputs and answers), as a function of its
  keys `K` and arguments `A` laid out as begin.lua's KEYS and ARGV, so that admit-claim.lua can run it too.
]]
--- @include "includes/release-hold"

local function claim(K, A)
  local raw = redis.call('HGET', K[1], A[1])
  if not raw then return {'missing', ''} end
  local rec = cjson.decode(raw)
  local k = tonumber(A[2])
  local now = tonumber(A[3])
  if rec.n ~= k then return {'stale', raw} end
  if rec.s == 'd' and rec.k ~= nil and rec.k == A[6] then return {'begin', raw} end
  if rec.s == 'q' or rec.s == 'w' then
    local state = redis.call('HGET', K[2], 'state')
    if state ~= 'running' then return {'state:' .. (state or 'missing'), raw} end
    if redis.call('SISMEMBER', K[5], rec.p) == 1 or (K[6] ~= K[5] and redis.call('SISMEMBER', K[6], rec.p) == 1) then
      return {'suppressed', raw}
    end
    releaseHold(rec, K[3])
    rec.s = 'd'
    rec.k = A[6]
    rec.a = (rec.a or 0) + 1
    rec.ts = now
    rec.due = nil
    -- The attempt's own result starts with its dial-out time (the request goes out right after the claim).
    rec.x = {dt = now}
    local out = cjson.encode(rec)
    redis.call('HSET', K[1], A[1], out)
    redis.call('ZADD', K[4], tonumber(A[4]), A[5])
    -- The re-dial is under way: the previous attempt's re-dial guard (see end.lua) is no longer needed.
    if k > 1 then redis.call('ZREM', K[4], A[1] .. ':' .. (k - 1)) end
    redis.call('HINCRBY', K[3], 'dialouts', 1)
    return {'begin', out}
  end
  if rec.s == 'd' then
    -- A re-delivered job (crashed or stalled worker): the request may have gone out. Never dial again blindly.
    rec.s = 'u'
    rec.k = nil
    rec.ts = now
    local out = cjson.encode(rec)
    redis.call('HSET', K[1], A[1], out)
    return {'uncertain', out}
  end
  return {'already:' .. rec.s, raw}
end
