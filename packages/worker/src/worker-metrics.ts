import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DialoutResult } from './dialout-result.js';

/** How a dial job ended in this process (label of `dialer_worker_jobs_total`). */
export type JobResult =
  | 'dialed'
  | 'uncertain'
  | 'unavailable'
  | 'rate-limited'
  | 'rejected'
  | 'config-paused'
  | 'suppressed'
  | 'expired'
  | 'cancelled'
  | 'delayed'
  | 'capped'
  | 'paused'
  | 'live-cap'
  | 'paced'
  | 'redelivered-uncertain'
  | 'noop'
  | 'shutdown';

/**
 * The worker's Prometheus metrics, in a registry of its own (several workers may live in one test process).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #jobs: Counter<'result'>;
  readonly #dialouts: Counter<'result' | 'status'>;
  readonly #latency: Histogram;
  readonly #pacingWait: Histogram;
  readonly #late: Counter;
  readonly #inFlight: Gauge;
  readonly #campaigns: Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.#jobs = new Counter({
      name: 'dialer_worker_jobs_total',
      help: 'Dial jobs handled, by result',
      labelNames: ['result'],
      registers,
    });
    this.#dialouts = new Counter({
      name: 'dialer_worker_dialouts_total',
      help: 'Dial-out requests sent to SAVG, by classified result and HTTP status (0 = no HTTP answer)',
      labelNames: ['result', 'status'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'dialer_worker_dialout_duration_seconds',
      help: 'Dial-out request duration',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#pacingWait = new Histogram({
      name: 'dialer_worker_pacing_wait_seconds',
      help: 'Time a dial-out waited for its paced instant',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    });
    this.#late = new Counter({
      name: 'dialer_worker_pacing_late_total',
      help: 'Paced instants given up because the dial-out would have left late (stalled process or slow Redis)',
      registers,
    });
    this.#inFlight = new Gauge({
      name: 'dialer_worker_jobs_in_flight',
      help: 'Dial jobs holding a concurrency permit',
      registers,
    });
    this.#campaigns = new Gauge({
      name: 'dialer_worker_campaigns',
      help: 'Campaign queues this process works on',
      registers,
    });
  }

  job(result: JobResult): void {
    this.#jobs.inc({ result });
  }

  dialout(result: DialoutResult, seconds: number): void {
    this.#dialouts.inc({ result: result.kind, status: String(result.status ?? 0) });
    this.#latency.observe(seconds);
  }

  pacingWait(ms: number): void {
    this.#pacingWait.observe(ms / 1000);
  }

  pacingLate(): void {
    this.#late.inc();
  }

  inFlight(delta: number): void {
    this.#inFlight.inc(delta);
  }

  campaigns(count: number): void {
    this.#campaigns.set(count);
  }
}
