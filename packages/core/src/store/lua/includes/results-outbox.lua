--[[
  The results webhook's outbox (store/results-outbox.ts reads it): when the campaign has `results` (its meta's
  `results` field: 'c' contacts, 'a' contacts and attempts), an end is recorded with the end itself, in the
  campaign's slot, so none is lost. A campaign without it stores nothing (one HGET per script run).
  Entry: '<kind> <attempt> <r|-> <contact id> <record JSON>'; kind 'c' (the contact ended) or 'a' (an attempt).
  Defines: resultsEvent(metaKey, outboxKey, kind, contactId, attempt, revised, recordJson).
]]
local resultsMode = nil
local function resultsEvent(metaKey, outboxKey, kind, contactId, attempt, revised, recordJson)
  if resultsMode == nil then resultsMode = redis.call('HGET', metaKey, 'results') or '' end
  if resultsMode == '' or (kind == 'a' and resultsMode ~= 'a') then return end
  redis.call('RPUSH', outboxKey, kind .. ' ' .. attempt .. ' ' .. (revised and 'r' or '-') .. ' ' .. contactId .. ' ' .. recordJson)
end
