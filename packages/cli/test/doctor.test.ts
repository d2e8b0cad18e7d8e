// `dialer doctor` against real things: the built CLI, private redis-servers started with the settings under test,
// the SAVG simulator, closed ports. Passes against a Redis with AOF and noeviction; fails, naming the check and what
// to do, against one that evicts, one without persistence, an unreachable gateway, missing credentials and a plain
// http notify URL. No check places a call.
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import {
  freePort,
  runCli,
  startRedisServer,
  startSimulator,
  testEnv,
  type RedisServer,
  type SimulatorHarness,
} from '@dialer/test-utils';

let sim: SimulatorHarness;
const servers: RedisServer[] = [];

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim?.close();
  await Promise.all(servers.map((s) => s.destroy()));
});

async function redisWith(args: string[]): Promise<RedisServer> {
  const server = await startRedisServer({ appendonly: true, extraArgs: args });
  servers.push(server);
  return server;
}

async function doctor(env: NodeJS.ProcessEnv, json = false) {
  return runCli(['doctor', ...(json ? ['--json'] : [])], env, 60_000);
}

async function deploymentEnv(redisUrl: string, overrides: Record<string, string | undefined> = {}) {
  return testEnv({
    REDIS_URL: redisUrl,
    SAVG_BASE_URL: sim.url,
    NOTIFY_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    ...overrides,
  });
}

interface Check {
  name: string;
  status: string;
  message: string;
  fix?: string;
}

describe('dialer doctor', () => {
  it('passes against a Redis with AOF and noeviction, a reachable gateway and a loopback notify URL', async () => {
    const redis = await redisWith([]);
    const env = await deploymentEnv(redis.url);
    const res = await doctor(env);
    expect(res.code).toBe(0);
    for (const name of [
      'config',
      'savg-jwt',
      'savg-gateway',
      'redis',
      'redis-eviction',
      'redis-persistence',
      'notify-url',
      'clock',
    ])
      expect(res.stdout).toMatch(new RegExp(`^PASS  ${name} `, 'm'));
    expect(res.stdout).toMatch(
      /^PASS {2}redis-persistence +AOF persistence is on: appendonly yes \(appendfsync everysec\)/m,
    );
    expect(res.stdout).toMatch(/^PASS {2}savg-gateway +GET \S+ answered HTTP \d{3}: the gateway is reachable/m);
    // Nothing listens at NOTIFY_BASE_URL: a warning, not a failure.
    expect(res.stdout).toMatch(/^WARN {2}ingester +no answer at http:\/\/127\.0\.0\.1:\d+/m);
    expect(res.stdout).toMatch(/^No check failed \(1 warning\(s\)\)/m);
    // Nothing was dialed, and the secret is not shown.
    expect(await sim.dialouts()).toEqual([]);
    expect(res.stdout).not.toContain(env.SAVG_CLIENT_SECRET);
  }, 90_000);

  it('fails the eviction check, saying what to do, against a Redis with maxmemory-policy allkeys-lru (--json too)', async () => {
    const redis = await redisWith(['--maxmemory-policy', 'allkeys-lru']);
    const env = await deploymentEnv(redis.url);
    const res = await doctor(env);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /^FAIL {2}redis-eviction +maxmemory-policy is allkeys-lru: when full, Redis would silently evict/m,
    );
    expect(res.stdout).toMatch(/→ set maxmemory-policy noeviction/);
    expect(res.stdout).toMatch(/^1 check\(s\) failed/m);

    const json = await doctor(env, true);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as { ok: boolean; checks: Check[] };
    expect(out.ok).toBe(false);
    expect(out.checks.filter((c) => c.status === 'FAIL').map((c) => c.name)).toEqual(['redis-eviction']);
  }, 90_000);

  it('names every failing check: no persistence, gateway unreachable, no client secret, plain http notify URL', async () => {
    const redis = await redisWith(['--appendonly', 'no', '--save', '']);
    const closed = await freePort();
    const env = await deploymentEnv(redis.url, {
      SAVG_BASE_URL: `http://127.0.0.1:${closed}`,
      SAVG_CLIENT_SECRET: undefined,
      NOTIFY_BASE_URL: 'http://dialer.example.com',
      ALLOW_INSECURE_HTTP: '1',
    });
    const res = await doctor(env, true);
    expect(res.code).toBe(1);
    const checks = (JSON.parse(res.stdout) as { checks: Check[] }).checks;
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName.config).toMatchObject({
      status: 'FAIL',
      message: expect.stringContaining('SAVG_CLIENT_SECRET is required'),
    });
    expect(byName['savg-jwt']).toMatchObject({
      status: 'FAIL',
      message: 'SAVG_CLIENT_SECRET not set: no JWT can be signed',
    });
    expect(byName['savg-gateway']).toMatchObject({ status: 'FAIL', message: expect.stringContaining('ECONNREFUSED') });
    expect(byName['redis-persistence']).toMatchObject({
      status: 'FAIL',
      message: expect.stringContaining('no persistence'),
      fix: expect.stringContaining('appendonly yes'),
    });
    expect(byName['notify-url']).toMatchObject({ status: 'FAIL', message: expect.stringContaining('plain http') });
    expect(byName['redis-eviction']?.status).toBe('PASS');
    expect(byName.clock?.status).toBe('PASS');
  }, 90_000);
});
