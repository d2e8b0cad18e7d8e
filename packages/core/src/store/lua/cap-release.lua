--[[
  Takes back a dial-out counted against the contact caps that never left (the claim was refused, or the request
  certainly never reached SAVG).

  Input:
    KEYS[1] the number's dial-out log
    ARGV[1] the attempt key
  Output: 1 taken back, 0 it was not counted
]]
return redis.call('ZREM', KEYS[1], ARGV[1])
