--[[
  Ends attempt k: the contact ends (terminal, counted by outcome; the campaign completes with its last contact
  while running) or waits for its re-dial (state w at attempt k+1, due after the policy's delay). The result
  fields (sip, rs, rc, amd, du, ca, da, cv, ss, dt) are those of attempt n: when it was dialed (d/u/i) its
  interim fields (x, which hold its dial-out time dt) and the given ones apply. An attempt ended before its
  dial-out (q/w: cancelled, suppressed, expired) only sets rs. When a dialed attempt re-dials, its result
  (with n, o, sid, cl and its end time te) moves to the history h, so each attempt's result is kept once and
  attempt k+1 starts with none. On a cancelled campaign a re-dial is never scheduled: the contact ends
  `cancelled`.
  A re-dial leaves the ended attempt's member in the deadlines set at `due + redial guard` (removed when the
  re-dial begins): if it comes due, the re-dial has not started, a replay answers `redial-pending` and the
  caller re-ensures the job (a crash between ending and adding the job).
  `lost` is the watchdog's guess: the attempt's real end, late, with an outcome not re-dialed itself, replaces
  it (the pending re-dial called off, or the ended contact's outcome corrected).

  Input:
    KEYS[1] contacts hash   KEYS[2] campaign stats   KEYS[3] deadlines zset   KEYS[4] sid/callId index
    KEYS[5] campaign meta   KEYS[6] results outbox (written only when the campaign has `results`)
    ARGV[1] contact id   ARGV[2] attempt   ARGV[3] states it may end from ('dui', 'qw', 'd')   ARGV[4] outcome
    ARGV[5] result fields JSON   ARGV[6] re-dial delay ms (-1: none)   ARGV[7] now   ARGV[8] deadline member
    ARGV[9] reason recorded when a cancel cuts a re-dial short   ARGV[10] re-dial guard ms
  Output: {answer, record JSON, 'revised' | ''}; answer is 'terminal', 'completed' (the campaign too),
    'redial', 'redial-pending', 'noop' or 'missing'
]]
--- @include "includes/decode-contact"
--- @include "includes/release-hold"
--- @include "includes/pack-id"
--- @include "includes/results-outbox"

-- The result fields of an attempt (contact-record.ts names them).
local RESULT = {'sip', 'rs', 'rc', 'amd', 'du', 'ca', 'da', 'cv', 'ss', 'dt'}
local function clearResult()
  for _, key in ipairs(RESULT) do rec[key] = nil end
end
-- A finished attempt keeps its ids packed (see includes/pack-id); the live index needs them as sent, so this
-- comes after their index entries are removed.
local function packIds()
  for _, key in ipairs({'cv', 'ss', 'sid', 'cl'}) do rec[key] = packId(rec[key]) end
end
-- Attempt k's result as a history entry (the sid only when no notification's conversation id is the same id).
local function historyEntry(outcome, now)
  local entry = {n = k, o = outcome, te = now, cl = rec.cl}
  for _, key in ipairs(RESULT) do entry[key] = rec[key] end
  if rec.sid ~= rec.cv then entry.sid = rec.sid end
  return entry
end
-- Attempt k ended `lost` (the watchdog's guess) and this is its real end, late (a slow gateway), with an
-- outcome that is not re-dialed itself: that is the truth and replaces `lost`.
local revised = false
local truth = rec.o == 'lost' and ARGV[4] ~= 'lost' and tonumber(ARGV[6]) < 0 and string.find(ARGV[3], 'i', 1, true) ~= nil
if rec.n == k + 1 and rec.s == 'w' then
  -- The re-dial has not begun. A replay re-ensures it; the truth calls it off (its job finds the record
  -- back at attempt k and does nothing): a person already reached is not called again.
  if not truth then return {'redial-pending', raw} end
  revised = true
  rec.n = k
  rec.s = 'i'
  rec.due = nil
  -- Attempt k's `lost` result leaves the history: the truth replaces it (its dial-out time and ids stay).
  local h = rec.h
  if h and #h > 0 and h[#h].n == k then
    local prev = table.remove(h)
    rec.x = {dt = prev.dt}
    rec.sid = prev.sid or prev.cv
    rec.cl = prev.cl
    if #h == 0 then rec.h = nil end
  end
  redis.call('HINCRBY', KEYS[2], 'redials', -1)
elseif rec.n == k and rec.s == 't' and truth then
  -- The contact had ended `lost`: only its outcome and result fields change (still terminal; the dial-out
  -- time stays).
  local dt = rec.dt
  clearResult()
  rec.dt = dt
  for key, value in pairs(cjson.decode(ARGV[5])) do rec[key] = value end
  rec.o = ARGV[4]
  rec.ts = tonumber(ARGV[7])
  packIds()
  if rec.sid == rec.cv then rec.sid = nil end
  redis.call('HINCRBY', KEYS[2], 'o:lost', -1)
  redis.call('HINCRBY', KEYS[2], 'o:' .. ARGV[4], 1)
  local out = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  resultsEvent(KEYS[5], KEYS[6], 'a', ARGV[1], k, true, out)
  resultsEvent(KEYS[5], KEYS[6], 'c', ARGV[1], k, true, out)
  return {'terminal', out, 'revised'}
end
if rec.n ~= k or not string.find(ARGV[3], rec.s, 1, true) then return {'noop', raw} end
local dialed = rec.s == 'd' or rec.s == 'u' or rec.s == 'i'
if dialed then
  clearResult()
  if rec.x then for key, value in pairs(rec.x) do rec[key] = value end end
end
rec.x = nil
rec.k = nil
releaseHold(rec, KEYS[2])
for key, value in pairs(cjson.decode(ARGV[5])) do rec[key] = value end
local now = tonumber(ARGV[7])
local delay = tonumber(ARGV[6])
local outcome = ARGV[4]
if delay >= 0 and redis.call('HGET', KEYS[5], 'state') == 'cancelled' then
  delay = -1
  outcome = 'cancelled'
  rec.rs = ARGV[9]
end
rec.o = outcome
rec.ts = now
redis.call('ZREM', KEYS[3], ARGV[8])
if k > 1 then redis.call('ZREM', KEYS[3], ARGV[1] .. ':' .. (k - 1)) end
if rec.sid then redis.call('HDEL', KEYS[4], rec.sid) end
if rec.cl then redis.call('HDEL', KEYS[4], rec.cl) end
packIds()
if delay >= 0 then
  if dialed then
    local h = rec.h or {}
    h[#h + 1] = historyEntry(outcome, now)
    rec.h = h
    clearResult()
  end
  rec.s = 'w'
  rec.n = k + 1
  rec.due = now + delay
  rec.sid = nil
  rec.cl = nil
  local out = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  redis.call('ZADD', KEYS[3], rec.due + tonumber(ARGV[10]), ARGV[8])
  redis.call('HINCRBY', KEYS[2], 'redials', 1)
  resultsEvent(KEYS[5], KEYS[6], 'a', ARGV[1], k, false, out)
  return {'redial', out}
end
rec.s = 't'
rec.md = nil
-- A terminal record keeps what the report needs: the sid is dropped when the notification's conversation id
-- is the same id (the report falls back to the sid).
if rec.sid == rec.cv then rec.sid = nil end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
-- A revised attempt had ended `lost` (its first end was recorded then); the contact ends here for the first time.
resultsEvent(KEYS[5], KEYS[6], 'a', ARGV[1], k, revised, out)
resultsEvent(KEYS[5], KEYS[6], 'c', ARGV[1], k, false, out)
redis.call('HINCRBY', KEYS[2], 'o:' .. outcome, 1)
local terminal = redis.call('HINCRBY', KEYS[2], 'terminal', 1)
local contacts = tonumber(redis.call('HGET', KEYS[2], 'contacts') or '0')
if terminal >= contacts and redis.call('HGET', KEYS[5], 'state') == 'running' then
  redis.call('HSET', KEYS[5], 'state', 'completed', 'completedAt', now)
  return {'completed', out, revised and 'revised' or ''}
end
return {'terminal', out, revised and 'revised' or ''}
