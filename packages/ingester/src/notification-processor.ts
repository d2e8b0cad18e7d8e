import { Worker, type Job } from 'bullmq';
import {
  classifyNotification,
  notificationEventMessage,
  notificationEventsChannel,
  storedTime,
  NOTIFY_QUEUE,
  type AttemptRef,
  type AttemptResultFields,
  type Classification,
  type CampaignStore,
  type Keys,
  type Logger,
  type RedisClient,
  type SavgNotification,
} from '@dialer/core';
import type { AttemptEnder } from './attempt-ender.js';
import type { IngesterMetrics, ProcessedResult } from './ingester-metrics.js';
import { NOTIFY_RETENTION, type NotifyItem, type NotifyJobData } from './notify-job.js';

export interface NotificationProcessorDeps {
  store: CampaignStore;
  ender: AttemptEnder;
  metrics: IngesterMetrics;
  logger: Logger;
  keys: Keys;
  /** A 'blocking' connection (BullMQ duplicates it for its blocking commands). */
  connection: RedisClient;
  /** Notifications applied at once. @defaultValue 50 */
  concurrency?: number;
  /**
   * Job lock (and stalled-check interval): a job a killed process held is applied by another after one to
   * two times this, so LOST_AFTER_MS must be well above it. @defaultValue 30000 (BullMQ's)
   */
  lockDurationMs?: number;
  now?: () => number;
}

/** The result fields a terminal notification records on the attempt. */
function terminalFields(n: SavgNotification, sipCode: number | undefined): AttemptResultFields {
  return {
    sip: sipCode,
    rs: n.reason,
    rc: n.reasonCode,
    amd: n.machineDetection,
    du: n.durationSeconds,
    ca: storedTime(n.callConnectTime),
    da: storedTime(n.callDisconnectTime),
    cv: n.conversationId,
    ss: n.sessionId,
  };
}

/**
 * Applies the notifications the webhook stored: a BullMQ worker on the `{notify}` queue. Every step is an
 * atomic, idempotent transition, so a retried or duplicated job changes nothing the second time, and the
 * order of arrival does not matter (a late interim event after the end is a no-op; a notification that beat
 * the worker's `dialed` finds the attempt in 'd' and ends it from there).
 */
export class NotificationProcessor {
  private worker: Worker<NotifyJobData> | undefined;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: NotificationProcessorDeps) {
    this.log = deps.logger.child({ component: 'processor' });
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.worker) return;
    const { keys, connection } = this.deps;
    this.worker = new Worker<NotifyJobData>(NOTIFY_QUEUE, (job) => this.processJob(job), {
      connection,
      prefix: keys.notifyQueuePrefix(),
      concurrency: this.deps.concurrency ?? 50,
      lockDuration: this.deps.lockDurationMs ?? 30_000,
      stalledInterval: this.deps.lockDurationMs ?? 30_000,
      // A stalled job (its process died, or lost its lock under load) holds notifications already answered
      // 2xx: it must be applied, not failed after BullMQ's default of one stall. Applying is idempotent.
      maxStalledCount: 10,
      ...NOTIFY_RETENTION,
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'notification worker error'));
    this.worker.on('failed', (job, err) =>
      this.log.warn(
        { err, jobId: job?.id, attemptsMade: job?.attemptsMade },
        'applying a notification failed; it will be retried',
      ),
    );
  }

  /**
   * Applies a job's notifications: those of one attempt in arrival order (an interim event before its end),
   * different attempts at once. If any fails the job fails and is retried whole: the ones already applied
   * are no-ops the second time.
   */
  private async processJob(job: Job<NotifyJobData>): Promise<void> {
    const byAttempt = new Map<string, NotifyItem[]>();
    for (const item of job.data.items) {
      const key = `${item.c}/${item.k}/${item.n}`;
      const list = byAttempt.get(key);
      if (list) list.push(item);
      else byAttempt.set(key, [item]);
    }
    const outcomes = await Promise.allSettled(
      [...byAttempt.values()].map(async (items) => {
        for (const item of items) {
          await this.apply(item, job.id);
          this.deps.metrics.processingLatency(this.now() - item.r);
        }
      }),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Applies one notification (public so tests and tools can apply one directly). */
  async apply(data: NotifyItem, jobId?: string): Promise<ProcessedResult> {
    const { store, ender, metrics } = this.deps;
    const ref = { campaignId: data.c, contactId: data.k, attempt: data.n };
    const n = data.b;
    const now = this.now();
    const classification = classifyNotification(n);
    let result: ProcessedResult;
    if (!classification.terminal) {
      if (classification.unknown) metrics.unknownStatus(classification.status);
      const fields = {
        amd: n.machineDetection,
        ca: storedTime(n.callConnectTime),
        cv: n.conversationId,
        ss: n.sessionId,
      };
      const answer = await store.attempts.interim(ref, fields, now);
      result = answer === 'interim' ? 'interim' : answer === 'missing' ? 'missing' : 'noop';
    } else {
      const ended = await ender.end(ref, classification.outcome, terminalFields(n, classification.sipCode), now);
      result = ended.result;
    }
    metrics.applied(result);
    if (result !== 'unknown-campaign' && result !== 'missing')
      await this.publish(ref, n, classification, result, data.r, now);
    const log = this.log.child({ campaignId: ref.campaignId, contactId: ref.contactId, attempt: ref.attempt, jobId });
    if (result === 'unknown-campaign') log.warn('notification for an unknown campaign ignored');
    else if (result === 'noop' || result === 'missing') await this.logIgnored(log, ref.campaignId, n, result);
    else
      log.debug(
        { status: n.status, outcome: classification.terminal ? classification.outcome : undefined, result },
        'notification applied',
      );
    return result;
  }

  /**
   * Tells a live watcher of the campaign (`dialer call`) what was applied, on the campaign's own notification
   * channel. Best effort: the notification is applied already, and failing the job for a lost event would only
   * replay it as a no-op.
   */
  private async publish(
    ref: AttemptRef,
    n: SavgNotification,
    c: Classification,
    result: ProcessedResult,
    receivedAt: number,
    appliedAt: number,
  ): Promise<void> {
    const { store, keys } = this.deps;
    const message = notificationEventMessage({
      type: 'notification',
      ...ref,
      status: n.status,
      final: c.terminal,
      outcome: c.terminal ? c.outcome : undefined,
      sipCode: c.terminal ? c.sipCode : undefined,
      reason: n.reason,
      reasonCode: n.reasonCode,
      machineDetection: n.machineDetection,
      durationSeconds: n.durationSeconds,
      conversationId: n.conversationId,
      result,
      receivedAt,
      appliedAt,
    });
    try {
      await store.redis.publish(notificationEventsChannel(keys, ref.campaignId), message);
    } catch (err) {
      this.log.debug({ err, campaignId: ref.campaignId }, 'could not publish the notification event');
    }
  }

  /** Duplicates, late and out-of-order events are expected: a debug line says which attempt the call was. */
  private async logIgnored(
    log: Logger,
    campaignId: string,
    n: SavgNotification,
    result: ProcessedResult,
  ): Promise<void> {
    if (!log.isLevelEnabled('debug')) return;
    const live = await this.deps.store.attempts.bySid(campaignId, n.conversationId).catch(() => undefined);
    const byConversation = live ? `${live.contactId}/${live.attempt}` : undefined;
    log.debug(
      { status: n.status, conversationId: n.conversationId, liveAttempt: byConversation, result },
      result === 'missing'
        ? 'notification for an unknown contact ignored'
        : 'duplicate, late or out-of-order notification ignored',
    );
  }

  async close(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }
}
