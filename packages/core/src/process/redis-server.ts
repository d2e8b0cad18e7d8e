// A local redis-server: where its binary is, whether one answers on a port, and a private one started on
// loopback (the demo, the tests and the bench start theirs this way).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { stopProcess } from './stop-process.js';

/**
 * Where distributions and Homebrew install it: searched after PATH, because /usr/sbin (and on a Mac
 * /opt/homebrew/bin) is often not on a non-root PATH even when the package is installed.
 */
const WELL_KNOWN = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable `redis-server` on `env.PATH`, then in the well-known directories; undefined when none. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...WELL_KNOWN];
  for (const dir of dirs) {
    const candidate = join(dir, 'redis-server');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * True when a Redis without a password answers PING on `host:port` within `timeoutMs`: a raw RESP
 * exchange, no client library (nothing to close, no reconnect timer left behind).
 */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.on('data', (data: Buffer) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.once('end', () => finish(false));
  });
}

export interface LaunchRedisOptions {
  /** The redis-server binary ({@link findRedisServer}). */
  bin: string;
  /** Its working directory (data files). */
  dir: string;
  /** A fixed port; by default a free one, and once more on another if that was taken before it bound. */
  port?: number;
  /** Append-only persistence (fsync every second). @defaultValue false */
  appendonly?: boolean;
  /** More command-line options (they override the ones here). */
  args?: string[];
  /** A process group of its own: a Ctrl-C on the terminal does not reach it. @defaultValue false */
  detached?: boolean;
  /** Where its output goes. @defaultValue nowhere */
  output?: NodeJS.WritableStream;
  /** @defaultValue 10000 */
  timeoutMs?: number;
}

export interface LaunchedRedis {
  child: ChildProcess;
  port: number;
  url: string;
}

/**
 * Starts a redis-server bound to 127.0.0.1 (no snapshots, no eviction) and resolves once it answers PING;
 * rejects when it did not within `timeoutMs`, after stopping it.
 */
export async function launchRedisServer(o: LaunchRedisOptions): Promise<LaunchedRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = o.port ?? (await freePort());
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      o.dir,
      '--save',
      '',
      '--daemonize',
      'no',
      '--appendonly',
      o.appendonly ? 'yes' : 'no',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--loglevel',
      'warning',
      ...(o.args ?? []),
    ];
    const child = spawn(o.bin, args, {
      stdio: ['ignore', o.output ? 'pipe' : 'ignore', o.output ? 'pipe' : 'ignore'],
      detached: o.detached ?? false,
    });
    if (o.output) {
      child.stdout?.pipe(o.output, { end: false });
      child.stderr?.pipe(o.output, { end: false });
    }
    child.once('error', () => undefined); // a binary that cannot run: it exits, and the wait below says so
    // PING, not just a connection: while it loads its append-only file a Redis accepts and answers -LOADING.
    const timeoutMs = o.timeoutMs ?? 10_000;
    if (await waitForPort(port, { child, probe: pingRedis, timeoutMs }))
      return { child, port, url: `redis://127.0.0.1:${port}` };
    await stopProcess(child, { graceMs: 0, group: o.detached });
    if (o.port !== undefined || attempt >= 2) {
      throw new Error(
        `${o.bin} did not answer PING on 127.0.0.1:${port} within ${timeoutMs} ms (${child.signalCode ?? `exit code ${child.exitCode}`})`,
      );
    }
  }
}
