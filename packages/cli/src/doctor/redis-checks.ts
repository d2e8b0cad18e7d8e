/**
 * `dialer doctor`'s Redis checks: reachable, the eviction policy, persistence, and its clock against this host's.
 * On Redis Cluster each master is asked (a setting is per node); the worst answer counts.
 */
import type { RedisClient } from '@dialer/core';
import type { Cluster, Redis } from 'ioredis';
import { errorText, fail, pass, skip, warn, type CheckResult } from './doctor-check.js';

/** How far this host's clock and Redis's may be apart. */
export const CLOCK_TOLERANCE_MS = 1000;

function nodesOf(redis: RedisClient): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
}

/** CONFIG GET name on every node: the values, or why it was refused (managed services often refuse CONFIG). */
async function configGet(redis: RedisClient, name: string): Promise<{ values: string[] } | { refused: string }> {
  try {
    const values: string[] = [];
    for (const node of nodesOf(redis)) {
      const pair = (await node.call('CONFIG', 'GET', name)) as string[];
      values.push(pair[1] ?? '');
    }
    return { values };
  } catch (err) {
    return { refused: errorText(err) };
  }
}

const REFUSED_FIX = (what: string) =>
  `CONFIG GET is refused (a managed Redis?): check ${what} in the provider's settings (parameter group)`;

export async function redisChecks(core: typeof import('@dialer/core'), redisUrl: string): Promise<CheckResult[]> {
  const where = redisUrl.replace(/\/\/[^@/]*@/, '//');
  let redis: RedisClient;
  try {
    redis = core.createRedis(redisUrl, 'blocking', 'dialer-doctor');
  } catch (err) {
    return [fail('redis', `REDIS_URL ${where} is unusable: ${errorText(err)}`, 'fix REDIS_URL'), ...skipped()];
  }
  let lastError = '';
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  try {
    try {
      await core.waitForRedis(redis, 5000);
      await redis.ping();
    } catch (err) {
      return [
        fail(
          'redis',
          `Redis at ${where} does not answer: ${lastError || errorText(err)}`,
          'start Redis, or set REDIS_URL (redis://, rediss:// with TLS, redis+cluster:// for a cluster; credentials in the URL)',
        ),
        ...skipped(),
      ];
    }
    return [
      pass(
        'redis',
        `Redis at ${where} answers${redis.isCluster ? ` (cluster of ${nodesOf(redis).length} masters)` : ''}`,
      ),
      await evictionCheck(redis),
      await persistenceCheck(redis),
      await clockCheck(redis),
    ];
  } finally {
    redis.disconnect();
  }
}

function skipped(): CheckResult[] {
  return ['redis-eviction', 'redis-persistence', 'clock'].map((n) => skip(n, 'Redis is not reachable'));
}

async function evictionCheck(redis: RedisClient): Promise<CheckResult> {
  const name = 'redis-eviction';
  const got = await configGet(redis, 'maxmemory-policy');
  if ('refused' in got)
    return warn(name, `maxmemory-policy unknown: ${got.refused}`, REFUSED_FIX('that it is noeviction'));
  const bad = [...new Set(got.values.filter((v) => v !== 'noeviction'))];
  if (bad.length === 0)
    return pass(name, 'maxmemory-policy is noeviction: a full Redis refuses writes, never drops keys');
  return fail(
    name,
    `maxmemory-policy is ${bad.join(', ')}: when full, Redis would silently evict contacts, dial jobs or call state`,
    'set maxmemory-policy noeviction (redis.conf, CONFIG SET maxmemory-policy noeviction, or the parameter group)',
  );
}

/**
 * AOF is what counts as persistent: the dialer's guarantees assume at most about a second of transitions lost in a
 * crash. RDB snapshots alone are on, but lose every write since the last snapshot (minutes): a WARN.
 */
async function persistenceCheck(redis: RedisClient): Promise<CheckResult> {
  const name = 'redis-persistence';
  const aof = await configGet(redis, 'appendonly');
  if ('refused' in aof)
    return warn(
      name,
      `persistence unknown: ${aof.refused}`,
      REFUSED_FIX('that AOF persistence is on (appendonly yes)'),
    );
  const fsync = await configGet(redis, 'appendfsync');
  const fsyncText = 'values' in fsync ? ` (appendfsync ${[...new Set(fsync.values)].join(', ')})` : '';
  if (aof.values.every((v) => v === 'yes')) return pass(name, `AOF persistence is on: appendonly yes${fsyncText}`);
  const save = await configGet(redis, 'save');
  const rdb = 'values' in save && save.values.every((v) => v.trim() !== '');
  if (rdb)
    return warn(
      name,
      `RDB snapshots only (save "${('values' in save ? save.values : [])[0]}"): a crash loses every write since the last snapshot`,
      'turn on AOF: appendonly yes with appendfsync everysec (contacts dialed after the last snapshot could be dialed again)',
    );
  return fail(
    name,
    'no persistence (appendonly no, no save points): a restart of Redis loses every campaign',
    'turn on AOF: appendonly yes with appendfsync everysec (redis.conf, or CONFIG SET appendonly yes)',
  );
}

/**
 * Every process stamps pacing instants, deadlines and leases with its own clock, and Redis's scripts compare them:
 * the hosts must agree. Redis is the one clock they all see, so each host is compared with it.
 */
async function clockCheck(redis: RedisClient): Promise<CheckResult> {
  const name = 'clock';
  const node = nodesOf(redis)[0] as Redis;
  const before = Date.now();
  const [seconds, micros] = await node.time();
  const after = Date.now();
  const redisMs = Number(seconds) * 1000 + Number(micros) / 1000;
  const offset = Math.round(redisMs - (before + after) / 2);
  const roundTrip = after - before;
  const text = `Redis's clock is ${Math.abs(offset)} ms ${offset >= 0 ? 'ahead of' : 'behind'} this host's (round trip ${roundTrip} ms)`;
  if (roundTrip > CLOCK_TOLERANCE_MS)
    return warn(
      name,
      `${text}: the round trip is too slow to tell`,
      'run dialer doctor again when Redis answers faster',
    );
  if (Math.abs(offset) <= CLOCK_TOLERANCE_MS) return pass(name, text);
  return fail(
    name,
    `${text}: more than ${CLOCK_TOLERANCE_MS} ms apart`,
    'sync both hosts with NTP (chrony or systemd-timesyncd): pacing, deadlines and calling windows compare the clocks of every host',
  );
}
