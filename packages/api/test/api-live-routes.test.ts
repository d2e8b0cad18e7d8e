// The API's routes over the run-time changes (real loopback port, the test run's private Redis): a running
// campaign's settings (PATCH), the global limits (GET/PATCH/DELETE), deleting a finished campaign, and sending
// failed results webhook deliveries again.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { ApiKeyStore, CampaignStore } from '@dialer/core';
import { captureLogger, testContext, type TestContext } from '@dialer/test-utils';
import { buildApi } from '@dialer/api';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let auth: Record<string, string>;
let serial = 0;
const log = captureLogger('debug');

const SECRET = 'live-routes-secret-0123456789';
const SETTINGS = { caller: '+15550001111', window: { start: '00:00', end: '24:00' } };

beforeAll(async () => {
  ctx = testContext();
  app = await buildApi({ config: ctx.config, logger: log.logger, docsUi: false });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  auth = { authorization: `Bearer ${(await new ApiKeyStore(ctx.redis, ctx.keys).create('live')).key}` };
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

type Json = Record<string, unknown>;

async function call(method: string, url: string, payload?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function campaign(settings: Json = SETTINGS): Promise<string> {
  const id = `live${++serial}`;
  expect((await call('POST', '/v1/campaigns', { id, settings })).status).toBe(201);
  return id;
}

describe('PATCH /v1/campaigns/{id}/settings', () => {
  it('changes a running campaign from its next dial-out on, and answers the settings with the secret masked', async () => {
    const id = await campaign({ ...SETTINGS, results: { url: 'http://127.0.0.1:9/results', secret: SECRET } });
    const res = await call('PATCH', `/v1/campaigns/${id}/settings`, { ratePerSecond: 7, metadata: { team: 'b' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ campaign: id, state: 'running', changed: ['ratePerSecond', 'metadata'] });
    expect(res.body.settings).toMatchObject({ ratePerSecond: 7, results: { secret: '********' } });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    const stored = await new CampaignStore(ctx.redis, ctx.keys).getCampaign(id);
    expect(stored?.settings).toMatchObject({ ratePerSecond: 7, metadata: { team: 'b' } });
    expect(stored?.settings.results?.secret).toBe(SECRET);
    // null removes an optional key.
    const removed = await call('PATCH', `/v1/campaigns/${id}/settings`, { ratePerSecond: null });
    expect(removed.body.settings).not.toHaveProperty('ratePerSecond');
  });

  it('refuses a key that cannot change and a bad value with 400 DIALER_ERR_SETTINGS naming it', async () => {
    const id = await campaign();
    const fixed = await call('PATCH', `/v1/campaigns/${id}/settings`, { botId: 'other' });
    expect(fixed.status).toBe(400);
    expect(fixed.body).toMatchObject({ code: 'DIALER_ERR_SETTINGS', message: expect.stringContaining('botId') });
    const bad = await call('PATCH', `/v1/campaigns/${id}/settings`, { window: { start: '25:00' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'DIALER_ERR_SETTINGS', message: expect.stringContaining('window') });
  });

  it('answers 404 for an unknown campaign and 409 for a cancelled one', async () => {
    expect((await call('PATCH', '/v1/campaigns/no-such/settings', { ratePerSecond: 2 })).body).toMatchObject({
      code: 'DIALER_ERR_CAMPAIGN_NOT_FOUND',
    });
    const id = await campaign();
    await call('POST', `/v1/campaigns/${id}/cancel`);
    const res = await call('PATCH', `/v1/campaigns/${id}/settings`, { ratePerSecond: 2 });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'DIALER_ERR_CAMPAIGN_STATE' });
  });
});

describe('/v1/limits', () => {
  it('shows, sets (validated) and resets the global limits', async () => {
    const env = await call('GET', '/v1/limits');
    expect(env.body).toMatchObject({
      ratePerSecond: ctx.config.pacing.ratePerSecond,
      maxLiveCalls: ctx.config.pacing.maxLiveCalls,
      source: { ratePerSecond: 'env', maxLiveCalls: 'env' },
    });
    const set = await call('PATCH', '/v1/limits', { ratePerSecond: 42 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ ratePerSecond: 42, source: { ratePerSecond: 'redis', maxLiveCalls: 'env' } });
    expect((await call('GET', '/v1/limits')).body).toMatchObject({ ratePerSecond: 42 });
    for (const bad of [{ ratePerSecond: -1 }, { maxLiveCalls: 1.5 }, {}, { rate: 3 }]) {
      const res = await call('PATCH', '/v1/limits', bad);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'DIALER_ERR_API_INPUT' });
    }
    const reset = await call('DELETE', '/v1/limits');
    expect(reset.body).toMatchObject({
      ratePerSecond: ctx.config.pacing.ratePerSecond,
      source: { ratePerSecond: 'env', maxLiveCalls: 'env' },
    });
  });
});

describe('DELETE /v1/campaigns/{id}', () => {
  it('refuses a running campaign (409), deletes a cancelled one, then finds nothing (404)', async () => {
    const id = await campaign();
    const running = await call('DELETE', `/v1/campaigns/${id}`);
    expect(running.status).toBe(409);
    expect(running.body).toMatchObject({ code: 'DIALER_ERR_CAMPAIGN_STATE' });
    await call('POST', `/v1/campaigns/${id}/cancel`);
    const deleted = await call('DELETE', `/v1/campaigns/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ campaign: id, state: 'cancelled', resumed: false });
    expect((await call('GET', `/v1/campaigns/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/v1/campaigns/${id}`)).status).toBe(404);
    expect(((await call('GET', '/v1/campaigns')).body as unknown as Json[]).map((c) => c.campaign)).not.toContain(id);
  });
});

describe('POST /v1/campaigns/{id}/results/redeliver', () => {
  it('answers how many failed deliveries were queued again; 404 for an unknown campaign', async () => {
    const id = await campaign({ ...SETTINGS, results: { url: 'http://127.0.0.1:9/results', secret: SECRET } });
    expect(await call('POST', `/v1/campaigns/${id}/results/redeliver`)).toEqual({
      status: 200,
      body: { campaign: id, redelivered: 0 },
    });
    expect((await call('POST', '/v1/campaigns/no-such/results/redeliver')).status).toBe(404);
  });
});
