--[[
  Adds contacts if new. A record added in state 't' (suppressed at import) counts as terminal at once; a
  campaign that was completed runs again when contacts arrive, and one left with nothing to do completes.

  Input:
    KEYS[1] contacts hash   KEYS[2] campaign stats   KEYS[3] campaign meta
    KEYS[4] results outbox (a contact born terminal is a result: written only when the campaign has `results`)
    ARGV[1] now, then pairs of (contact id, record JSON)
  Output: {codes, state}: one code per contact: 1 new; 2 exists and still queued for its first attempt (its
    job must exist: re-adding with the same job id is a no-op); 0 exists otherwise; and the state the campaign
    was moved to ('running', 'completed'), or '' when it kept its state
]]
--- @include "includes/results-outbox"
local codes = {}
local moved = ''
local added = 0
for i = 2, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    added = added + 1
    codes[#codes + 1] = 1
    -- A contact that ends at import (suppressed) is born terminal: count it so completion still adds up.
    -- Records come from JSON.stringify (no spaces): one without this text cannot be terminal, and the
    -- plain find spares decoding every new contact of a big import.
    if string.find(ARGV[i + 1], '"s":"t"', 1, true) then
      local rec = cjson.decode(ARGV[i + 1])
      if rec.s == 't' then
        redis.call('HINCRBY', KEYS[2], 'terminal', 1)
        redis.call('HINCRBY', KEYS[2], 'o:' .. rec.o, 1)
        resultsEvent(KEYS[3], KEYS[4], 'a', ARGV[i], rec.n, false, ARGV[i + 1])
        resultsEvent(KEYS[3], KEYS[4], 'c', ARGV[i], rec.n, false, ARGV[i + 1])
      end
    end
  else
    local rec = cjson.decode(redis.call('HGET', KEYS[1], ARGV[i]))
    if rec.s == 'q' and rec.n == 1 then codes[#codes + 1] = 2 else codes[#codes + 1] = 0 end
  end
end
if added > 0 then
  -- When contacts last arrived: the reconciler leaves contacts that have never moved alone until the import
  -- has been still for a while (their jobs are added right after them).
  redis.call('HSET', KEYS[2], 'addedAt', ARGV[1])
  local contacts = redis.call('HINCRBY', KEYS[2], 'contacts', added)
  local terminal = tonumber(redis.call('HGET', KEYS[2], 'terminal') or '0')
  local state = redis.call('HGET', KEYS[3], 'state')
  if state == 'completed' and terminal < contacts then
    redis.call('HSET', KEYS[3], 'state', 'running')
    redis.call('HDEL', KEYS[3], 'completedAt')
    moved = 'running'
  elseif state == 'running' and terminal >= contacts then
    redis.call('HSET', KEYS[3], 'state', 'completed', 'completedAt', ARGV[1])
    moved = 'completed'
  end
end
return {codes, moved}
