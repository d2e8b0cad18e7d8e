/**
 * Lua scripts for the contact state machine. Each touches only keys of one campaign (one hash tag), so it is
 * atomic on a single Redis and on Redis Cluster. Records are compact JSON (see ContactRecord).
 * Every script is idempotent: replaying it (a retried job, a duplicate notification) changes nothing.
 */

const DECODE = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'missing', ''} end
local rec = cjson.decode(raw)
local k = tonumber(ARGV[2])
`;

/**
 * KEYS: contacts, meta, stats, deadlines, the campaign's do-not-call set, the global one (the campaign's again
 * on Redis Cluster, where the global set lives in another slot). ARGV: contactId, attempt, now, deadline, member,
 * claim (the claimer's token: one per delivery of the job).
 * The do-not-call sets are checked in the claim itself, so a number listed before the claim is never dialed.
 * The claim is stored with the record while it is dialing (`k`): the same claim sent again (ioredis re-sends a
 * command whose reply a reconnect lost) recognises itself and answers `begin` again, since its sender never
 * got the first answer and so never dialed; any other claimer (a re-delivered job) finds it `uncertain`.
 */
export const BEGIN_SCRIPT = `${DECODE}
if rec.n ~= k then return {'stale', raw} end
if rec.s == 'd' and rec.k ~= nil and rec.k == ARGV[6] then return {'begin', raw} end
if rec.s == 'q' or rec.s == 'w' then
  local state = redis.call('HGET', KEYS[2], 'state')
  if state ~= 'running' then return {'state:' .. (state or 'missing'), raw} end
  if redis.call('SISMEMBER', KEYS[5], rec.p) == 1 or (KEYS[6] ~= KEYS[5] and redis.call('SISMEMBER', KEYS[6], rec.p) == 1) then
    return {'suppressed', raw}
  end
  rec.s = 'd'
  rec.k = ARGV[6]
  rec.a = (rec.a or 0) + 1
  rec.ts = tonumber(ARGV[3])
  rec.due = nil
  rec.x = nil
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
`;

/**
 * KEYS: contacts, sids, deadlines, stats. ARGV: contactId, attempt, sid, callId, now, deadline ('' keeps it).
 * The call is placed: the watchdog's clock for its notification starts now (see CampaignStore.dialed). The
 * campaign's `placed` counter (dial-outs SAVG accepted) is what tells a contact's own refusal from a
 * campaign-wide one (see the worker's configuration pause).
 */
export const DIALED_SCRIPT = `${DECODE}
if rec.n ~= k then return {'stale', raw} end
if rec.sid ~= ARGV[3] then redis.call('HINCRBY', KEYS[4], 'placed', 1) end
if rec.s ~= 't' then
  rec.sid = ARGV[3]
  rec.cl = ARGV[4]
elseif rec.cv ~= ARGV[3] then
  -- The notification beat this response (an instant 486) and ended the attempt: keep only what the
  -- terminal record lacks (see END_SCRIPT), the sid when no notification named the call by it.
  rec.sid = ARGV[3]
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
`;

/** KEYS: contacts, stats, deadlines. ARGV: contactId, attempt, newState ('q'|'w' revert, 'u' uncertain), now, member. */
export const SETTLE_DIAL_SCRIPT = `${DECODE}
if rec.n ~= k or rec.s ~= 'd' then return {'noop', raw} end
rec.ts = tonumber(ARGV[4])
rec.k = nil
if ARGV[3] == 'u' then
  rec.s = 'u'
else
  -- The request certainly never reached SAVG: give the attempt back.
  rec.s = ARGV[3]
  rec.a = rec.a - 1
  redis.call('HINCRBY', KEYS[2], 'dialouts', -1)
  redis.call('ZREM', KEYS[3], ARGV[5])
end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return {'settled', out}
`;

/**
 * KEYS: contacts. ARGV: contactId, attempt, fieldsJson, now. Interim events (Call-In-Progress, AMD before the end):
 * their fields wait in `x` and become the result fields when the attempt ends.
 */
export const INTERIM_SCRIPT = `${DECODE}
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
`;

/** Why a contact whose re-dial a cancel cut short ends `cancelled` (same text as a cancel's sweep). */
export const CANCELLED_REASON = 'campaign cancelled';

/**
 * How long after a re-dial is due the lost-notification watchdog makes sure its job exists. END leaves the
 * ended attempt's member in the deadlines set at `due + REDIAL_GUARD_MS`; BEGIN of the re-dial removes it.
 * If it comes due, the re-dial has not started: the watchdog's END replay answers `redial-pending` and the
 * job is re-added (deterministic id, so a job that exists is left alone). This closes the crash window
 * between END and adding the re-dial job.
 */
export const REDIAL_GUARD_MS = 60_000;

/**
 * Ends attempt k. KEYS: contacts, stats, deadlines, sids, meta.
 * ARGV: contactId, attempt, fromStates, outcome, fieldsJson, redialDelayMs (-1: none), now, member.
 * The result fields (sip, rs, amd, du, ca, da, cv) become those of this attempt: when it was dialed (d/u/i)
 * the previous attempt's are cleared first, then its interim fields (x) and the given ones apply. An attempt
 * ended before its dial-out (q/w: cancelled, suppressed, expired) keeps the last call's fields and sets rs.
 * On a cancelled campaign a re-dial is never scheduled: the contact ends `cancelled` (like one that was
 * already waiting for its re-dial when the cancel came).
 */
export const END_SCRIPT = `${DECODE}
-- The result fields of an attempt: those of the previous one go before this one's apply.
local function clearResult()
  for _, key in ipairs({'sip', 'rs', 'amd', 'du', 'ca', 'da', 'cv'}) do rec[key] = nil end
end
-- Attempt k ended \`lost\` (the watchdog's guess) and this is its real end, late (a slow gateway), with an
-- outcome that is not re-dialed itself: that is the truth and replaces \`lost\`.
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
  redis.call('HINCRBY', KEYS[2], 'redials', -1)
elseif rec.n == k and rec.s == 't' and truth then
  -- The contact had ended \`lost\`: only its outcome and result fields change (still terminal).
  clearResult()
  for key, value in pairs(cjson.decode(ARGV[5])) do rec[key] = value end
  rec.o = ARGV[4]
  rec.ts = tonumber(ARGV[7])
  if rec.sid == rec.cv then rec.sid = nil end
  redis.call('HINCRBY', KEYS[2], 'o:lost', -1)
  redis.call('HINCRBY', KEYS[2], 'o:' .. ARGV[4], 1)
  local out = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  return {'terminal', out, 'revised'}
end
if rec.n ~= k or not string.find(ARGV[3], rec.s, 1, true) then return {'noop', raw} end
if rec.s == 'd' or rec.s == 'u' or rec.s == 'i' then
  clearResult()
  if rec.x then for key, value in pairs(rec.x) do rec[key] = value end end
end
rec.x = nil
rec.k = nil
for key, value in pairs(cjson.decode(ARGV[5])) do rec[key] = value end
local now = tonumber(ARGV[7])
local delay = tonumber(ARGV[6])
local outcome = ARGV[4]
if delay >= 0 and redis.call('HGET', KEYS[5], 'state') == 'cancelled' then
  delay = -1
  outcome = 'cancelled'
  rec.rs = '${CANCELLED_REASON}'
end
rec.o = outcome
rec.ts = now
redis.call('ZREM', KEYS[3], ARGV[8])
if k > 1 then redis.call('ZREM', KEYS[3], ARGV[1] .. ':' .. (k - 1)) end
if rec.sid then redis.call('HDEL', KEYS[4], rec.sid) end
if rec.cl then redis.call('HDEL', KEYS[4], rec.cl) end
if delay >= 0 then
  rec.s = 'w'
  rec.n = k + 1
  rec.due = now + delay
  rec.sid = nil
  rec.cl = nil
  local out = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], out)
  redis.call('ZADD', KEYS[3], rec.due + ${REDIAL_GUARD_MS}, ARGV[8])
  redis.call('HINCRBY', KEYS[2], 'redials', 1)
  return {'redial', out}
end
rec.s = 't'
rec.md = nil
-- A terminal record keeps what the report needs: the callId only served the live-call index, and the sid
-- is dropped when the notification's conversation id is the same id (the report falls back to the sid).
rec.cl = nil
if rec.sid == rec.cv then rec.sid = nil end
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
redis.call('HINCRBY', KEYS[2], 'o:' .. outcome, 1)
local terminal = redis.call('HINCRBY', KEYS[2], 'terminal', 1)
local contacts = tonumber(redis.call('HGET', KEYS[2], 'contacts') or '0')
if terminal >= contacts and redis.call('HGET', KEYS[5], 'state') == 'running' then
  redis.call('HSET', KEYS[5], 'state', 'completed', 'completedAt', now)
  return {'completed', out, revised and 'revised' or ''}
end
return {'terminal', out, revised and 'revised' or ''}
`;

/**
 * Adds contacts if new. KEYS: contacts, stats, meta. ARGV: now, then pairs of (contactId, recordJson).
 * Returns one code per contact: 1 new, 2 exists and still queued for its first attempt (its job must exist:
 * re-adding with the same job id is a no-op), 0 exists otherwise. A record added in state 't' (suppressed at
 * import) counts as terminal at once.
 */
export const ADD_CONTACTS_SCRIPT = `
local codes = {}
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
  elseif state == 'running' and terminal >= contacts then
    redis.call('HSET', KEYS[3], 'state', 'completed', 'completedAt', ARGV[1])
  end
end
return codes
`;

/**
 * Creates a campaign in one step, so that a crash can never leave one without a state. KEYS: meta, stats.
 * ARGV: settingsJson, now, then pairs of extra meta fields. Returns 1 when created, 0 when it existed (a meta
 * left without a state by an older version is given `running`).
 */
export const CREATE_CAMPAIGN_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'settings') == 1 then
  if redis.call('HEXISTS', KEYS[1], 'state') == 0 then redis.call('HSET', KEYS[1], 'state', 'running') end
  return 0
end
redis.call('HSET', KEYS[1], 'settings', ARGV[1], 'state', 'running', 'createdAt', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSETNX', KEYS[2], 'contacts', '0')
redis.call('HSETNX', KEYS[2], 'terminal', '0')
return 1
`;

/**
 * The campaign state machine: every state change goes through here, so two changes can never interleave and
 * `cancelled` and `completed` stay final. KEYS: meta, stats. ARGV: action, now, reason, pausedBy (the attempt whose
 * refusal caused an automatic pause, or '').
 * Actions: `pause` (running → paused; a paused campaign keeps its reason), `auto-pause` (running → paused only:
 * an automatic pause never overwrites an operator's), `resume` (paused → running, then completed at once when
 * every contact is terminal), `cancel` (running/paused → cancelled).
 * Returns {answer, previous, current}: answer `changed`, `unchanged`, or `refused` (the action is not allowed
 * from `previous`), or `missing`.
 */
export const SET_STATE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  if redis.call('HEXISTS', KEYS[1], 'settings') == 0 then return {'missing', '', ''} end
  state = 'running'
end
local action = ARGV[1]
local now = ARGV[2]
if state == 'cancelled' or state == 'completed' then
  if action == 'cancel' and state == 'cancelled' then return {'unchanged', state, state} end
  return {'refused', state, state}
end
if action == 'pause' or action == 'auto-pause' then
  if state == 'paused' then return {'unchanged', state, state} end
  redis.call('HSET', KEYS[1], 'state', 'paused', 'pausedAt', now, 'pauseReason', ARGV[3])
  -- Which attempt's refusal paused it, and how many dial-outs SAVG had accepted then (kept across the resume).
  if ARGV[4] and ARGV[4] ~= '' then
    redis.call('HSET', KEYS[1], 'pausedBy', ARGV[4], 'pausedPlaced', redis.call('HGET', KEYS[2], 'placed') or '0')
  else
    redis.call('HDEL', KEYS[1], 'pausedBy', 'pausedPlaced')
  end
  return {'changed', state, 'paused'}
end
if action == 'resume' then
  local next = 'running'
  local stats = redis.call('HMGET', KEYS[2], 'contacts', 'terminal')
  if tonumber(stats[2] or '0') >= tonumber(stats[1] or '0') then next = 'completed' end
  if next == state then return {'unchanged', state, state} end
  redis.call('HDEL', KEYS[1], 'pauseReason', 'pausedAt')
  redis.call('HSET', KEYS[1], 'state', next)
  if next == 'completed' then redis.call('HSET', KEYS[1], 'completedAt', now) end
  return {'changed', state, next}
end
if action == 'cancel' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'cancelledAt', now)
  return {'changed', state, 'cancelled'}
end
return redis.error_reply('unknown campaign action ' .. tostring(action))
`;

/**
 * One page of the reconciler's scan (see CampaignStore.findStranded): contacts that are not terminal and have
 * no way forward. KEYS: contacts, deadlines, reconcile state, stats. ARGV: now, graceMs, page size, prefix of the
 * campaign queue's job keys (`<queue prefix>:<queue name>:`; the jobs share the campaign's hash tag), prefix of
 * the claim keys (same hash tag).
 * A queued or waiting contact (q/w) needs its attempt's job, unfinished (a failed or completed job never runs
 * again); a contact in a call or dialing (d/u/i) needs its deadline, which the watchdog acts on. Contacts that
 * changed within `graceMs` are in motion (a job being added right after the change) and are left alone; one
 * that never changed counts from when contacts were last added. The scan cursor is kept in the reconcile hash,
 * so any number of processes share one pass, and each contact found is claimed for `graceMs` (an expiring key),
 * so that two processes scanning the same page do not both report (and count) it.
 * Returns {nextCursor, contactId, attempt, state, due, kind, ...} with kind `no-job`, `job-finished` or `no-deadline`.
 */
export const FIND_STRANDED_SCRIPT = `
local now = tonumber(ARGV[1])
local grace = tonumber(ARGV[2])
local addedAt = tonumber(redis.call('HGET', KEYS[4], 'addedAt') or '0')
local cursor = redis.call('HGET', KEYS[3], 'cursor') or '0'
local page = redis.call('HSCAN', KEYS[1], cursor, 'COUNT', tonumber(ARGV[3]))
local next = page[1]
redis.call('HSET', KEYS[3], 'cursor', next)
if next == '0' then
  redis.call('HSET', KEYS[3], 'passedAt', ARGV[1])
  redis.call('HINCRBY', KEYS[3], 'passes', 1)
end
local out = {next}
local flat = page[2]
for i = 1, #flat, 2 do
  local rec = cjson.decode(flat[i + 1])
  local s = rec.s
  if s ~= 't' and now - (rec.ts or addedAt) >= grace then
    local kind = nil
    if s == 'q' or s == 'w' then
      local job = ARGV[4] .. flat[i] .. '-' .. rec.n
      if redis.call('EXISTS', job) == 0 then kind = 'no-job'
      elseif redis.call('HEXISTS', job, 'finishedOn') == 1 then kind = 'job-finished' end
    elseif redis.call('ZSCORE', KEYS[2], flat[i] .. ':' .. rec.n) == false then
      kind = 'no-deadline'
    end
    if kind and not redis.call('SET', ARGV[5] .. flat[i] .. ':' .. rec.n, '1', 'NX', 'PX', math.max(grace, 1000)) then kind = nil end
    if kind then
      out[#out + 1] = flat[i]
      out[#out + 1] = rec.n
      out[#out + 1] = s
      out[#out + 1] = tostring(rec.due or 0)
      out[#out + 1] = kind
    end
  end
end
return out
`;
