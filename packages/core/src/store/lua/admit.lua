--[[
  The admission of one dial-out in a single atomic step: take the attempt's live-call slot (global, campaign,
  trunk) and, if it was free, reserve the dial-out's paced instant under the global and the campaign rate
  (GCRA-style: instants 1/rate apart, so no sliding second holds more than the limit). No slot is ever held by
  a dial-out that got no instant. Live calls: one sorted set per scope, member = attempt, score = lease expiry;
  expired leases (a crashed process, a notification that never came) are swept on every admission.

  Input:
    KEYS[1..nLive] live-call sets (global, campaign[, trunk])   KEYS[nLive+1..] rate keys (global[, campaign][, bot])
    KEYS[nLive+nRate+1] (optional) the global limits set at run time (`dialer limits set`)
    ARGV[1] nLive   ARGV[2] nRate   ARGV[3] now (ms)   ARGV[4] the attempt key   ARGV[5] lease expiry (ms)
    ARGV[6] how far ahead an instant may be (ms)   ARGV[7..] live caps, then rate intervals (ms)
  Output: {1, wait ms} admitted (dial at now + wait); {2, scope} a live-call scope is full (1 global,
    2 campaign, 3 trunk), nothing taken; {3, ms} no instant within the horizon, nothing taken
]]
--- @include "includes/admission"

return admit(KEYS, ARGV)
