// The child-process helpers the demo, the tests and the bench share: finding redis-server, ports, stopping
// a process (and, spawned detached, everything it started). Real processes and sockets throughout.
import { describe, it, expect, afterAll } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  acceptsConnections,
  findRedisServer,
  freePort,
  launchRedisServer,
  pingRedis,
  stopProcess,
  waitForPort,
} from '@dialer/core';
import { waitUntil } from '@dialer/test-utils';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map((c) => stopProcess(c, { graceMs: 0, group: true })));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dialer-process-test-'));
  dirs.push(dir);
  return dir;
}

/** Running (a zombie no one has reaped yet counts as gone: in a container, PID 1 may never reap it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux'; // on Linux: gone between the two looks
  }
}

/** A node child that ignores SIGTERM (only SIGKILL ends it) and prints its pid, or its grandchild's. */
function stubborn(detached: boolean, withGrandchild = false): { child: ChildProcess; printed: Promise<number> } {
  const grandchild = `require('child_process').spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' })`;
  const script = withGrandchild
    ? `process.on('SIGTERM', () => {}); const g = ${grandchild}; console.log(g.pid); setInterval(() => {}, 1000)`
    : `process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000)`;
  const child = spawn(process.execPath, ['-e', script], { detached, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  const printed = new Promise<number>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  return { child, printed };
}

describe('findRedisServer', () => {
  it('takes the first executable redis-server on PATH, skipping files that are not executable', () => {
    const [notExecutable, executable] = [tempDir(), tempDir()];
    writeFileSync(join(notExecutable, 'redis-server'), '#!/bin/sh\n');
    writeFileSync(join(executable, 'redis-server'), '#!/bin/sh\n');
    chmodSync(join(executable, 'redis-server'), 0o755);
    expect(findRedisServer({ PATH: [notExecutable, executable].join(':') })).toBe(join(executable, 'redis-server'));
  });

  it('looks in /usr/bin and /usr/sbin when PATH has none (a non-root PATH often lacks /usr/sbin)', () => {
    const found = findRedisServer({ PATH: tempDir() });
    // The test machine has Debian's redis-server (the test run's own Redis comes from it).
    expect(found).toMatch(/^\/usr\/s?bin\/redis-server$/);
  });
});

describe('ports', () => {
  it('freePort gives a loopback port that can be bound; waitForPort says when it accepts', async () => {
    const port = await freePort();
    expect(await acceptsConnections(port)).toBe(false);
    const server: Server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      expect(await waitForPort(port, { timeoutMs: 5000 })).toBe(true);
      // Not a Redis: accepting is not answering PING.
      expect(await pingRedis(port)).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('waitForPort gives up as soon as the process that should listen has exited', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    children.push(child);
    expect(await waitForPort(port, { child, timeoutMs: 60_000 })).toBe(false);
    expect(child.exitCode).toBe(3);
  });

  it('launchRedisServer starts a private redis-server that answers PING, stopped by stopProcess', async () => {
    const redis = await launchRedisServer({ bin: findRedisServer()!, dir: tempDir() });
    children.push(redis.child);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await pingRedis(redis.port)).toBe(true);
    await stopProcess(redis.child);
    expect(redis.child.exitCode ?? redis.child.signalCode).toBe(0);
    expect(await pingRedis(redis.port)).toBe(false);
  });
});

describe('stopProcess', () => {
  it('sends SIGKILL after the grace period to a process that ignores SIGTERM, and resolves once it is gone', async () => {
    const { child, printed } = stubborn(false);
    const pid = await printed;
    await stopProcess(child, { graceMs: 200 });
    expect(child.signalCode).toBe('SIGKILL');
    expect(alive(pid)).toBe(false);
  });

  it('stops the whole process group of a child spawned detached: nothing it started is left', async () => {
    const { child, printed } = stubborn(true, true);
    const grandchild = await printed;
    expect(alive(grandchild)).toBe(true);
    await stopProcess(child, { graceMs: 200, group: true });
    expect(child.signalCode).toBe('SIGKILL');
    // The grandchild is not ours to wait for: poll until the kernel has reaped it.
    await waitUntil(() => !alive(grandchild), 10_000, 'the grandchild killed with its group');
  });

  it('resolves at once for a process that has already exited', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    await stopProcess(child);
    expect(child.exitCode).toBe(0);
  });
});
