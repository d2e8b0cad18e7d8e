--[[
  A campaign's trunk changed (campaign-settings-update.ts): its live calls move from the old trunk's live-call
  set to the new one's, with their lease expiry, so the release (which names the campaign's current trunk)
  frees them and the per-trunk cap counts them where they now belong. A call of the campaign in the new trunk's
  set that is no longer live for the campaign was released meanwhile under the old trunk (a process that had not
  seen the change yet): it is dropped, so it does not hold a trunk slot until its lease runs out.

  Input:
    KEYS[1] the campaign's live-call set   KEYS[2] the old trunk's set, or the campaign set again when none
    KEYS[3] the new trunk's set, or the campaign set again when none
    ARGV[1] the campaign's member prefix (`<campaign>/`)
  Output: the number of live calls moved
]]
local moved = 0
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  if KEYS[2] ~= KEYS[1] and redis.call('ZREM', KEYS[2], members[i]) == 1 then moved = moved + 1 end
  if KEYS[3] ~= KEYS[1] then redis.call('ZADD', KEYS[3], members[i + 1], members[i]) end
end
if KEYS[3] ~= KEYS[1] then
  local prefix = ARGV[1]
  for _, member in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    if string.sub(member, 1, #prefix) == prefix and not redis.call('ZSCORE', KEYS[1], member) then
      redis.call('ZREM', KEYS[3], member)
    end
  end
end
return moved
