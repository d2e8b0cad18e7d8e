import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import type { ScenarioRow } from './scenario.js';

function fmt(n: number | undefined): string {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

function ratio(row: ScenarioRow): string {
  return row.baseline ? `${(row.value / row.baseline).toFixed(2)}×` : '';
}

/** A Markdown table: scenario, metric, ours, baseline, ratio, target, pass. */
export function formatTable(rows: ScenarioRow[]): string {
  const lines = [
    '| scenario | metric | ours | raw baseline | ratio | target | ok |',
    '|---|---|---:|---:|---:|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.metric} | ${fmt(r.value)} | ${fmt(r.baseline)} | ${ratio(r)} | ${r.target} | ${r.pass ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? '?';
  } catch {
    return '?';
  }
}

function packageVersion(name: string): string {
  try {
    const lock = readFileSync(new URL('../../../pnpm-lock.yaml', import.meta.url), 'utf8');
    return new RegExp(`\\n  ${name.replace('/', '\\/')}@([^:(]+)`).exec(lock)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

/** Rewrites docs/benchmarks.md with this run's table, machine, versions and date. */
/** `durations`: seconds each scenario took (baselines included), in run order. */
export function recordResults(rows: ScenarioRow[], scale: number, durations: Record<string, number> = {}): void {
  const total = Object.values(durations).reduce((a, b) => a + b, 0);
  const each = Object.entries(durations)
    .map(([id, s]) => `${id} ${Math.round(s)} s`)
    .join(', ');
  const cpu = cpus();
  const doc = [
    '# Benchmarks',
    '',
    'Produced by `pnpm bench -- --record` (every figure beside a raw baseline measured in the same run; loopback only).',
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `- node ${process.version}, ${version('redis-server', ['--version'])}`,
    `- bullmq ${packageVersion('bullmq')}, ioredis ${packageVersion('ioredis')}, fastify ${packageVersion('fastify')}, got ${packageVersion('got')}`,
    `- scale: ${scale}`,
    ...(total > 0 ? [`- wall time: ${Math.floor(total / 60)} min ${Math.round(total % 60)} s (${each})`] : []),
    '',
    formatTable(rows),
    '',
  ].join('\n');
  writeFileSync(new URL('../../../docs/benchmarks.md', import.meta.url), doc);
}
