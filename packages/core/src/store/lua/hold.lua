--[[
  Records why a queued or waiting contact is held back (its calling window is closed, a blackout day, a region's
  rule, a contact cap), so `campaign status` can count the contacts held by each reason and the report can say
  it. Counters in the stats hash (`held:<reason>`) follow the contact: the claim and the end take it out.

  Input:
    KEYS[1] contacts hash   KEYS[2] campaign stats
    ARGV[1] contact id   ARGV[2] attempt   ARGV[3] reason ('' when it is no longer held)
  Output: {'held' | 'unchanged' | 'noop' | 'missing', record JSON}
]]
--- @include "includes/decode-contact"

if rec.n ~= k or not (rec.s == 'q' or rec.s == 'w') then return {'noop', raw} end
local reason = ARGV[3]
if (rec.hb or '') == reason then return {'unchanged', raw} end
if rec.hb then redis.call('HINCRBY', KEYS[2], 'held:' .. rec.hb, -1) end
if reason == '' then
  rec.hb = nil
else
  rec.hb = reason
  redis.call('HINCRBY', KEYS[2], 'held:' .. reason, 1)
end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'held', out}
