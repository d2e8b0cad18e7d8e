--[[
  One page of the reconciler's pass: contacts that are not terminal and have no way forward. A queued or
  waiting contact (q/w) needs its attempt's job, unfinished (a failed or completed job never runs again); a
  contact dialing or in a call (d/u/i) needs its deadline, which the watchdog acts on. Contacts that changed
  within the grace period are in motion (a job being added right after the change) and are left alone; one
  that never changed counts from when contacts were last added. The cursor is kept in the reconcile hash, so
  any number of processes share one pass, and each contact found is claimed for the grace period (an expiring
  key), so two processes scanning the same page do not both report it.

  Input:
    KEYS[1] contacts hash   KEYS[2] deadlines zset   KEYS[3] reconcile hash   KEYS[4] campaign stats
    ARGV[1] now   ARGV[2] grace ms   ARGV[3] page size   ARGV[4] prefix of the campaign queue's job keys
    ARGV[5] prefix of the claim keys (both in the campaign's hash slot)
  Output: {next cursor, then (contact id, attempt, state, due, kind) per stranded contact}; kind 'no-job',
    'job-finished' or 'no-deadline'
]]
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
