// Starts one private redis-server for the whole test run on a free loopback port; tests isolate themselves
// with unique key prefixes. Plain JS so Jest can load it before any transform is configured.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

function redisBin() {
  for (const p of ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('redis-server not found: install it (Debian: apt-get install redis-server); .ci/run does this');
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function ping(port) {
  const { Socket } = await import('node:net');
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

/**
 * `DIALER_TEST_REDIS_CLUSTER=1`: the whole run uses a private 3-master Redis Cluster instead (every test goes
 * through DIALER_TEST_REDIS_URL, so any suite can be re-run on a cluster). Needs `pnpm build` (the rig is
 * loaded from test-utils' dist).
 */
async function startCluster() {
  const { startRedisCluster } = await import('./dist/redis-cluster.js');
  const cluster = await startRedisCluster();
  globalThis.__DIALER_REDIS_CLUSTER__ = cluster;
  process.env.DIALER_TEST_REDIS_URL = cluster.url;
}

export default async function globalSetup() {
  if (process.env.DIALER_TEST_REDIS_CLUSTER === '1') return startCluster();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dialer-jest-redis-'));
  const child = spawn(redisBin(), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline) throw new Error('private redis-server did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  globalThis.__DIALER_REDIS__ = child;
  process.env.DIALER_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
}
