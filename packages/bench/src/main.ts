#!/usr/bin/env node
/**
 * `pnpm bench`: runs every scenario against a private redis-server and the loopback simulator, each beside its
 * raw baseline measured in the same run, prints one table and (with --record) rewrites docs/benchmarks.md.
 * Flags: --quick (scale 0.1), --scale <f>, --only P1,P3, --json, --record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '@dialer/test-utils';
import type { BenchContext, Scenario, ScenarioRow } from './scenario.js';
import { SCENARIOS } from './scenarios.js';
import { formatTable, recordResults } from './report.js';

interface Args {
  scale: number;
  only?: Set<string>;
  json: boolean;
  record: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scale: 1, json: false, record: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.scale = 0.1;
    else if (a === '--scale') args.scale = Number(argv[++i]);
    else if (a === '--only') args.only = new Set((argv[++i] ?? '').toUpperCase().split(','));
    else if (a === '--json') args.json = true;
    else if (a === '--record') args.record = true;
    else if (a !== '--')
      throw new Error(`unknown flag ${a} (known: --quick, --scale <f>, --only P1,P2, --json, --record)`);
  }
  if (!(args.scale > 0)) throw new Error('--scale must be a positive number');
  return args;
}

async function runScenario(
  id: string,
  scenario: Scenario,
  ctx: BenchContext,
  durations: Record<string, number>,
): Promise<ScenarioRow[]> {
  const started = Date.now();
  ctx.log(`${id}: starting`);
  try {
    const rows = await scenario(ctx);
    ctx.log(`${id}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return rows;
  } catch (err) {
    ctx.log(`${id}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return [{ scenario: id, metric: 'error', value: Number.NaN, target: 'runs', pass: false }];
  } finally {
    durations[id] = (Date.now() - started) / 1000;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: ScenarioRow[] = [];
  const durations: Record<string, number> = {};
  for (const [id, scenario] of Object.entries(SCENARIOS)) {
    if (args.only && !args.only.has(id)) continue;
    // Each scenario gets its own private Redis so one's memory figures never include another's keys.
    const redis = await startRedisServer();
    const workDir = mkdtempSync(join(tmpdir(), `dialer-bench-${id}-`));
    const ctx: BenchContext = {
      redisUrl: redis.url,
      workDir,
      scale: args.scale,
      log: (m) => process.stderr.write(`[bench] ${m}\n`),
    };
    try {
      rows.push(...(await runScenario(id, scenario, ctx, durations)));
    } finally {
      await redis.destroy();
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ scale: args.scale, rows }, null, 2)}\n`);
  else process.stdout.write(`${formatTable(rows)}\n`);
  if (args.record) recordResults(rows, args.scale, durations);
  process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
