import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REFUSAL_REASONS, type RefusalReason } from './notify-auth.js';

/** How the webhook answered a notification. */
export type NotificationResult = 'accepted' | 'unauthorized' | 'malformed' | 'too-large' | 'unavailable';

const RESULTS: readonly NotificationResult[] = ['accepted', 'unauthorized', 'malformed', 'too-large', 'unavailable'];

/** Distinct `status` label values of the unknown-status counter; later ones are counted as `other`. */
export const UNKNOWN_STATUS_LABELS = 20;

/** A status as a label value: lower case, `[a-z0-9_.-]` only, at most 32 characters (the sender picks it). */
export function statusLabel(status: string): string {
  const label = status
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '_')
    .slice(0, 32);
  return label === '' ? 'other' : label;
}

/** What processing a notification (or a watchdog deadline) did. */
export type ProcessedResult =
  'interim' | 'terminal' | 'completed' | 'redial' | 'redial-pending' | 'noop' | 'missing' | 'unknown-campaign';

/**
 * The ingester's Prometheus metrics, on a registry of its own so several ingesters can live in one process
 * (tests, benchmarks) without clashing on metric names.
 */
export class IngesterMetrics {
  readonly registry = new Registry();
  private readonly notificationChildren: Record<NotificationResult, Counter.Internal>;
  private readonly refusedTokens: Counter<'reason'>;
  private readonly outcomes: Counter<'outcome'>;
  private readonly processed: Counter<'result'>;
  private readonly redials: Counter;
  private readonly lost: Counter;
  private readonly recovered: Counter;
  private readonly revised: Counter;
  private readonly latency: Histogram;
  private readonly backlogAge: Gauge;
  private readonly stranded: Counter<'kind'>;
  private readonly unknownStatuses: Counter<'status'>;
  private readonly unknownStatusLabels = new Set<string>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const notifications = new Counter({
      name: 'dialer_ingester_notifications_total',
      help: 'Notifications received by the webhook, by how they were answered',
      labelNames: ['result'],
      registers,
    });
    // Children resolved once: the webhook's hot path then increments without hashing label values.
    this.notificationChildren = Object.fromEntries(RESULTS.map((r) => [r, notifications.labels(r)])) as Record<
      NotificationResult,
      Counter.Internal
    >;
    for (const child of Object.values(this.notificationChildren)) child.inc(0);
    this.refusedTokens = new Counter({
      name: 'dialer_ingester_token_refused_total',
      help: 'Notify tokens refused with 401, by reason (expired, bad-signature, wrong-audience, malformed, token-mismatch, missing): expired ones point at NOTIFY_TOKEN_TTL_MS, the others at forged requests',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of REFUSAL_REASONS) this.refusedTokens.labels(reason).inc(0);
    this.outcomes = new Counter({
      name: 'dialer_ingester_outcomes_total',
      help: 'Attempts ended by a notification or the watchdog, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.processed = new Counter({
      name: 'dialer_ingester_processed_total',
      help: 'Notifications and watchdog deadlines applied, by what the atomic transition answered',
      labelNames: ['result'],
      registers,
    });
    this.redials = new Counter({
      name: 'dialer_ingester_redials_scheduled_total',
      help: 'Re-dials scheduled',
      registers,
    });
    this.lost = new Counter({
      name: 'dialer_ingester_lost_total',
      help: 'Attempts declared lost by the watchdog',
      registers,
    });
    this.recovered = new Counter({
      name: 'dialer_ingester_redials_recovered_total',
      help: 'Re-dial jobs found missing (a process died between ending an attempt and adding its re-dial) and re-added',
      registers,
    });
    this.revised = new Counter({
      name: 'dialer_ingester_lost_revised_total',
      help: 'Attempts declared lost whose real notification came later (before any re-dial of them began) and replaced lost',
      registers,
    });
    this.latency = new Histogram({
      name: 'dialer_ingester_processing_seconds',
      help: 'From webhook receipt to the notification applied in Redis',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.backlogAge = new Gauge({
      name: 'dialer_ingester_notify_backlog_seconds',
      help: 'Age of the oldest notification stored but not applied yet, at the last watchdog sweep (0: none waiting)',
      registers,
    });
    this.stranded = new Counter({
      name: 'dialer_ingester_stranded_total',
      help: 'Contacts the reconciler found with no way forward and gave one back, by what was missing (no-job, job-finished, no-deadline)',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of ['no-job', 'job-finished', 'no-deadline']) this.stranded.labels(kind).inc(0);
    this.unknownStatuses = new Counter({
      name: 'dialer_ingester_unknown_status_total',
      help: `Notifications whose status the dialer does not know (taken as interim), by status (at most ${UNKNOWN_STATUS_LABELS} values, then "other")`,
      labelNames: ['status'],
      registers,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'dialer_ingester_' });
  }

  notification(result: NotificationResult): void {
    this.notificationChildren[result].inc();
  }

  tokenRefused(reason: RefusalReason): void {
    this.refusedTokens.inc({ reason });
  }

  outcome(outcome: string): void {
    this.outcomes.inc({ outcome });
  }

  applied(result: ProcessedResult): void {
    this.processed.inc({ result });
  }

  redialScheduled(): void {
    this.redials.inc();
  }

  lostDeclared(): void {
    this.lost.inc();
  }

  redialRecovered(): void {
    this.recovered.inc();
  }

  lostRevised(): void {
    this.revised.inc();
  }

  strandedRecovered(kind: string): void {
    this.stranded.inc({ kind });
  }

  /** A notification with a status the classifier does not know; the label set stays bounded. */
  unknownStatus(status: string): void {
    let label = statusLabel(status);
    if (!this.unknownStatusLabels.has(label)) {
      if (this.unknownStatusLabels.size >= UNKNOWN_STATUS_LABELS) label = 'other';
      else this.unknownStatusLabels.add(label);
    }
    this.unknownStatuses.inc({ status: label });
  }

  processingLatency(ms: number): void {
    this.latency.observe(Math.max(0, ms) / 1000);
  }

  /** Set by every watchdog sweep: alert well before it reaches LOST_AFTER_MS (see docs/operations.md). */
  notifyBacklog(ageMs: number): void {
    this.backlogAge.set(Math.max(0, ageMs) / 1000);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
