/**
 * P5's process plumbing: `dialer …` CLI processes (simulator, ingester, workers, producer, campaign status)
 * spawned against the bench's private Redis, each resolved once its start-up log line names its address,
 * plus the Redis memory figures P5 reports (INFO used_memory, and a MEMORY USAGE breakdown by key shape).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { describeExit, runDialer } from '@dialer/cli';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every common Linux build). */
const CLOCK_TICKS = 100;

/** Runs `dialer <args>` to its end; resolves with its stdout (rejects on a non-zero exit). */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { exit, stdout, stderr } = await runDialer(args, { env: { ...process.env, ...env }, timeoutMs: 3_600_000 });
  if (exit.code !== 0)
    throw new Error(`dialer ${args.join(' ')} ended with ${describeExit(exit)}: ${stderr.slice(-4096)}`);
  return stdout;
}

export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

/** A key's shape: ids, numbers and hashes replaced by `*` so the keys of one kind group together. */
function keyShape(key: string): string {
  return key
    .replace(/:[A-Za-z0-9_-]{16}-\d+$/, ':<job>')
    .replace(/:\d+$/, ':<n>')
    .replace(/:repeat:[^:]+/, ':repeat:*');
}

/**
 * Bytes per key shape (MEMORY USAGE, every key, all samples), largest first: where the memory went. The
 * figures are the keys' own (values, encodings, dict entries), so they add up to a little less than the
 * growth of used_memory (which also counts the keyspace's own tables and allocator rounding).
 */
export async function memoryBreakdown(redis: Redis): Promise<{ shape: string; keys: number; bytes: number }[]> {
  const groups = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const bytes = Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
      const shape = keyShape(key);
      const g = groups.get(shape) ?? { keys: 0, bytes: 0 };
      g.keys++;
      g.bytes += bytes;
      groups.set(shape, g);
    }
  } while (cursor !== '0');
  return [...groups.entries()].map(([shape, g]) => ({ shape, ...g })).sort((a, b) => b.bytes - a.bytes);
}

/** CPU time (user + system, ms) a live process has used so far, from /proc (Linux; 0 elsewhere). */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Redis's own CPU time so far (ms), from INFO cpu. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return [...info.matchAll(/used_cpu_(?:user|sys):([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0) * 1000;
}
