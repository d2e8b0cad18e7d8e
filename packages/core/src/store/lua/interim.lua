--[[
  An interim event (Call-In-Progress, machine detection before the end): its fields wait in `x` and become
  the result fields when the attempt ends, so the result fields stay those of the last ended attempt.

  Input:
    KEYS[1] contacts hash
    ARGV[1] contact id   ARGV[2] attempt   ARGV[3] fields JSON   ARGV[4] now
  Output: {'interim' | 'noop' | 'missing', record JSON}
]]
--- @include "includes/decode-contact"

if rec.n ~= k or not (rec.s == 'd' or rec.s == 'u' or rec.s == 'i') then return {'noop', raw} end
-- Kept apart (x) until the attempt ends: the result fields stay those of the last ended attempt.
rec.k = nil
local x = rec.x or {}
for key, value in pairs(cjson.decode(ARGV[3])) do x[key] = value end
rec.x = x
rec.s = 'i'
rec.ts = tonumber(ARGV[4])
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'interim', out}
