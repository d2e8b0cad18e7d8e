/**
 * Sends the results queue's deliveries to each campaign's `results.url`, signed with its `results.secret` (read
 * from the campaign at send time, never stored in the job). A network error, a time-out (RESULTS_TIMEOUT_MS) or a
 * non-2xx answer fails the try, and BullMQ tries again after RESULTS_RETRY_BASE_MS, doubling, for
 * RESULTS_RETRY_WINDOW_MS. Its own queue and bounded concurrency: a slow or down receiver never slows dialing.
 */
import { Worker, type Job } from 'bullmq';
import {
  DELIVERY_HEADER,
  RESULTS_QUEUE,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  resultSignature,
  retryDelayMs,
  type CampaignStore,
  type DialerConfig,
  type Keys,
  type Logger,
  type RedisClient,
  type ResultJobData,
  type ResultsSettings,
} from '@dialer/core';
import type { ResultsMetrics } from './results-metrics.js';

export interface ResultsDelivererDeps {
  store: CampaignStore;
  keys: Keys;
  /** A 'blocking' connection (BullMQ duplicates it for its blocking commands). */
  connection: RedisClient;
  config: DialerConfig['results'];
  /** BullMQ's lock on a delivery being sent: a killed process's deliveries are sent again after one to two times this. */
  lockDurationMs: number;
  metrics: ResultsMetrics;
  logger: Logger;
}

/** How long a campaign's webhook settings are cached (they may be changed while the campaign runs). */
const SETTINGS_TTL_MS = 5000;

/** The receiver's answer or error, short (a job's failed reason, a log line): never the URL's query or the secret. */
class DeliveryError extends Error {}

export class ResultsDeliverer {
  private worker: Worker<ResultJobData> | undefined;
  private readonly log: Logger;
  private readonly settings = new Map<string, { at: number; results: ResultsSettings | undefined }>();

  constructor(private readonly deps: ResultsDelivererDeps) {
    this.log = deps.logger.child({ component: 'results-deliverer' });
  }

  start(): void {
    if (this.worker) return;
    const { keys, connection, config } = this.deps;
    this.worker = new Worker<ResultJobData>(RESULTS_QUEUE, (job) => this.deliver(job), {
      connection,
      prefix: keys.resultsQueuePrefix(),
      concurrency: config.concurrency,
      lockDuration: this.deps.lockDurationMs,
      stalledInterval: this.deps.lockDurationMs,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, config.retryBaseMs) },
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'results worker error'));
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      const kind = job.data.kind;
      (final ? this.deps.metrics.failed : this.deps.metrics.retried).inc({ kind });
      const fields = { deliveryId: job.id, campaignId: job.data.campaignId, tries: job.attemptsMade, err: err.message };
      if (final)
        this.log.error(fields, 'a results delivery failed for good; `dialer results redeliver` sends it again');
      else this.log.debug(fields, 'a results delivery failed; it will be tried again');
    });
  }

  private async deliver(job: Job<ResultJobData>): Promise<string> {
    const { campaignId, deliveryId, body, endedAt, kind } = job.data;
    const results = await this.webhook(campaignId);
    if (!results) {
      // The campaign was deleted, or its webhook removed: nothing to send to.
      this.log.warn({ campaignId, deliveryId }, 'results delivery skipped: the campaign has no results webhook now');
      return 'no-webhook';
    }
    const timestamp = String(Date.now());
    let status: number;
    try {
      const res = await fetch(results.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [DELIVERY_HEADER]: deliveryId,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: resultSignature(results.secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.config.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      throw new DeliveryError(`receiver unreachable: ${describe(err)}`);
    }
    if (status < 200 || status >= 300) throw new DeliveryError(`receiver answered HTTP ${status}`);
    this.deps.metrics.delivered.inc({ kind });
    this.deps.metrics.latency.observe(Math.max(0, Date.now() - endedAt) / 1000);
    return `delivered: HTTP ${status}`;
  }

  private async webhook(campaignId: string): Promise<ResultsSettings | undefined> {
    const now = Date.now();
    const hit = this.settings.get(campaignId);
    if (hit && now - hit.at < SETTINGS_TTL_MS) return hit.results;
    const results = (await this.deps.store.getCampaign(campaignId))?.settings.results;
    if (this.settings.size > 10_000) this.settings.clear();
    this.settings.set(campaignId, { at: now, results });
    return results;
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}

/** A fetch error's cause (ECONNREFUSED, a time-out) without the URL. */
function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.name : 'error');
}
