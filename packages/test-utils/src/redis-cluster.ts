/**
 * A private Redis Cluster for tests: N masters (no replicas) from Debian's `redis-server` on free loopback
 * ports, joined with `redis-cli --cluster create`. Never a shared cluster, never one we did not start.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, launchRedisServer, stopProcess } from '@dialer/core/process';
import { requireRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterNode {
  host: string;
  port: number;
  /** The cluster bus port (set explicitly: `port + 10000` may not exist for a high ephemeral port). */
  busPort: number;
}

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…`: what REDIS_URL takes. */
  url: string;
  nodes: RedisClusterNode[];
  dir: string;
  /** A plain (non-cluster) connection to one master, for CLUSTER / DBSIZE / SCAN on that node. */
  nodeClient(node: RedisClusterNode): Redis;
  /** Stops every node and removes the data dir. */
  destroy(): Promise<void>;
}

export interface RedisClusterOptions {
  /** @defaultValue 3 */
  masters?: number;
  /** How long the cluster may take to reach `cluster_state:ok`. @defaultValue 20000 */
  timeoutMs?: number;
}

export function findRedisCli(): string {
  const sibling = join(dirname(requireRedisServer()), 'redis-cli');
  if (existsSync(sibling)) return sibling;
  for (const candidate of ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'])
    if (existsSync(candidate)) return candidate;
  throw new Error(
    'redis-cli not found: install it (Debian: apt-get install redis-tools, a dependency of redis-server)',
  );
}

/**
 * Closes a probe connection. One that failed has ended already: disconnect() would arm ioredis's 2 s timer
 * for a stream that never closes again, and that ref'd timer keeps a test process (a Jest worker) alive.
 */
function dropProbe(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}

function probe(port: number): Redis {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // A refused probe is expected while the server boots; without a listener ioredis prints it as unhandled.
  client.on('error', () => undefined);
  return client;
}

/** Runs `fn` against a fresh connection to `port`; any error (not up yet) counts as `undefined`. */
async function ask<T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T | undefined> {
  const client = probe(port);
  try {
    await client.connect();
    return await fn(client);
  } catch {
    return undefined;
  } finally {
    dropProbe(client);
  }
}

async function pollUntil(check: () => Promise<boolean>, deadline: number, what: string): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} not reached in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One master with cluster mode on, on the node's ports; resolves once it answers PING. */
function launchNode(bin: string, dir: string, node: RedisClusterNode, deadline: number): Promise<ChildProcess> {
  const nodeDir = join(dir, String(node.port));
  mkdirSync(nodeDir);
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-port',
    String(node.busPort),
    '--cluster-node-timeout',
    '5000',
  ];
  return launchRedisServer({
    bin,
    dir: nodeDir,
    port: node.port,
    args,
    timeoutMs: Math.max(1000, deadline - Date.now()),
  }).then((r) => r.child);
}

/** Every node sees all slots assigned and the cluster `ok` (gossip takes a moment after `create`). */
async function clusterOk(nodes: RedisClusterNode[]): Promise<boolean> {
  const infos = await Promise.all(nodes.map((n) => ask(n.port, (c) => c.cluster('INFO') as Promise<string>)));
  return infos.every(
    (info) =>
      info !== undefined &&
      /cluster_state:ok/.test(info) &&
      /cluster_slots_ok:16384/.test(info) &&
      new RegExp(`cluster_known_nodes:${nodes.length}\\b`).test(info),
  );
}

async function allocateNodes(count: number): Promise<RedisClusterNode[]> {
  const ports = new Set<number>();
  while (ports.size < count * 2) ports.add(await freePort());
  const list = [...ports];
  return Array.from({ length: count }, (_, i) => ({
    host: '127.0.0.1',
    port: list[2 * i] as number,
    busPort: list[2 * i + 1] as number,
  }));
}

async function boot(
  bin: string,
  dir: string,
  count: number,
  deadline: number,
): Promise<{ nodes: RedisClusterNode[]; children: ChildProcess[] }> {
  const nodes = await allocateNodes(count);
  const launched = await Promise.allSettled(nodes.map((n) => launchNode(bin, dir, n, deadline)));
  const children = launched.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = launched.find((r) => r.status === 'rejected');
  if (!failed) return { nodes, children };
  // A node that did not start lost its port to someone else, most likely: the caller retries on new ones.
  await Promise.all(children.map((c) => stopProcess(c, { graceMs: 0 })));
  throw failed.reason;
}

/** Starts an N-master Redis Cluster (no replicas) and waits until every node reports `cluster_state:ok`. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const count = options.masters ?? 3;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const bin = requireRedisServer();
  const cli = findRedisCli();
  const dir = mkdtempSync(join(tmpdir(), 'dialer-redis-cluster-'));
  let booted: { nodes: RedisClusterNode[]; children: ChildProcess[] };
  try {
    booted = await boot(bin, dir, count, deadline);
  } catch {
    // A probed port may have been taken before the server bound it: once more on new ports.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    booted = await boot(bin, dir, count, deadline).catch((err: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
  }
  const { nodes, children } = booted;
  const destroy = async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const addresses = nodes.map((n) => `${n.host}:${n.port}`);
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: Math.max(1000, deadline - Date.now()),
    });
    await pollUntil(() => clusterOk(nodes), deadline, 'cluster_state:ok on every node');
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    url: `redis+cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    nodes,
    dir,
    nodeClient: (node) => {
      const client = new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined); // commands still reject; no unhandled 'error' noise
      return client;
    },
    destroy,
  };
}

/** The hash tag of a key (what decides its slot), or `(none)`. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return close > open + 1 ? key.slice(open + 1, close) : '(none)';
}

/**
 * How many keys matching `pattern` each master holds, by hash tag (SCAN per node: on a cluster, a SCAN only
 * sees the node it runs on). Keyed by `host:port`, then by tag.
 */
export async function keysPerNode(
  cluster: RedisCluster,
  pattern: string,
): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const node of cluster.nodes) {
    const client = cluster.nodeClient(node);
    const counts: Record<string, number> = {};
    try {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) counts[hashTagOf(key)] = (counts[hashTagOf(key)] ?? 0) + 1;
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
    out[`${node.host}:${node.port}`] = counts;
  }
  return out;
}
