/**
 * An open-loop, fixed-rate HTTP load generator in a process of its own, for latency at a given rate.
 *
 * Why not autocannon's `overallRate` (autocannon 8): it is a per-connection quota per second
 * (overallRate ÷ connections), and each connection spends its quota back to back as soon as its 1-second
 * interval restarts, so "1,000/s over 32 connections" is 32 closed-loop streams bursting at the start of
 * every second and idle for the rest of it: latency under a saturating burst, not at a steady rate. Its
 * coordinated-omission correction then records each response through
 * `recordValueWithExpectedInterval(ms, Math.ceil(1 / rate))`, an interval of 1 ms whatever the rate (seconds
 * and milliseconds mixed up), which back-fills a D ms response as D samples (D, D−1, … 1 ms): one 250 ms
 * scheduling stall on a shared machine becomes 250 samples and sets the p99 by itself.
 *
 * Here request i is due at start + i / rate and is sent then (a timer sends everything due), over a pool of
 * keep-alive connections; its latency runs from the *due* time to the end of the response, so a late send (a
 * stalled generator, no free connection) counts against the result instead of disappearing (coordinated
 * omission handled by construction). How late the sends were is reported on its own, so a bad p99 can be
 * told apart: the server's, or the machine's.
 */
import { fork } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';

export interface FixedRateRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface FixedRateOptions {
  /** Origin, e.g. http://127.0.0.1:8080 (loopback only). */
  url: string;
  /** Sent in turn, round robin. */
  requests: FixedRateRequest[];
  /** Requests per second. */
  rate: number;
  /** Measured duration (after `warmupSeconds` at the same rate, not measured). */
  seconds: number;
  warmupSeconds?: number;
  /** Most connections open at once. @defaultValue 64 */
  connections?: number;
}

export interface FixedRateResult {
  /** Responses received per second over the measured part. */
  rate: number;
  ok: number;
  failed: number;
  /** Due time → response end, ms. */
  p50: number;
  p99: number;
  max: number;
  /** How late the generator sent (due time → send), p99 in ms: high means the machine, not the server. */
  sendLagP99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] as number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function generate(opts: FixedRateOptions): Promise<FixedRateResult> {
  const { hostname, port } = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections ?? 64 });
  const warmup = Math.round(opts.rate * (opts.warmupSeconds ?? 1));
  const total = warmup + Math.round(opts.rate * opts.seconds);
  const intervalMs = 1000 / opts.rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  let failed = 0;
  let ok = 0;
  let firstMeasured = 0;
  let lastEnd = 0;
  let sent = 0;
  let settled = 0;
  const start = performance.now() + 10;

  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      latencies.sort((a, b) => a - b);
      lags.sort((a, b) => a - b);
      resolve({
        rate: round2((ok * 1000) / Math.max(1, lastEnd - firstMeasured)),
        ok,
        failed,
        p50: round2(percentile(latencies, 0.5)),
        p99: round2(percentile(latencies, 0.99)),
        max: round2(latencies[latencies.length - 1] ?? Number.NaN),
        sendLagP99: round2(percentile(lags, 0.99)),
      });
    };
    const done = (i: number, due: number, good: boolean) => {
      const end = performance.now();
      if (i >= warmup) {
        if (good) {
          ok++;
          latencies.push(end - due);
        } else failed++;
        lastEnd = Math.max(lastEnd, end);
      }
      if (++settled === total) finish();
    };
    const send = (i: number, due: number) => {
      const r = opts.requests[i % opts.requests.length] as FixedRateRequest;
      if (i >= warmup) lags.push(performance.now() - due);
      if (i === warmup) firstMeasured = due;
      const req = httpRequest(
        { host: hostname, port, path: r.path, method: 'POST', agent, headers: r.headers },
        (res) => {
          res.resume();
          res.once('end', () => done(i, due, res.statusCode !== undefined && res.statusCode < 300));
          res.once('error', () => done(i, due, false));
        },
      );
      req.once('error', () => done(i, due, false));
      req.end(r.body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        send(sent, start + sent * intervalMs);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    setTimeout(tick, 10);
  });
}

// Entry point of the forked generator: inert when the module is imported.
if (process.env.FIXED_RATE_LOAD === '1' && process.send) {
  process.once('message', (opts: FixedRateOptions) => {
    void generate(opts).then(
      (result) => process.send?.(result, () => process.exit(0)),
      (err: unknown) => {
        process.stderr.write(`fixed-rate load failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });
}

/** Runs one fixed-rate load in a child process (so it shares no event loop with the caller or the server). */
export function runFixedRate(opts: FixedRateOptions): Promise<FixedRateResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, FIXED_RATE_LOAD: '1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: FixedRateResult) => resolve(m));
    child.once('exit', (code) => reject(new Error(`fixed-rate load exited (${code}) without a result`)));
    child.send(opts);
  });
}
