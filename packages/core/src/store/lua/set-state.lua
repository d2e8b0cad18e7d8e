--[[
  The campaign state machine: every state change goes through here, so two changes never interleave and
  `cancelled` and `completed` stay final. Actions: `pause` (running -> paused; a paused campaign keeps its
  reason), `auto-pause` (the same, and an automatic pause never overwrites an operator's), `resume`
  (paused -> running, then completed at once when every contact is terminal), `cancel` (-> cancelled).

  Input:
    KEYS[1] campaign meta   KEYS[2] campaign stats
    ARGV[1] action   ARGV[2] now   ARGV[3] reason
    ARGV[4] the attempt (`contact:n`) whose refusal caused an automatic pause, or ''
  Output: {answer, previous state, state}; answer 'changed', 'unchanged', 'refused' (not allowed from the
    previous state) or 'missing'
]]
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
