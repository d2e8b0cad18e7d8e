--[[
  Reads and decodes contact ARGV[1] of the campaign's contacts hash (KEYS[1]); the attempt asked about is
  ARGV[2]. Answers {'missing', ''} when there is no such contact.
  Defines: raw (the stored JSON), rec (the decoded record), k (the attempt, a number).
]]
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'missing', ''} end
local rec = cjson.decode(raw)
local k = tonumber(ARGV[2])
