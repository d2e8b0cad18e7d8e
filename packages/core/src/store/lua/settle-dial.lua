--[[
  After a failed dial-out request: 'u' when it may have reached SAVG (the attempt is uncertain, never re-sent);
  'q'/'w' when it certainly did not (the attempt is given back: the dial-out uncounted, its dial-out time and
  the deadline removed).

  Input:
    KEYS[1] contacts hash   KEYS[2] campaign stats   KEYS[3] deadlines zset
    ARGV[1] contact id   ARGV[2] attempt   ARGV[3] new state ('q' | 'w' | 'u')   ARGV[4] now   ARGV[5] deadline member
  Output: {'settled' | 'noop' | 'missing', record JSON}
]]
--- @include "includes/decode-contact"

if rec.n ~= k or rec.s ~= 'd' then return {'noop', raw} end
rec.ts = tonumber(ARGV[4])
rec.k = nil
if ARGV[3] == 'u' then
  rec.s = 'u'
else
  -- The request certainly never reached SAVG: give the attempt back.
  rec.s = ARGV[3]
  rec.x = nil
  rec.a = rec.a - 1
  redis.call('HINCRBY', KEYS[2], 'dialouts', -1)
  redis.call('ZREM', KEYS[3], ARGV[5])
end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'settled', out}
