import { Redis, Cluster, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

/**
 * `blocking`: BullMQ workers and long-running loops — retry forever, never give up on a command.
 * `request`: HTTP request paths and CLI calls — fail fast while Redis is down so callers can answer 503.
 */
export type RedisPurpose = 'blocking' | 'request';

export interface RedisTarget {
  cluster: boolean;
  nodes: { host: string; port: number }[];
  options: RedisOptions;
}

/**
 * Parses REDIS_URL: `redis://`, `rediss://` (TLS), or a Redis Cluster seed list,
 * `redis+cluster://[user:password@]host:port,host:port` (`rediss+cluster://` with TLS). A seed list needs
 * only some of the nodes: the client learns the rest from the cluster. IPv6 hosts go in brackets.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const cluster = /^rediss?\+cluster:\/\//.test(url);
  const tls = /^rediss/.test(url);
  const rest = url.replace(/^[a-z+]+:\/\//, '').split(/[?#]/)[0] ?? '';
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const [hostsPart = '', dbPart] = (at >= 0 ? rest.slice(at + 1) : rest).split('/');
  const nodes = hostsPart.split(',').filter(Boolean).map(parseHostPort);
  // The first colon separates user and password; a password may contain more (or be percent-encoded).
  const colon = auth.indexOf(':');
  const [username, password] =
    colon >= 0 ? [auth.slice(0, colon), auth.slice(colon + 1)] : [undefined, auth || undefined];
  const options: RedisOptions = {
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    db: dbPart && !cluster ? Number(dbPart) : undefined,
    ...(tls ? { tls: {} } : {}),
  };
  return { cluster, nodes: nodes.length ? nodes : [{ host: '127.0.0.1', port: 6379 }], options };
}

function parseHostPort(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]*)(?::(\d+))?$/.exec(text);
  return { host: m?.[1] || '127.0.0.1', port: Number(m?.[2] ?? 6379) };
}

/** Creates a Redis (or Redis Cluster) connection configured for its purpose. */
export function createRedis(url: string, purpose: RedisPurpose, connectionName?: string): RedisClient {
  const target = parseRedisUrl(url);
  const purposeOptions: RedisOptions =
    purpose === 'blocking'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
  const options: RedisOptions = {
    ...target.options,
    ...purposeOptions,
    connectionName,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 3000),
  };
  if (target.cluster) {
    return new Cluster(target.nodes, {
      redisOptions: options,
      enableOfflineQueue: purpose === 'blocking',
      clusterRetryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 3000),
      // With TLS, connect to the names the cluster announces instead of addresses ioredis resolved itself, so
      // the certificate's host name matches (managed services such as ElastiCache need this).
      ...(target.options.tls
        ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }
        : {}),
    });
  }
  const [node] = target.nodes;
  return new Redis({ ...options, host: node?.host, port: node?.port });
}

/** Waits until the connection is ready (or fails after `timeoutMs`). */
export async function waitForRedis(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
