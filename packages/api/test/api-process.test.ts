// The real `dialer api` and `dialer apikey` (the built CLI) on the private Redis: keys created, listed and revoked
// from the command line take effect on the running API; Swagger UI is served at /docs; SIGTERM stops it cleanly;
// its log holds no key.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { runCli, spawnCli, testEnv, type CliProcess } from '@dialer/test-utils';
import { exposureWarnings } from '@dialer/api';

let env: NodeJS.ProcessEnv;
let api: CliProcess | undefined;
let base: string;

beforeAll(async () => {
  env = testEnv({ LOG_LEVEL: 'info', API_HOST: '127.0.0.1', API_PORT: '0' });
  api = spawnCli(['api'], env);
  base = (await api.waitForOutput(/"address":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"api listening"/, 30_000))[1]!;
}, 60_000);
afterAll(async () => {
  await api?.stop(5000);
});

const get = (path: string, key?: string) =>
  fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('dialer apikey and dialer api', () => {
  it('creates a key shown once, lists keys without them, and revokes by name: the API follows', async () => {
    const created = await runCli(['apikey', 'create', '--name', 'crm', '--json'], env);
    expect(created.code).toBe(0);
    const key = (JSON.parse(created.stdout) as { key: string; id: string }).key;
    expect(key).toMatch(/^dk_[A-Za-z0-9_-]{43}$/);
    expect((await get('/v1/campaigns', key)).status).toBe(200);

    const human = await runCli(['apikey', 'create', '--name', 'billing'], env);
    expect(human.stdout).toContain('cannot be shown again');
    const taken = await runCli(['apikey', 'create', '--name', 'crm'], env);
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('already exists');

    const listed = await runCli(['apikey', 'list', '--json'], env);
    const keys = JSON.parse(listed.stdout) as { name: string; lastUsedAt: string | null }[];
    expect(keys.map((k) => k.name).sort()).toEqual(['billing', 'crm']);
    expect(keys.find((k) => k.name === 'crm')!.lastUsedAt).toEqual(expect.any(String));
    expect(listed.stdout).not.toContain('dk_');
    expect((await runCli(['apikey', 'list'], env)).stdout).toMatch(/\bbilling\s+\S+\s+never\n/);

    const revoked = await runCli(['apikey', 'revoke', 'crm'], env);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringContaining('Revoked API key "crm"') });
    const refused = await get('/v1/campaigns', key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'DIALER_ERR_API_AUTH' });
    const again = await runCli(['apikey', 'revoke', 'crm'], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('DIALER_ERR_API_KEY');
  });

  it('serves /healthz, /openapi.json and Swagger UI at /docs without a key', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const doc = (await (await get('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/campaigns', '/v1/suppressions']));
    const docs = await get('/docs/');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('stops on SIGTERM with exit 0, and never logged a key', async () => {
    const code = await api!.stop(5000);
    expect(code).toBe(0);
    const output = api!.stdout() + api!.stderr();
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain('dk_');
    api = undefined;
  });

  it('warns when listening beyond loopback', () => {
    expect(exposureWarnings('127.0.0.1')).toEqual([]);
    expect(exposureWarnings('0.0.0.0')).toEqual([expect.stringContaining('TLS-terminating proxy')]);
  });
});
