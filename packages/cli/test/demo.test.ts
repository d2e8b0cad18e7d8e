// `dialer demo` end to end: the built CLI starts the simulator, ingester, board and two workers as real
// processes against the test run's private Redis (REDIS_URL), imports the bundled sample, and ends with the
// summary and the report. A second run is interrupted with SIGINT midway and must stop every process.
import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUTCOMES, REPORT_COLUMNS, createRedis, waitForRedis } from '@dialer/core';
import { spawnCli, testRedisUrl, type CliProcess } from '@dialer/test-utils';

const SAMPLE_OUTCOMES = fileURLToPath(new URL('../demo/outcomes.json', import.meta.url));
const started: CliProcess[] = [];

afterAll(async () => {
  // Only if an assertion failed half-way: never leave a demo running.
  for (const p of started) if (p.child.exitCode === null) p.kill('SIGKILL');
});

function runDemo(args: string[]): CliProcess {
  const dir = mkdtempSync(join(tmpdir(), 'dialer-demo-test-'));
  const p = spawnCli(['demo', '--dir', dir, ...args], { REDIS_URL: testRedisUrl() });
  started.push(p);
  return p;
}

/** The pids the demo printed for its processes (sim, ingester, board, workers). */
function printedPids(stdout: string): number[] {
  return [...stdout.matchAll(/^ {2}(?:sim|ingester|board|worker-\d+)\s+pid (\d+)/gm)].map((m) => Number(m[1]));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Report rows as objects (the sample has no quoted cells). */
function readReport(file: string): { header: string; rows: Record<string, string>[] } {
  const [header = '', ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const columns = header.split(',');
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
  return { header, rows };
}

async function keysUnder(prefix: string): Promise<number> {
  const redis = createRedis(testRedisUrl(), 'blocking', 'demo-test');
  try {
    await waitForRedis(redis, 5000);
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await (redis as import('ioredis').Redis).scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  } finally {
    redis.disconnect();
  }
}

describe('dialer demo', () => {
  it.concurrent(
    'runs the sample to completion: summary, report with the documented columns, re-dialed busy lines answered, nothing left running',
    async () => {
      const demo = runDemo(['--rate', '50', '--clean']);
      const code = await demo.exited;
      const out = demo.stdout();
      expect({ code, stderr: demo.stderr() }).toEqual({ code: 0, stderr: '' });

      const pids = printedPids(out);
      expect(pids).toHaveLength(5);
      expect(pids.filter(isAlive)).toEqual([]);

      expect(out).toMatch(/Bull Board: +http:\/\/127\.0\.0\.1:\d+\/ +user: demo +password: \S{8,}/);
      expect(out).toContain('309 rows: 300 contacts accepted, 2 duplicates skipped, 7 rejected');
      expect(out).toMatch(
        /Demo campaign "demo" completed in [\d.]+ s: 300 contacts, 300 ended, \d+ dial-outs \(\d+ re-dials\)/,
      );
      expect(out).toMatch(/^ {2}answered-human +\d+ +[\d.]+%$/m);
      expect(out).toMatch(/^ {2}total +300$/m);

      // The report: the columns and outcomes of docs/design.md (Report columns, Outcomes), one row per contact.
      const [, reportCount, reportFile] = out.match(/Report \((\d+) contacts\): (\S+)/) ?? [];
      expect(reportCount).toBe('300');
      expect(existsSync(reportFile!)).toBe(true);
      const report = readReport(reportFile!);
      expect(report.header).toBe(REPORT_COLUMNS.join(','));
      expect(report.rows).toHaveLength(300);
      expect(report.rows.filter((r) => !(OUTCOMES as readonly string[]).includes(r.outcome!))).toEqual([]);

      // Every number scripted "busy (or unavailable) first, then answered" was answered on its re-dial.
      const scripts = JSON.parse(readFileSync(SAMPLE_OUTCOMES, 'utf8')) as Record<string, string>;
      const redialThenAnswered = Object.entries(scripts).filter(([, s]) => /^(busy|unavailable),.*human$/.test(s));
      expect(redialThenAnswered.length).toBeGreaterThan(10);
      const byPhone = new Map(report.rows.map((r) => [r.phone!, r]));
      for (const [phone, script] of redialThenAnswered) {
        expect({ phone, outcome: byPhone.get(phone)?.outcome, attempts: byPhone.get(phone)?.attempts }).toEqual({
          phone,
          outcome: 'answered-human',
          attempts: String(script.split(',').length),
        });
      }
      const [, answeredAfterRedial] = out.match(/answered after a re-dial +(\d+)/) ?? [];
      expect(Number(answeredAfterRedial)).toBe(redialThenAnswered.length);

      // The rejects file shows up; --clean removed exactly the run's keys.
      expect(out).toMatch(/7 rejected \(→ \S+rejects\.csv\)/);
      const [, prefix] = out.match(/key prefix (demo-[\w-]+)/) ?? [];
      expect(out).toContain(`Redis keys (prefix ${prefix})`);
      expect(await keysUnder(prefix!)).toBe(0);
    },
    120_000,
  );

  it.concurrent(
    'stops every process cleanly on SIGINT midway and exits 130',
    async () => {
      const demo = runDemo([]);
      await demo.waitForOutput(/\d+\/300 ended \|/, 90_000);
      const pids = printedPids(demo.stdout());
      expect(pids).toHaveLength(5);
      expect(pids.filter(isAlive)).toEqual(pids);

      demo.kill('SIGINT');
      expect(await demo.exited).toBe(130);
      const out = demo.stdout();
      expect(out).toContain('SIGINT: stopping everything');
      expect(out).toContain('Stopped 5 demo processes.');
      expect(out).not.toContain('Demo campaign "demo" completed');
      expect(pids.filter(isAlive)).toEqual([]);
      // Each child shut down gracefully (SIGTERM → its own clean stop), not killed.
      const [, logs] = out.match(/Logs: (\S+);/) ?? [];
      for (const name of ['worker-1', 'worker-2', 'ingester', 'board', 'sim']) {
        expect(readFileSync(join(logs!, `${name}.log`), 'utf8')).toMatch(/"msg":"stopped"/);
      }
    },
    120_000,
  );
});
