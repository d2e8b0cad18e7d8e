--[[
  Takes a contact out of the held counters (see hold.lua) as it leaves queued/waiting: `rec` is the decoded
  record (changed in place), `statsKey` the campaign stats key.
]]
local function releaseHold(rec, statsKey)
  if rec.hb then
    redis.call('HINCRBY', statsKey, 'held:' .. rec.hb, -1)
    rec.hb = nil
  end
end
