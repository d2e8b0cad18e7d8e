import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A private redis-server started by a test run: never a shared one, never one we did not start. */
export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, or SIGKILL with `hard`) and keeps its data dir for a restart. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and data dir (AOF replays what was persisted). */
  restart(): Promise<void>;
  /** Stops it and removes its data dir. */
  destroy(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  /** Append-only persistence (for restart tests). @defaultValue false */
  appendonly?: boolean;
  extraArgs?: string[];
}

export function findRedisServer(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('redis-server not found on PATH: install it (Debian: apt-get install redis-server)');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Closes a probe connection. One that failed has ended already: disconnect() would arm ioredis's 2 s timer
 * for a stream that never closes again, and that ref'd timer keeps a test process (a Jest worker) alive.
 */
export function dropProbe(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}

async function waitReady(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // A refused probe is expected while the server boots; without a listener ioredis prints it as unhandled.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const pong = await client.ping();
      if (pong === 'PONG') return;
    } catch {
      // not up yet (or still loading the AOF)
    } finally {
      dropProbe(client);
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = findRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'dialer-redis-'));
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  const launch = async () => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no',
      '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
      '--loglevel', 'warning', ...(options.extraArgs ?? []),
    ];
    child = spawn(bin, args, { stdio: 'ignore' });
    await waitReady(port, 10_000);
  };
  try {
    await launch();
  } catch (err) {
    // The free port may have been taken between probing and binding: try once more on a new one.
    if (options.port !== undefined) throw err;
    port = await freePort();
    await launch();
  }

  const stop = async (hard = false) => {
    if (!child) return;
    const c = child;
    child = undefined;
    c.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited(c);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: launch,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
