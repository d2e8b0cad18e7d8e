--[[
  Admission and claim in one atomic step, for a dial-out that may leave at once: the admission of admit.lua
  and, when its instant is now (less than a millisecond away: no timer waits less), the claim of begin.lua. One round trip instead of two for most
  dial-outs of an unthrottled or lightly paced campaign. A dial-out admitted for a later instant is not claimed
  (its caller sleeps until the instant, checks its dial-time rules again and claims with begin.lua). Only on
  one Redis: on a Cluster the limits' keys and the campaign's keys live in different slots.

  Input:
    KEYS: admit.lua's keys (nLive + nRate + 1, the global limits set last), then begin.lua's six keys
    ARGV: admit.lua's arguments (6 + nLive + nRate), then begin.lua's six arguments
  Output: admit.lua's answer when nothing was claimed ({2, scope}, {3, ms}, or {1, wait ms} with a wait);
    {1, wait ms (< 1), claim answer, record JSON} when admitted for now, with begin.lua's answer (the slot stays
    held whatever the claim answered: its caller gives it back)
]]
--- @include "includes/admission"
--- @include "includes/claim"

local nLive, nRate = tonumber(ARGV[1]), tonumber(ARGV[2])
local nKeys, nArgs = nLive + nRate + 1, 6 + nLive + nRate
local function slice(t, from, to)
  local out = {}
  for i = from, to do out[#out + 1] = t[i] end
  return out
end
local admitted = admit(slice(KEYS, 1, nKeys), slice(ARGV, 1, nArgs))
if admitted[1] ~= 1 or tonumber(admitted[2]) >= 1 then return admitted end
local claimed = claim(slice(KEYS, nKeys + 1, #KEYS), slice(ARGV, nArgs + 1, #ARGV))
return {1, admitted[2], claimed[1], claimed[2]}
