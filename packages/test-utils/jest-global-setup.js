// Starts one private redis-server for the whole test run on a free loopback port; tests isolate themselves
// with unique key prefixes. Plain JS, loaded before any transform is configured: it runs test-utils' own
// fixtures as built (`pnpm build` first; `pnpm test` does), which load only core's process helpers.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

async function builtFixture(file) {
  const url = new URL(`./dist/${file}`, import.meta.url);
  if (!existsSync(url))
    throw new Error(`${fileURLToPath(url)} is missing: run \`pnpm build\` before the tests (\`pnpm test\` does)`);
  return import(url.href);
}

/**
 * `DIALER_TEST_REDIS_CLUSTER=1`: the whole run uses a private 3-master Redis Cluster instead (every test goes
 * through DIALER_TEST_REDIS_URL, so any suite can be re-run on a cluster).
 */
async function startCluster() {
  const { startRedisCluster } = await builtFixture('redis-cluster.js');
  const cluster = await startRedisCluster();
  globalThis.__DIALER_REDIS_CLUSTER__ = cluster;
  process.env.DIALER_TEST_REDIS_URL = cluster.url;
}

export default async function globalSetup() {
  if (process.env.DIALER_TEST_REDIS_CLUSTER === '1') return startCluster();
  const { startRedisServer } = await builtFixture('redis-server.js');
  const server = await startRedisServer({ dirPrefix: 'dialer-jest-redis-' });
  globalThis.__DIALER_REDIS__ = server;
  process.env.DIALER_TEST_REDIS_URL = server.url;
}
