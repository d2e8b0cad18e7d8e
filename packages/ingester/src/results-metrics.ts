import { Counter, Histogram, type Registry } from 'prom-client';

/** The results webhook's deliveries, on the registry of the process that runs the deliverer. */
export class ResultsMetrics {
  readonly delivered: Counter<'kind'>;
  readonly retried: Counter<'kind'>;
  readonly failed: Counter<'kind'>;
  readonly queued: Counter<'kind'>;
  readonly latency: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.delivered = new Counter({
      name: 'dialer_results_delivered_total',
      help: 'Results webhook deliveries the receiver answered 2xx, by kind (contact, attempt)',
      labelNames: ['kind'],
      registers,
    });
    this.retried = new Counter({
      name: 'dialer_results_retried_total',
      help: 'Results webhook tries that failed (network error, time-out, non-2xx) and will be tried again',
      labelNames: ['kind'],
      registers,
    });
    this.failed = new Counter({
      name: 'dialer_results_failed_total',
      help: 'Results webhook deliveries given up after RESULTS_RETRY_WINDOW_MS (see `dialer results redeliver`)',
      labelNames: ['kind'],
      registers,
    });
    this.queued = new Counter({
      name: 'dialer_results_queued_total',
      help: 'Results moved from the campaigns outboxes into the results queue',
      labelNames: ['kind'],
      registers,
    });
    this.latency = new Histogram({
      name: 'dialer_results_delivery_latency_seconds',
      help: 'From the end of a contact or attempt to its delivery (2xx)',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21_600, 86_400],
      registers,
    });
    for (const kind of ['contact', 'attempt']) {
      for (const c of [this.delivered, this.retried, this.failed, this.queued]) c.inc({ kind }, 0);
    }
  }
}
