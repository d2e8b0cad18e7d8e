--[[
  Adds a chunk of dial jobs to a campaign's BullMQ queue in one step, each as BullMQ's own addStandardJob adds a
  job with its own id and no delay, priority, parent or deduplication (what an import adds), with BullMQ's own
  functions for the installed version: store the job (its hash, the 'added' event), push it on the wait list
  (LPUSH: first in, first out), mark the queue as having work unless it is paused or maxed, emit 'waiting'. A
  job whose id exists is left as it is (a 'duplicated' event), as BullMQ does. One script instead of one per
  job: an import spends most of its time adding jobs.

  Input:
    KEYS[1] wait   KEYS[2] meta   KEYS[3] id   KEYS[4] active   KEYS[5] events   KEYS[6] marker
    ARGV[1] job key prefix (the queue's key prefix)   ARGV[2] job name   ARGV[3] timestamp (ms)
    ARGV[4] the jobs' options as JSON, without jobId (set per job)   ARGV[5..] pairs of (job id, data JSON)
  Output: the number of jobs added
]]
local rcall = redis.call
--- @include "bullmq:getOrSetMaxEvents"
--- @include "bullmq:isQueuePausedOrMaxed"
--- @include "bullmq:storeJob"
--- @include "bullmq:addJobInTargetList"

local maxEvents = getOrSetMaxEvents(KEYS[2])
local opts = cjson.decode(ARGV[4])
-- BullMQ counts every job it is asked to add in the queue's id counter, also those with their own id.
rcall('INCRBY', KEYS[3], (#ARGV - 4) / 2)
local added = 0
for i = 5, #ARGV, 2 do
  local jobId = ARGV[i]
  local jobIdKey = ARGV[1] .. jobId
  if rcall('EXISTS', jobIdKey) == 1 then
    rcall('XADD', KEYS[5], 'MAXLEN', '~', maxEvents, '*', 'event', 'duplicated', 'jobId', jobId)
  else
    opts['jobId'] = jobId
    storeJob(KEYS[5], jobIdKey, jobId, ARGV[2], ARGV[i + 1], opts, ARGV[3], nil, nil, nil)
    addJobInTargetList(KEYS[1], KEYS[6], 'LPUSH', isQueuePausedOrMaxed(KEYS[2], KEYS[4]), jobId)
    rcall('XADD', KEYS[5], 'MAXLEN', '~', maxEvents, '*', 'event', 'waiting', 'jobId', jobId)
    added = added + 1
  end
end
return added
