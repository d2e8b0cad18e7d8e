// The demo's Redis data: every key lives under its own `demo-<time>-<hex>` prefix, so it never touches
// other data. By default the keys are kept (the board and `dialer report` can show the run again later);
// `--clean` removes exactly them.
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '@dialer/core';
import type { DemoRedis } from './demo-redis.js';

/** The Redis URL without a password, and where it came from. */
export function redisText(redis: DemoRedis): string {
  const shown = redis.url.replace(/\/\/[^@/]*@/, '//***@');
  const from = {
    REDIS_URL: 'from REDIS_URL',
    localhost: 'answered on localhost',
    private: `a private redis-server, pid ${redis.pid ?? '?'}`,
  }[redis.source];
  return `${shown} (${from})`;
}

/** What happens to the keys, and how to look at them again or remove them. */
export function keysText(redis: DemoRedis, prefix: string, keepRunning: boolean): string {
  if (redis.source === 'private') {
    return keepRunning
      ? 'The private redis-server keeps the data until Ctrl-C; then it is gone (the report file stays).'
      : 'The data was in the private redis-server and goes with it; the report file stays.';
  }
  const env = `REDIS_PREFIX=${prefix}`;
  return [
    `Redis keys kept under the prefix ${prefix} (nothing else was touched). Later${redis.source === 'REDIS_URL' ? ', with the same REDIS_URL' : ''}:`,
    `  ${env} pnpm dialer campaign status demo`,
    `  ${env} BOARD_USER=demo BOARD_PASSWORD=<choose> pnpm dialer board`,
    `  remove them: run the demo with --clean, or: redis-cli --scan --pattern '${prefix}:*' | xargs -r redis-cli unlink`,
  ].join('\n');
}

function isCluster(client: RedisClient): client is Cluster {
  return 'nodes' in client && typeof (client as Cluster).nodes === 'function' && (client as Cluster).isCluster === true;
}

async function deleteOn(node: Redis, pattern: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    // One key per command: on Redis Cluster the keys of one page may sit in different slots.
    if (keys.length > 0) removed += (await Promise.all(keys.map((k) => node.unlink(k)))).reduce((a, b) => a + b, 0);
  } while (cursor !== '0');
  return removed;
}

/** Removes every key under `prefix:` (on every master of a cluster); returns how many were removed. */
export async function deleteKeys(client: RedisClient, prefix: string): Promise<number> {
  const pattern = `${prefix}:*`;
  const nodes = isCluster(client) ? client.nodes('master') : [client as Redis];
  let removed = 0;
  for (const node of nodes) removed += await deleteOn(node, pattern);
  return removed;
}
