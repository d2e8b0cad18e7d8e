--[[
  Replaces a campaign's settings with a changed version (campaign-settings-update.ts), only if they are still
  the ones the change was computed from (compare-and-set: a concurrent change makes the caller merge again), and
  only while the campaign is not finished (cancelled and completed are final: their settings no longer matter).

  Input:
    KEYS[1] campaign meta
    ARGV[1] the settings JSON the change was computed from   ARGV[2] the new settings JSON   ARGV[3] now (ms)
    ARGV[4] the results webhook's mode for the scripts that end contacts ('' none, 'c' contacts, 'a' attempts too)
  Output: {answer, state}; answer 'changed', 'conflict' (the settings changed meanwhile), 'refused' (finished)
    or 'missing'
]]
local meta = redis.call('HMGET', KEYS[1], 'settings', 'state', 'deleting')
if not meta[1] then return {'missing', ''} end
local state = meta[2] or 'running'
if state == 'cancelled' or state == 'completed' or meta[3] then return {'refused', state} end
if meta[1] ~= ARGV[1] then return {'conflict', state} end
redis.call('HSET', KEYS[1], 'settings', ARGV[2], 'settingsUpdatedAt', ARGV[3])
-- With the settings, in one step: an end after this change is recorded for the webhook as the new settings say.
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'results') else redis.call('HSET', KEYS[1], 'results', ARGV[4]) end
return {'changed', state}
