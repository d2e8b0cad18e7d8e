import type {
  AdmitClaim,
  CampaignQueues,
  CampaignStore,
  ContactCaps,
  DialerConfig,
  Keys,
  Limits,
  LocaleStore,
  Logger,
  RedisClient,
} from '@dialer/core';
import type { CampaignCache } from './campaign-cache.js';
import type { SavgClient } from './savg-client.js';
import type { Semaphore } from './semaphore.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** What the dial processor works with; one per worker process, shared by every campaign. */
export interface DialContext {
  config: DialerConfig;
  /** Our own commands (records, limits, suppression lists). */
  redis: RedisClient;
  /** The connection BullMQ workers and queue handles share (BullMQ duplicates it for blocking reads). */
  bullmq: RedisClient;
  keys: Keys;
  store: CampaignStore;
  limits: Limits;
  /** Admission and claim in one round trip, for a dial-out that may leave at once (one Redis only, not a Cluster). */
  admitClaim?: AdmitClaim;
  /** CONTACT_CAP across every campaign (disabled when no cap is set). */
  caps: ContactCaps;
  /** The contacts' locale profiles (candidate zones and regions), cached. */
  locales: LocaleStore;
  /** Queue handles, for pausing a campaign queue and backing it off (rate limit). */
  queues: CampaignQueues;
  campaigns: CampaignCache;
  savg: SavgClient;
  /** Dial-outs in flight in this process, across campaigns (WORKER_CONCURRENCY). */
  semaphore: Semaphore;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Calendar clock for dial-time rules (startAt/endAt, calling windows); tests move it. */
  now: () => number;
  /** Aborted when the process shuts down: waits end and their jobs go back to the queue. */
  signal: AbortSignal;
  random?: () => number;
}
