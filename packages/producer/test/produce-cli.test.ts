// `dialer produce` through the built CLI (run `pnpm build` first): the outside interface of docs/design.md (Outside interface).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { CampaignQueues, CampaignStore, contactIdFor, createKeys, loadConfig } from '@dialer/core';
import { contactIdOf, testEnv, waitUntil } from '@dialer/test-utils';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = `${ROOT}packages/cli/dist/main.js`;

let fx: ProducerFixture;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  fx = producerFixture();
  env = { ...process.env, ...testEnv({ LOG_LEVEL: 'warn' }) };
});
afterAll(async () => fx.close());

function dialer(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a script against the compiled producer package (where the parse worker exists) in a child process. */
function builtScript(
  code: string,
  extraEnv: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: `${ROOT}packages/producer`,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stdout, stderr }));
  });
}

function csvOf(count: number, extra: string[] = []): string {
  const lines = ['phone,name,plan'];
  for (let i = 0; i < count; i++) lines.push(`${usNumber(i)},Person ${i},gold`);
  return `${[...lines, ...extra].join('\n')}\n`;
}

describe('dialer produce (built CLI)', () => {
  it('is built', () => {
    expect(existsSync(MAIN)).toBe(true);
  });

  it('--json prints exactly the summary object on stdout and exits 0, even with rejected rows', async () => {
    const file = fx.file('cli.csv', csvOf(1500, [`${usNumber(5)},Dup,gold`, 'nonsense,Bad,gold']));
    const run = await dialer(['produce', file, '--campaign', 'cli', '--json']);
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      campaign: 'cli',
      rows: 1502,
      accepted: 1500,
      duplicates: 1,
      rejected: 1,
      suppressed: 0,
      rejectsFile: `${file}.rejects.csv`,
    });
    for (const key of ['campaign', 'rows', 'accepted', 'duplicates', 'rejected', 'suppressed'])
      expect(summary).toHaveProperty(key);

    // What the CLI wrote: 1,500 contacts, one dial job each, under the environment's prefix.
    const keys = createKeys(env.REDIS_PREFIX!);
    const store = new CampaignStore(fx.ctx.redis, keys);
    expect((await store.stats('cli')).contacts).toBe(1500);
    const queues = new CampaignQueues(fx.ctx.redis, keys);
    expect(await queues.get('cli').getWaitingCount()).toBe(1500);
    await queues.close();

    const again = await dialer(['produce', file, '--campaign', 'cli', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: 0, duplicates: 1501, rejected: 1 });
  });

  it('prints a human summary naming the rejects file without --json', async () => {
    const file = fx.file('human.csv', csvOf(3, ['bad,Bad,gold']));
    const run = await dialer(['produce', file, '--campaign', 'human', '--default-country', 'US']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Imported ${file} into campaign "human"`);
    expect(run.stdout).toMatch(/accepted\s+3/);
    expect(run.stdout).toContain(`${file}.rejects.csv`);
  });

  it('--dry-run --json marks the summary and writes nothing', async () => {
    const file = fx.file('dry.csv', csvOf(10));
    const run = await dialer(['produce', file, '--campaign', 'dry', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ campaign: 'dry', rows: 10, accepted: 10, dryRun: true });
    const store = new CampaignStore(fx.ctx.redis, createKeys(env.REDIS_PREFIX!));
    expect(await store.getCampaign('dry')).toBeUndefined();
  });

  it('unusable input: non-zero exit, the problem on stderr, nothing on stdout', async () => {
    const missing = await dialer(['produce', `${fx.dir}/missing.csv`, '--campaign', 'bad', '--json']);
    expect(missing.code).not.toBe(0);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/DIALER_ERR_CSV: CSV file not found: .*missing\.csv/);

    const settings = fx.file('bad-settings.json', '{"caller": "+15550001111", "machineDetection": "maybe"}');
    const badSettings = await dialer([
      'produce',
      fx.file('ok.csv', csvOf(2)),
      '--campaign',
      'bad',
      '--settings',
      settings,
      '--json',
    ]);
    expect(badSettings.code).not.toBe(0);
    expect(badSettings.stderr).toMatch(/DIALER_ERR_SETTINGS: .*bad-settings\.json.*machineDetection/);

    const noCampaign = await dialer(['produce', fx.file('ok2.csv', csvOf(2))]);
    expect(noCampaign.code).not.toBe(0);
    expect(noCampaign.stderr).toContain('--campaign');
  });
});

describe('Ctrl-C during an import', () => {
  it('finishes the rows already read, says so, exits 130; the re-run completes the import', async () => {
    const file = fx.file('sigint.csv', csvOf(30_000));
    const store = new CampaignStore(fx.ctx.redis, createKeys(env.REDIS_PREFIX!));
    const child = spawn(process.execPath, [MAIN, 'produce', file, '--campaign', 'sigint', '--json'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitUntil(async () => (await store.stats('sigint')).contacts > 0, 30_000, 'the first contacts');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('Interrupted');
    const first = JSON.parse(stdout) as { accepted: number; aborted?: boolean };
    expect(first.aborted).toBe(true);
    expect(first.accepted).toBeLessThan(30_000);
    expect((await store.stats('sigint')).contacts).toBe(first.accepted);

    const again = await dialer(['produce', file, '--campaign', 'sigint', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({
      rows: 30_000,
      accepted: 30_000 - first.accepted,
      duplicates: first.accepted,
    });
    const queues = new CampaignQueues(fx.ctx.redis, createKeys(env.REDIS_PREFIX!));
    expect(await queues.get('sigint').getWaitingCount()).toBe(30_000);
    await queues.close();
  });
});

describe('parsing in a worker thread (built package)', () => {
  it('imports, stops early when aborted, finishes on a re-run, and reports header errors', async () => {
    const file = fx.file('pw.csv', csvOf(3000, ['junk,Bad,gold', `${usNumber(7)},Dup,gold`]));
    const noPhone = fx.file('pw-nophone.csv', 'name,plan\nA,gold\n');
    const script = `
      const { createKeys, createRedis, loadConfig } = await import('@dialer/core');
      const { runImport } = await import('./dist/index.js');
      const config = loadConfig(process.env, 'producer');
      const redis = createRedis(config.redisUrl, 'blocking', 'pw-test');
      const deps = { redis, keys: createKeys(config.keyPrefix), config };
      const abort = new AbortController();
      const onProgress = (p) => { if (p.rows >= 600) abort.abort(); };
      const first = await runImport({ file: process.env.PW_FILE, campaignId: 'pw', parseInWorker: true, chunkSize: 200, signal: abort.signal, onProgress }, deps);
      const second = await runImport({ file: process.env.PW_FILE, campaignId: 'pw', parseInWorker: true, chunkSize: 200 }, deps);
      let bad;
      try { await runImport({ file: process.env.PW_NOPHONE, campaignId: 'pw2', parseInWorker: true }, deps); } catch (e) { bad = { code: e.code, message: e.message }; }
      process.stdout.write(JSON.stringify({ first, second, bad }));
      await redis.quit();
    `;
    const run = await builtScript(script, { PW_FILE: file, PW_NOPHONE: noPhone });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { first, second, bad } = JSON.parse(run.stdout) as Record<string, Record<string, unknown>>;
    expect(first).toMatchObject({ aborted: true });
    expect(first!.accepted).toBeLessThan(3000);
    expect(second).toMatchObject({
      rows: 3002,
      accepted: 3000 - (first!.accepted as number),
      duplicates: (first!.accepted as number) + 1,
      rejected: 1,
      rejectsFile: `${file}.rejects.csv`,
    });
    expect(bad).toMatchObject({ code: 'DIALER_ERR_CSV', message: expect.stringContaining('no phone column') });
    const queues = new CampaignQueues(fx.ctx.redis, createKeys(env.REDIS_PREFIX!));
    expect(await queues.get('pw').getWaitingCount()).toBe(3000);
    await queues.close();
    // The parsing thread made the campaign's keyed ids.
    const keys = createKeys(env.REDIS_PREFIX!);
    const id = await contactIdOf({ redis: fx.ctx.redis, keys, config: loadConfig(env) }, 'pw', usNumber(7));
    expect(id).not.toBe(contactIdFor(usNumber(7)));
    expect(await new CampaignStore(fx.ctx.redis, keys).getContact('pw', id)).toMatchObject({ p: usNumber(7) });
  });
});
