--[[
  Ids kept in a finished attempt's result (conversation id, sid, callId, session id) are UUIDs: stored as a
  marker and 22 base64url characters instead of 36 (or 32) hex digits, 13 bytes fewer each. `~` marks a UUID
  with dashes, `!` 32 hex digits; anything else (upper case, other shapes) is kept as it came. store/packed-id.ts
  reads them back (the reports print the id as the gateway sent it).
  Defines: packId(id).
]]
local PACK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
local function packId(id)
  if type(id) ~= 'string' then return id end
  local hex, marker
  if #id == 36 and string.match(id, '^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$') then
    hex, marker = string.gsub(id, '-', ''), '~'
  elseif #id == 32 and string.match(id, '^%x+$') then
    hex, marker = id, '!'
  else
    return id
  end
  if string.find(hex, '%u') then return id end
  local out = {marker}
  -- Ten groups of 3 hex digits (12 bits) as 2 characters each, then the last 2 hex digits (8 bits) as 2.
  for i = 1, 31, 3 do
    local v = tonumber(string.sub(hex, i, math.min(i + 2, 32)), 16)
    local hi, lo = math.floor(v / 64), v % 64
    out[#out + 1] = string.sub(PACK_ALPHABET, hi + 1, hi + 1) .. string.sub(PACK_ALPHABET, lo + 1, lo + 1)
  end
  return table.concat(out)
end
