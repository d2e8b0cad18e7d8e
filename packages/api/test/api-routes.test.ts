// The HTTP API in-process on a real loopback port (light-my-request, behind inject(), require()s an ES module that
// Jest cannot load) on the test run's private Redis: every /v1 route, the key check,
// idempotent contact pushes, CSV bodies, results as CSV and NDJSON, and the OpenAPI document.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { ApiKeyStore, SuppressionList, type CampaignStatus } from '@dialer/core';
import { captureLogger, testContext, type TestContext } from '@dialer/test-utils';
import { apiRoutes, buildApi } from '@dialer/api';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let auth: { authorization: string };
let keys: ApiKeyStore;
const log = captureLogger('debug');

const SETTINGS = { caller: '+15550001111', window: { start: '00:00', end: '24:00' } };
// Valid New York numbers of a range of their own (exchange 210).
const number = (i: number) => `+1212210${String(1000 + i)}`;

beforeAll(async () => {
  ctx = testContext();
  // Swagger UI's stack cannot load under Jest (api-process.test.ts checks /docs on the real `dialer api`).
  app = await buildApi({ config: ctx.config, logger: log.logger, docsUi: false });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  keys = new ApiKeyStore(ctx.redis, ctx.keys);
  auth = { authorization: `Bearer ${(await keys.create('tests')).key}` };
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json<T = Json>(): T;
}

/** One request with fetch; a string payload goes as is, anything else as JSON. */
async function request(
  method: string,
  url: string,
  options: { payload?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const { payload, headers = {} } = options;
  const json = payload !== undefined && typeof payload !== 'string';
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(payload === undefined ? {} : { body: json ? JSON.stringify(payload) : (payload as string) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await request(method, url, { payload, headers: { ...auth, ...headers } });
  return { status: res.status, body: res.text ? res.json() : undefined, raw: res };
}

async function createCampaign(id: string, settings: Json = SETTINGS) {
  return call('POST', '/v1/campaigns', { id, settings });
}

describe('API keys', () => {
  it('answers 401 DIALER_ERR_API_AUTH without a key, with a wrong one, and with a revoked one', async () => {
    const none = await request('GET', '/v1/campaigns');
    expect(none.status).toBe(401);
    expect(none.json()).toEqual({ code: 'DIALER_ERR_API_AUTH', message: expect.stringContaining('Authorization') });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const wrong = await request('GET', '/v1/campaigns', { headers: { authorization: 'Bearer dk_nope' } });
    expect(wrong.status).toBe(401);

    const temp = await keys.create('temporary');
    const withTemp = { headers: { authorization: `Bearer ${temp.key}` } };
    expect((await request('GET', '/v1/campaigns', withTemp)).status).toBe(200);
    await keys.revoke('temporary');
    const revoked = await request('GET', '/v1/campaigns', withTemp);
    expect(revoked.status).toBe(401);
    expect(revoked.json()).toMatchObject({ code: 'DIALER_ERR_API_AUTH' });
  });

  it('checks the key before reading the body of any /v1 route', async () => {
    for (const route of apiRoutes(app).filter((r) => r.url.startsWith('/v1') && r.method !== 'HEAD')) {
      const res = await request(route.method, route.url.replace(':id', 'x'));
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
    }
  });

  it('stores only hashes, lists no key, and records the last use', async () => {
    expect((await call('GET', '/v1/campaigns')).status).toBe(200);
    const listed = await keys.list();
    expect(listed.find((k) => k.name === 'tests')).toMatchObject({ lastUsedAt: expect.any(String) });
    const stored = JSON.stringify(await ctx.redis.hgetall(ctx.keys.apiKeys()));
    expect(stored).not.toContain(auth.authorization.slice('Bearer '.length));
  });
});

describe('campaigns', () => {
  it('creates a campaign (201), answers 200 for the same settings and 409 for others', async () => {
    const created = await createCampaign('api-create');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ campaign: 'api-create', state: 'running', contacts: 0 });
    const again = await createCampaign('api-create');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ campaign: 'api-create' });
    const other = await createCampaign('api-create', { ...SETTINGS, ratePerSecond: 2 });
    expect(other.status).toBe(409);
    expect(other.body).toEqual({ code: 'DIALER_ERR_SETTINGS', message: expect.stringContaining('ratePerSecond') });
  });

  it('refuses bad input with 400 naming the field', async () => {
    const badSettings = await createCampaign('api-bad', { ...SETTINGS, window: { start: '25:00', end: '24:00' } });
    expect(badSettings.status).toBe(400);
    expect(badSettings.body).toMatchObject({ code: 'DIALER_ERR_SETTINGS', message: expect.stringContaining('window') });
    const unknownKey = await createCampaign('api-bad', { ...SETTINGS, colour: 'red' });
    expect(unknownKey).toMatchObject({ status: 400, body: { code: 'DIALER_ERR_SETTINGS' } });
    const badId = await createCampaign('bad id!');
    expect(badId).toMatchObject({ status: 400, body: { code: 'DIALER_ERR_SETTINGS' } });
    const noId = await call('POST', '/v1/campaigns', { settings: SETTINGS });
    expect(noId.status).toBe(400);
    expect(noId.body).toMatchObject({ code: 'DIALER_ERR_API_INPUT', message: expect.stringContaining('body.id') });
    const notJson = await call('POST', '/v1/campaigns', '{"id":', { 'content-type': 'application/json' });
    expect(notJson).toMatchObject({ status: 400, body: { code: 'DIALER_ERR_API_INPUT' } });
  });

  it('lists campaigns and shows one as `campaign status --json`; 404 for an unknown one', async () => {
    await createCampaign('api-list');
    const list = await call('GET', '/v1/campaigns');
    expect(list.status).toBe(200);
    const ids = list.raw.json<CampaignStatus[]>().map((s) => s.campaign);
    expect(ids).toEqual(expect.arrayContaining(['api-create', 'api-list']));
    const one = await call('GET', '/v1/campaigns/api-list');
    expect(one.status).toBe(200);
    expect(Object.keys(one.body!)).toEqual(
      expect.arrayContaining(['state', 'contacts', 'terminal', 'outcomes', 'pending', 'queue', 'held', 'pace']),
    );
    const missing = await call('GET', '/v1/campaigns/no-such');
    expect(missing).toMatchObject({ status: 404, body: { code: 'DIALER_ERR_CAMPAIGN_NOT_FOUND' } });
  });

  it('pauses, resumes and cancels; a cancelled campaign refuses to resume (409)', async () => {
    await createCampaign('api-control');
    await call('POST', '/v1/campaigns/api-control/contacts', { contacts: [{ phone: number(30) }] });
    const paused = await call('POST', '/v1/campaigns/api-control/pause', { reason: 'lunch' });
    expect(paused).toMatchObject({
      status: 200,
      body: { campaign: 'api-control', state: 'paused', previous: 'running' },
    });
    expect((await call('GET', '/v1/campaigns/api-control')).body).toMatchObject({ pauseReason: 'lunch' });
    const resumed = await call('POST', '/v1/campaigns/api-control/resume');
    expect(resumed).toMatchObject({ status: 200, body: { state: 'running', previous: 'paused' } });
    const cancelled = await call('POST', '/v1/campaigns/api-control/cancel');
    expect(cancelled).toMatchObject({ status: 200, body: { campaign: 'api-control', cancelled: 1, jobsRemoved: 1 } });
    const again = await call('POST', '/v1/campaigns/api-control/resume');
    expect(again).toMatchObject({ status: 409, body: { code: 'DIALER_ERR_CAMPAIGN_STATE' } });
    const missing = await call('POST', '/v1/campaigns/no-such/pause');
    expect(missing.body).toMatchObject({ code: 'DIALER_ERR_CAMPAIGN_NOT_FOUND' });
    expect(missing.status).toBe(404);
  });
});

describe('contacts', () => {
  it('imports JSON contacts by `dialer produce` rules and answers its summary', async () => {
    await createCampaign('api-json');
    const res = await call('POST', '/v1/campaigns/api-json/contacts', {
      contacts: [
        { phone: number(1), name: 'Ada', metadata: { account: 'A1', vip: true } },
        { phone: '(212) 210-1002', name: 'Bob' },
        { phone: number(1), name: 'Ada again' },
        { phone: 'not a number' },
        { phone: number(3), timezone: 'Mars/Olympus' },
      ],
      defaultCountry: 'US',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ campaign: 'api-json', rows: 5, accepted: 2, duplicates: 1, rejected: 2 });
    expect(res.body).not.toHaveProperty('rejectsFile');
    expect((res.body!.rejects as { row: number }[]).map((r) => r.row)).toEqual([5, 6]);
    const status = await call('GET', '/v1/campaigns/api-json');
    expect(status.body).toMatchObject({ contacts: 2 });
  });

  it('counts suppressed numbers and refuses a missing (404) or cancelled (409) campaign', async () => {
    await createCampaign('api-supp');
    expect((await call('POST', '/v1/suppressions', { numbers: [number(20)] })).status).toBe(200);
    const res = await call('POST', '/v1/campaigns/api-supp/contacts', {
      contacts: [{ phone: number(20) }, { phone: number(21) }],
    });
    expect(res.body).toMatchObject({ accepted: 1, suppressed: 1 });
    expect((await call('POST', '/v1/campaigns/nope/contacts', { contacts: [{ phone: number(1) }] })).status).toBe(404);
    await createCampaign('api-gone');
    await call('POST', '/v1/campaigns/api-gone/cancel');
    const gone = await call('POST', '/v1/campaigns/api-gone/contacts', { contacts: [{ phone: number(1) }] });
    expect(gone).toMatchObject({ status: 409, body: { code: 'DIALER_ERR_CAMPAIGN_STATE' } });
  });

  it('bounds a JSON request at 10,000 contacts', async () => {
    await createCampaign('api-big');
    const contacts = Array.from({ length: 10_001 }, (_, i) => ({ phone: `+1212${String(2_000_000 + i)}` }));
    const res = await call('POST', '/v1/campaigns/api-big/contacts', { contacts });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'DIALER_ERR_API_INPUT', message: expect.stringContaining('body.contacts') });
  });

  it('imports a text/csv body with the query options', async () => {
    await createCampaign('api-csv');
    const csv = 'Mobile;name;tier\n(212) 210-1031;Cy;gold\n(212) 210-1032;Di;\n';
    const res = await call('POST', '/v1/campaigns/api-csv/contacts?defaultCountry=US&phoneColumn=Mobile', csv, {
      'content-type': 'text/csv',
    });
    expect(res).toMatchObject({ status: 200, body: { campaign: 'api-csv', rows: 2, accepted: 2, rejected: 0 } });
    const noPhone = await call('POST', '/v1/campaigns/api-csv/contacts', 'who,what\na,b\n', {
      'content-type': 'text/csv',
    });
    expect(noPhone).toMatchObject({ status: 400, body: { code: 'DIALER_ERR_CSV' } });
    expect(noPhone.body!.message).toContain('the request body');
    expect(noPhone.body!.message).not.toContain('/tmp');
  });

  it('repeats the first answer for the same Idempotency-Key and body, and refuses another body (409)', async () => {
    await createCampaign('api-idem');
    const body = { contacts: [{ phone: number(40) }, { phone: number(41) }] };
    const key = { 'idempotency-key': 'push-0001' };
    const first = await call('POST', '/v1/campaigns/api-idem/contacts', body, key);
    expect(first).toMatchObject({ status: 200, body: { accepted: 2, duplicates: 0 } });
    const second = await call('POST', '/v1/campaigns/api-idem/contacts', body, key);
    expect(second.body).toEqual(first.body);
    expect((await call('GET', '/v1/campaigns/api-idem')).body).toMatchObject({ contacts: 2 });
    // Without the key the same push is a new import: nothing is added twice, but it says so.
    const unkeyed = await call('POST', '/v1/campaigns/api-idem/contacts', body);
    expect(unkeyed.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const other = await call('POST', '/v1/campaigns/api-idem/contacts', { contacts: [{ phone: number(42) }] }, key);
    expect(other).toMatchObject({ status: 409, body: { code: 'DIALER_ERR_API_IDEMPOTENCY' } });
    expect((await call('GET', '/v1/campaigns/api-idem')).body).toMatchObject({ contacts: 2 });
    // Kept 24 h, under the campaign's hash tag, by the key's hash only.
    const stored = await ctx.redis.keys(`${ctx.keys.prefix}:{api-idem}:~idem:*`);
    expect(stored).toHaveLength(1);
    expect(stored[0]).not.toContain('push-0001');
    expect(await ctx.redis.ttl(stored[0]!)).toBeGreaterThan(23 * 3600);
  });

  it('keys a CSV push by its bytes too', async () => {
    await createCampaign('api-idem-csv');
    const headers = { 'content-type': 'text/csv', 'idempotency-key': 'csv-1' };
    const csv = `phone\n${number(50)}\n`;
    const first = await call('POST', '/v1/campaigns/api-idem-csv/contacts', csv, headers);
    const second = await call('POST', '/v1/campaigns/api-idem-csv/contacts', csv, headers);
    expect(first.body).toMatchObject({ accepted: 1 });
    expect(second.body).toEqual(first.body);
    const other = await call('POST', '/v1/campaigns/api-idem-csv/contacts', `phone\n${number(51)}\n`, headers);
    expect(other.status).toBe(409);
  });
});

describe('results', () => {
  beforeAll(async () => {
    await createCampaign('api-results');
    await call('POST', '/v1/campaigns/api-results/contacts', {
      contacts: [
        { phone: number(60), name: '=HYPERLINK("x")' },
        { phone: number(61), name: 'Eve' },
      ],
    });
  });

  it('streams CSV for Accept: text/csv, with the report columns and formula escaping', async () => {
    const res = await request('GET', '/v1/campaigns/api-results/results', { headers: { ...auth, accept: 'text/csv' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = res.text.trim().split('\n');
    expect(lines[0]).toBe(
      'phone,name,outcome,attempts,sip_code,reason,machine_detection,duration_s,connected_at,disconnected_at,conversation_id,row,zones,held_by,reason_code',
    );
    expect(lines).toHaveLength(3);
    expect(res.text).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('streams NDJSON otherwise, one row per contact or per attempt', async () => {
    const res = await request('GET', '/v1/campaigns/api-results/results', { headers: auth });
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const rows = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    expect(rows.map((r) => r.phone).sort()).toEqual([number(60), number(61)]);
    expect(rows[0]).toMatchObject({ outcome: 'pending', attempts: 0 });
    const attempts = await request('GET', '/v1/campaigns/api-results/results?attempts=1', {
      headers: { ...auth, accept: 'text/csv' },
    });
    expect(attempts.text.split('\n')[0]).toBe(
      'phone,name,row,attempt,outcome,sip_code,reason,reason_code,machine_detection,duration_s,dialed_at,connected_at,disconnected_at,ended_at,conversation_id,session_id,sid,call_id',
    );
    expect((await call('GET', '/v1/campaigns/nope/results')).status).toBe(404);
  });
});

describe('suppressions', () => {
  it('adds and removes numbers, globally or for a campaign, with `dialer suppress --json` counts', async () => {
    const lists = new SuppressionList(ctx.redis, ctx.keys);
    const add = await call('POST', '/v1/suppressions', {
      numbers: ['(212) 210-1070', number(71)],
      defaultCountry: 'us',
    });
    expect(add).toMatchObject({ status: 200, body: { list: 'global', added: 2, already: 0 } });
    expect(await lists.has(number(70))).toBe(true);
    const campaign = await call('POST', '/v1/suppressions', { numbers: [number(70)], campaign: 'later' });
    expect(campaign.body).toEqual({ list: 'later', added: 1, already: 0 });
    const remove = await call('DELETE', '/v1/suppressions', { numbers: [number(70), number(79)] });
    expect(remove.body).toEqual({ list: 'global', removed: 1, absent: 1 });
    const removeCampaign = await call('DELETE', '/v1/suppressions?campaign=later', { numbers: [number(70)] });
    expect(removeCampaign.body).toEqual({ list: 'later', removed: 1, absent: 0 });
    const bad = await call('POST', '/v1/suppressions', { numbers: [number(72), 'call me'] });
    expect(bad).toMatchObject({
      status: 400,
      body: { code: 'DIALER_ERR_PHONE', message: expect.stringContaining('numbers.1') },
    });
    expect(await lists.has(number(72))).toBe(false);
  });
});

describe('OpenAPI', () => {
  it('documents every /v1 route Fastify serves, without a key', async () => {
    const res = await request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const served = apiRoutes(app).filter((r) => r.url.startsWith('/v1') && r.method !== 'HEAD');
    expect(served.length).toBeGreaterThanOrEqual(9);
    for (const route of served) {
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      expect({ route: `${route.method} ${path}`, documented: !!doc.paths[path]?.[route.method.toLowerCase()] }).toEqual(
        {
          route: `${route.method} ${path}`,
          documented: true,
        },
      );
    }
    const contacts = doc.paths['/v1/campaigns/{id}/contacts']!.post as { requestBody: { content: Json } };
    expect(Object.keys(contacts.requestBody.content)).toEqual(expect.arrayContaining(['application/json', 'text/csv']));
  });
});

describe('logs', () => {
  it('log requests without keys, Authorization headers or phone numbers', () => {
    const text = log.lines.join('\n');
    expect(log.entries().some((e) => e.msg === 'request' && e.route === '/v1/campaigns/:id/contacts')).toBe(true);
    expect(text).not.toContain('dk_');
    expect(text).not.toMatch(/Bearer/i);
    expect(text).not.toMatch(/2122101\d{3}/);
  });
});
