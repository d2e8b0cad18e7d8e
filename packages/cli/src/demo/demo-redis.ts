// Which Redis the demo uses: REDIS_URL when set, else one answering on 127.0.0.1:6379, else a private
// redis-server (loopback, free port, data in the run directory) when the binary exists, else a clear message.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DialerError,
  createRedis,
  findRedisServer,
  launchRedisServer,
  pingRedis,
  signalProcess,
  stopProcess,
  waitForRedis,
  type LaunchedRedis,
} from '@dialer/core';

export type RedisSource = 'REDIS_URL' | 'localhost' | 'private';

export interface DemoRedis {
  url: string;
  source: RedisSource;
  /** The private redis-server's pid (only for `private`). */
  pid?: number;
  /** Stops a private redis-server (a no-op for the others: the demo never stops a Redis it did not start). */
  stop(): Promise<void>;
  /** Kills a private redis-server at once, synchronously (the demo's emergency exit path); a no-op for the others. */
  kill(): void;
}

const LOCAL_URL = 'redis://127.0.0.1:6379';

export const NO_REDIS_HELP = `No Redis to use: REDIS_URL is not set, nothing answers PING on 127.0.0.1:6379, and no redis-server binary was found to start a private one.
Get one, then run the demo again:
  Debian/Ubuntu:  sudo apt-get install redis-server
  macOS:          brew install redis
  Docker:         docker run -d --name dialer-redis -p 127.0.0.1:6379:6379 redis:7-alpine
or point the demo at an existing one: REDIS_URL=redis://host:port npm run demo`;

/**
 * Picks (or starts) the Redis for the demo; `logDir` receives a private server's log. With `privateOnly`
 * a private redis-server is started even when another Redis is available.
 */
export async function chooseRedis(
  env: NodeJS.ProcessEnv,
  runDir: string,
  logDir: string,
  privateOnly = false,
): Promise<DemoRedis> {
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv && !privateOnly) {
    await requireReachable(fromEnv);
    return { url: fromEnv, source: 'REDIS_URL', stop: async () => undefined, kill: () => undefined };
  }
  if (!privateOnly && (await pingRedis(6379)))
    return { url: LOCAL_URL, source: 'localhost', stop: async () => undefined, kill: () => undefined };
  const bin = findRedisServer(env);
  if (!bin) throw new DialerError('DIALER_ERR_REDIS_SERVER', NO_REDIS_HELP);
  return startPrivateRedis(bin, join(runDir, 'redis'), logDir);
}

async function requireReachable(url: string): Promise<void> {
  const client = createRedis(url, 'blocking', 'dialer-demo-probe');
  let lastError: string | undefined;
  client.on('error', (err: Error) => {
    lastError = err.message;
  });
  try {
    await waitForRedis(client, 5000);
  } catch (err) {
    throw new DialerError(
      'DIALER_ERR_REDIS',
      `Redis at REDIS_URL is unreachable${lastError ? `: ${lastError}` : ''} (unset REDIS_URL to let the demo find or start one)`,
      undefined,
      {
        cause: err,
      },
    );
  } finally {
    client.disconnect();
  }
}

async function startPrivateRedis(bin: string, dataDir: string, logDir: string): Promise<DemoRedis> {
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(logDir, 'redis.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  let redis: LaunchedRedis;
  try {
    // Detached like the other children: the demo stops it last, after everything that uses it.
    redis = await launchRedisServer({ bin, dir: dataDir, detached: true, output: log });
  } catch (err) {
    log.end();
    throw new DialerError(
      'DIALER_ERR_REDIS',
      `the private redis-server (${bin}) did not start: see ${logFile}`,
      undefined,
      { cause: err },
    );
  }
  const { child, url } = redis;
  child.once('close', () => log.end());
  return {
    url,
    source: 'private',
    pid: child.pid,
    stop: () => stopProcess(child, { graceMs: 5000, group: true }),
    kill: () => void signalProcess(child, 'SIGKILL', true),
  };
}
