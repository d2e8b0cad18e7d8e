--[[
  Claims attempt k of a contact for dialing: q/w -> d, counts the dial-out, registers the watchdog deadline.
  The do-not-call sets are checked in the claim itself, so a number listed before the claim is never dialed.
  The claim is stored with the record while it is dialing (`k`): the same claim sent again (ioredis re-sends a
  command whose reply a reconnect lost) recognises itself and answers `begin` again, since its sender never got
  the first answer and so never dialed; any other claimer (a re-delivered job) finds it `uncertain`.

  Input:
    KEYS[1] contacts hash        KEYS[2] campaign meta        KEYS[3] campaign stats
    KEYS[4] deadlines zset       KEYS[5] campaign do-not-call set
    KEYS[6] global do-not-call set (the campaign's again on Redis Cluster, where the global set is in another slot)
    ARGV[1] contact id   ARGV[2] attempt   ARGV[3] now (ms)   ARGV[4] deadline (ms)
    ARGV[5] deadline member   ARGV[6] claim (the claimer's token, one per delivery of the job)
  Output: {answer, record JSON}; answer is
    'begin'         claimed (or our own claim again)
    'uncertain'     another claimer was dialing: the request may have left, never dial again
    'suppressed'    the number is on a do-not-call list (nothing changed)
    'state:<s>'     the campaign is not running (nothing changed)
    'already:<s>'   the attempt is past dialing (in a call, uncertain, ended)
    'stale'         the contact is at another attempt
    'missing'       no such contact
]]
--- @include "includes/decode-contact"
--- @include "includes/release-hold"

if rec.n ~= k then return {'stale', raw} end
if rec.s == 'd' and rec.k ~= nil and rec.k == ARGV[6] then return {'begin', raw} end
if rec.s == 'q' or rec.s == 'w' then
  local state = redis.call('HGET', KEYS[2], 'state')
  if state ~= 'running' then return {'state:' .. (state or 'missing'), raw} end
  if redis.call('SISMEMBER', KEYS[5], rec.p) == 1 or (KEYS[6] ~= KEYS[5] and redis.call('SISMEMBER', KEYS[6], rec.p) == 1) then
    return {'suppressed', raw}
  end
  releaseHold(KEYS[3])
  rec.s = 'd'
  rec.k = ARGV[6]
  rec.a = (rec.a or 0) + 1
  rec.ts = tonumber(ARGV[3])
  rec.due = nil
  -- The attempt's own result starts with its dial-out time (the request goes out right after the claim).
  rec.x = {dt = tonumber(ARGV[3])}
  local out = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  redis.call('ZADD', KEYS[4], tonumber(ARGV[4]), ARGV[5])
  -- The re-dial is under way: the previous attempt's re-dial guard (see END_SCRIPT) is no longer needed.
  if k > 1 then redis.call('ZREM', KEYS[4], ARGV[1] .. ':' .. (k - 1)) end
  redis.call('HINCRBY', KEYS[3], 'dialouts', 1)
  return {'begin', out}
end
if rec.s == 'd' then
  -- A re-delivered job (crashed or stalled worker): the request may have gone out. Never dial again blindly.
  rec.s = 'u'
  rec.k = nil
  rec.ts = tonumber(ARGV[3])
  local out = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  return {'uncertain', out}
end
return {'already:' .. rec.s, raw}
