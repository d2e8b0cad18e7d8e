--[[
  Claims attempt k of a contact for dialing: q/w -> d, counts the dial-out, registers the watchdog deadline.
  The do-not-call sets are checked in the claim itself, so a number listed before the claim is never dialed.
  The claim is stored with the record while it is dialing (`k`): the same claim sent again (ioredis re-sends a
  command whose reply a reconnect lost) recognises itself and answers `begin` again, since its sender never got
  the first answer and so never dialed; any other claimer (a re-delivered job) finds it `uncertain`.

  Input:
    KEYS[1] contacts hash        KEYS[2] campaign meta        KEYS[3] campaign stats
    KEYS[4] deadlines zset       KEYS[5] campaign do-not-call set
    KEYS[6] global do-not-call set (the campaign's again on Redis Cluster, where the global set is in another slot)
    ARGV[1] contact id   ARGV[2] attempt   ARGV[3] now (ms)   ARGV[4] deadline (ms)
    ARGV[5] deadline member   ARGV[6] claim (the claimer's token, one per delivery of the job)
  Output: {answer, record JSON}; answer is
    'begin'         claimed (or our own claim again)
    'uncertain'     another claimer was dialing: the request may have left, never dial again
    'suppressed'    the number is on a do-not-call list (nothing changed)
    'state:<s>'     the campaign is not running (nothing changed)
    'already:<s>'   the attempt is past dialing (in a call, uncertain, ended)
    'stale'         the contact is at another attempt
    'missing'       no such contact
]]
--- @include "includes/claim"

return claim(KEYS, ARGV)
