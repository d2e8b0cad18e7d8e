// The HTTP API end to end: a campaign created and filled over HTTP by the real `dialer api`, dialed by a real
// `dialer worker` through the SAVG simulator, its notifications applied by a real `dialer ingester`; every
// contact ends, and the results come back over HTTP as the CLI report has them. The API logs at trace level
// with no key and no full number.
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { ApiKeyStore, createKeys, type ReportRow } from '@dialer/core';
import { spawnCli, waitUntil, type CliProcess } from '@dialer/test-utils';
import { chaosNumber, startCluster, type Cluster } from './chaos-cluster.js';

const CONTACTS = 20;

let c: Cluster;
let api: CliProcess;
let base: string;
let key: string;

beforeAll(async () => {
  c = await startCluster({ env: { DIAL_RATE_PER_SECOND: '50' }, sim: { outcomes: 'human=1' } });
  await c.startIngester();
  await c.startWorker();
  api = spawnCli(['api'], { ...c.env, API_PORT: '0', LOG_LEVEL: 'trace' });
  c.started.push(api);
  base = (await api.waitForOutput(/"address":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"api listening"/, 60_000))[1]!;
  key = (await new ApiKeyStore(c.redis, createKeys(String(c.env.REDIS_PREFIX))).create('e2e')).key;
}, 180_000);
afterAll(async () => c?.close());

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

describe('HTTP API end to end', () => {
  it('creates a campaign, pushes contacts, and every contact ends answered, as the results show', async () => {
    const settings = { caller: '+15550001111', window: { start: '00:00', end: '24:00' } };
    const created = await call('POST', '/v1/campaigns', { id: 'api-e2e', settings });
    expect(created.status).toBe(201);
    const contacts = Array.from({ length: CONTACTS }, (_, i) => ({ phone: chaosNumber(i), name: `Customer ${i}` }));
    const pushed = await call('POST', '/v1/campaigns/api-e2e/contacts', { contacts }, { 'idempotency-key': 'e2e-1' });
    expect(pushed.status).toBe(200);
    expect(JSON.parse(pushed.text)).toMatchObject({ accepted: CONTACTS, rejected: 0 });

    const status = await waitUntil(
      async () => {
        const s = JSON.parse((await call('GET', '/v1/campaigns/api-e2e')).text) as { terminal: number; state: string };
        return s.terminal === CONTACTS && s.state === 'completed' ? s : undefined;
      },
      90_000,
      'every contact of api-e2e terminal over HTTP',
      250,
    );
    expect(status).toMatchObject({ contacts: CONTACTS, outcomes: { 'answered-human': CONTACTS } });

    const ndjson = await call('GET', '/v1/campaigns/api-e2e/results');
    const rows = ndjson.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ReportRow);
    expect(rows).toHaveLength(CONTACTS);
    expect(rows.every((r) => r.outcome === 'answered-human' && r.attempts === 1)).toBe(true);
    // The same rows as `dialer report` prints.
    const report = await c.report('api-e2e');
    const byPhone = (a: ReportRow, b: ReportRow) => a.phone.localeCompare(b.phone);
    expect([...rows].sort(byPhone)).toEqual([...report].sort(byPhone));

    const csv = await call('GET', '/v1/campaigns/api-e2e/results?attempts=1', undefined, { accept: 'text/csv' });
    expect(csv.text.trim().split('\n')).toHaveLength(CONTACTS + 1);
    expect(await c.sim.dialouts()).toHaveLength(CONTACTS);

    const log = api.stdout() + api.stderr();
    expect(log).toContain('"msg":"contacts pushed"');
    expect(log).not.toContain(key);
    expect(log).not.toMatch(/Bearer/i);
    for (const { phone } of contacts) expect(log).not.toContain(phone.slice(2));
  });
});
