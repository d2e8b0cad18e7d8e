--[[
  Takes a contact out of the held counters (see hold.lua) as it leaves queued/waiting. Needs: rec (the decoded
  record) and the campaign stats key as `statsKey`.
]]
local function releaseHold(statsKey)
  if rec.hb then
    redis.call('HINCRBY', statsKey, 'held:' .. rec.hb, -1)
    rec.hb = nil
  end
end
