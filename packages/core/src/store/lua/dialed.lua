--[[
  Stores the dial-out's answer (sid/callId) and moves d/u -> i: the call is placed. The watchdog's clock for
  its notification starts now. A notification that beat the answer (an instant 486) may have ended the attempt
  already: then its callId is kept, and the sid when no notification named the call by it, packed as an ended
  attempt's ids are (includes/pack-id; in the history entry when the attempt re-dials: the answer is then
  'stale'). The campaign's `placed`
  counter (dial-outs SAVG accepted) tells a contact's own refusal from a campaign-wide one.

  Input:
    KEYS[1] contacts hash   KEYS[2] sid/callId index   KEYS[3] deadlines zset   KEYS[4] campaign stats
    ARGV[1] contact id   ARGV[2] attempt   ARGV[3] sid   ARGV[4] callId   ARGV[5] now
    ARGV[6] new deadline ('' keeps the one set by the claim)
  Output: {'dialed' | 'stale' | 'missing', record JSON}
]]
--- @include "includes/decode-contact"
--- @include "includes/pack-id"

if rec.n == k + 1 and rec.h and #rec.h > 0 and rec.h[#rec.h].n == k and rec.h[#rec.h].cl == nil then
  -- The notification beat this response and attempt k re-dials: its result in the history gets the call's
  -- ids (the call is over: no index entry), and the answer is still 'stale'.
  local entry = rec.h[#rec.h]
  entry.cl = packId(ARGV[4])
  if entry.cv ~= packId(ARGV[3]) then entry.sid = packId(ARGV[3]) end
  redis.call('HINCRBY', KEYS[4], 'placed', 1)
  local out = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  return {'stale', out}
end
if rec.n ~= k then return {'stale', raw} end
-- A replay of this answer is not counted again (a finished attempt keeps its sid packed: packed only then,
-- not on every dial-out).
if rec.sid == nil or (rec.sid ~= ARGV[3] and rec.sid ~= packId(ARGV[3])) then redis.call('HINCRBY', KEYS[4], 'placed', 1) end
if rec.s ~= 't' then
  rec.sid = ARGV[3]
  rec.cl = ARGV[4]
else
  -- The notification beat this response (an instant 486) and ended the attempt: keep only what the
  -- terminal record lacks (see end.lua), the callId, and the sid when no notification named the call by it.
  rec.cl = packId(ARGV[4])
  if rec.cv ~= packId(ARGV[3]) then rec.sid = packId(ARGV[3]) end
end
local live = rec.s == 'd' or rec.s == 'u' or rec.s == 'i'
rec.k = nil
if rec.s == 'd' or rec.s == 'u' then
  rec.s = 'i'
  rec.ts = tonumber(ARGV[5])
end
if live then
  local member = ARGV[1] .. ':' .. ARGV[2]
  redis.call('HSET', KEYS[2], ARGV[3], member, ARGV[4], member)
  if ARGV[6] ~= '' then redis.call('ZADD', KEYS[3], 'XX', tonumber(ARGV[6]), member) end
end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'dialed', out}
