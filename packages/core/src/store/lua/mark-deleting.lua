--[[
  The first step of deleting a campaign (campaign-delete.ts): allowed only for a finished campaign (cancelled or
  completed) with no call left in progress, and marks it `deleting`, so that a deletion interrupted half-way is
  finished by the next one whatever is left of its counters.

  Input:
    KEYS[1] campaign meta   KEYS[2] campaign stats   KEYS[3] results outbox
    ARGV[1] now (ms)
  Output: {answer, state, contacts not terminal, results not yet queued}; answer 'marked', 'resumed' (already
    marked), 'refused' or 'missing'
]]
local meta = redis.call('HMGET', KEYS[1], 'settings', 'state', 'deleting')
if not meta[1] then return {'missing', '', '0', '0'} end
local state = meta[2] or 'running'
if meta[3] then return {'resumed', state, '0', '0'} end
local stats = redis.call('HMGET', KEYS[2], 'contacts', 'terminal')
local open = tonumber(stats[1] or '0') - tonumber(stats[2] or '0')
-- A cancelled campaign may still have calls in progress: their notifications and slots need the records.
if (state ~= 'cancelled' and state ~= 'completed') or open > 0 then return {'refused', state, tostring(open), '0'} end
-- Results of the webhook not yet moved to the delivery queue live only here: deleting would lose them.
local unsent = redis.call('LLEN', KEYS[3])
if unsent > 0 then return {'refused', state, '0', tostring(unsent)} end
redis.call('HSET', KEYS[1], 'deleting', ARGV[1])
return {'marked', state, '0', '0'}
