import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The subpath, not the core index: Jest's global setup loads this module (built) before any test, and must
// not load all of core (BullMQ, zod, libphonenumber…) to start a redis-server.
import { findRedisServer, launchRedisServer, stopProcess } from '@dialer/core/process';

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
  /** Name prefix of its temporary data dir. @defaultValue 'dialer-redis-' */
  dirPrefix?: string;
}

/** The redis-server binary, or an error that says how to install it. */
export function requireRedisServer(): string {
  const bin = findRedisServer();
  if (!bin)
    throw new Error(
      'redis-server not found on PATH, in /usr/bin or /usr/sbin: install it (Debian: apt-get install redis-server)',
    );
  return bin;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'dialer-redis-'));
  const launch = (port: number | undefined) =>
    launchRedisServer({ bin, dir, port, appendonly: options.appendonly, args: options.extraArgs });
  let started: { child: ChildProcess; port: number; url: string };
  try {
    started = await launch(options.port);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { port, url } = started;
  let child: ChildProcess | undefined = started.child;

  const stop = async (hard = false) => {
    if (!child) return;
    const c = child;
    child = undefined;
    await stopProcess(c, hard ? { graceMs: 0 } : {});
  };
  return {
    url,
    port,
    dir,
    stop,
    restart: async () => {
      child = (await launch(port)).child;
    },
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
