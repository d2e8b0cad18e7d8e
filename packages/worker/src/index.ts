// The public surface of @dialer/worker. Named exports only: what is not listed here is internal.
export { buildWorker, type WorkerDeps, type WorkerService } from './build-worker.js';
export { checkDialTime, EXPIRED_REASON, DIAL_GUARD_MS, type DialTimeDecision } from './dial-time.js';
export { buildDialoutRequest, type DialRequestInput } from './dial-request.js';
export { SavgClient, dialoutPath, type SavgApiVersion, type SavgClientOptions } from './savg-client.js';
export {
  classifyDialoutResponse,
  classifyDialoutError,
  parseRetryAfter,
  type DialoutResult,
} from './dialout-result.js';
export { Semaphore } from './semaphore.js';
export { WorkerMetrics, type JobResult } from './worker-metrics.js';
