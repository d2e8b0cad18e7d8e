import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SavgAuthToken, parseNotification } from '@dialer/core';
import got from 'got';
import type { DialoutRecord, NotificationRecord, RecordPage, SimulatorStats } from '../src/index.js';
import {
  BOT,
  CREDS,
  dial,
  dialBody,
  getJson,
  startReceiver,
  startSim,
  until,
  type Receiver,
  type RunningSimulator,
} from './helpers.js';

describe('simulator dial-out over HTTP', () => {
  let sim: RunningSimulator;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startSim({ outcomes: 'human=1', spelling: 'new' });
  });

  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('answers 401 to a missing, forged or foreign JWT without placing a call', async () => {
    const forged = await new SavgAuthToken({ ...CREDS, clientSecret: 'not-the-secret-0000000000000' }).get();
    const foreign = await new SavgAuthToken({ ...CREDS, clientId: 'someone-else' }).get();
    for (const token of [null, 'garbage', forged, foreign]) {
      const response = await dial(sim, dialBody('tel:+15550000001'), { token });
      expect(response.statusCode).toBe(401);
      expect(typeof response.body['error']).toBe('string');
    }
    const records = sim.state.dialouts().items.slice(-4);
    expect(records.map((r) => [r.status, r.sid, r.claims])).toEqual(Array(4).fill([401, undefined, undefined]));
  });

  it('answers 400 naming the bad field, and 400 to malformed JSON', async () => {
    const response = await dial(sim, { caller: '+1555' });
    expect(response.statusCode).toBe(400);
    expect(response.body['error']).toMatch(/^target\b/);
    const badUrl = await dial(sim, dialBody('tel:+15550000001', 'not a url'));
    expect(badUrl.body['error']).toMatch(/^notifyurl\b/);
    const malformed = await got.post(sim.dialoutUrl, {
      body: '{"target":',
      headers: { 'content-type': 'application/json', auth: await new SavgAuthToken(CREDS).get() },
      throwHttpErrors: false,
      retry: { limit: 0 },
    });
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body)).toEqual({ error: expect.any(String) });
    const last = sim.state.dialouts().items.at(-1)!;
    expect(last).toMatchObject({ status: 400, botId: BOT, sid: undefined });
  });

  it('places a call, records the request and delivers a parseable notification', async () => {
    const body = dialBody('tel:+15550000002', receiver.url, {
      trunk: 'TRUNK',
      metadata: { name: 'Ada' },
      timers: { noSpeechTimeoutMs: 5000 },
      machinedetection: 'disconnect',
      thresholdWordCount: 4,
    });
    const response = await dial(sim, body);
    expect(response.statusCode).toBe(200);
    const { sid, callId } = response.body as { sid: string; callId: string };
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(callId).toMatch(/^[0-9a-f-]{36}$/);
    const record = sim.state.dialouts().items.find((r) => r.sid === sid)!;
    expect(record).toMatchObject({
      status: 200,
      botId: BOT,
      callId,
      outcome: 'human',
      claims: { appId: CREDS.clientId },
    });
    expect(record.request).toEqual({ ...body, machinedetection: undefined, machineDetection: 'disconnect' });
    expect(JSON.stringify(record)).not.toContain(CREDS.clientSecret);

    const delivered = await until(() => receiver.bodies.find((b) => b['conversationId'] === sid), 'notification');
    const parsed = parseNotification(delivered);
    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({ status: 'completed', machineDetection: 'amd_human_detected' }),
    });
    await until(() => sim.state.notifications().items.find((n) => n.sid === sid && n.receiverStatus === 200), 'record');
  });

  it('honours a scripted sequence busy, busy, human for one target', async () => {
    sim.state.setScript('+15550001111', ['busy', 'busy', 'human']);
    const sids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await dial(sim, dialBody('tel:+15550001111', receiver.url));
      sids.push(response.body['sid'] as string);
    }
    const finals = await until(() => {
      const found = sids.map((sid) => receiver.bodies.find((b) => b['conversationId'] === sid));
      return found.every(Boolean) ? (found as Array<Record<string, unknown>>) : undefined;
    }, 'four notifications');
    expect(finals.map((b) => b['reason'])).toEqual(['486 Busy Here', '486 Busy Here', '200 OK', '200 OK']);
    expect(finals.map((b) => b['status'])).toEqual(['failed', 'failed', 'completed', 'completed']);
  });

  it('produces both spellings, each parseable', async () => {
    const spellings: Record<string, Record<string, unknown>> = {};
    for (const spelling of ['old', 'new'] as const) {
      sim.state.updateConfig({ spelling, outcomes: { busy: 1 } });
      const sid = (await dial(sim, dialBody('tel:+15550000003', receiver.url))).body['sid'];
      spellings[spelling] = await until(() => receiver.bodies.find((b) => b['conversationId'] === sid), spelling);
    }
    expect(Object.keys(spellings['old']!)).toEqual(expect.arrayContaining(['callconnecttime', 'callDisconnectTime']));
    expect(spellings['old']!['callconnecttime']).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4},\d{1,2}:\d{2}:\d{2}[AP]M$/);
    expect(Object.keys(spellings['new']!)).toEqual(expect.arrayContaining(['callConnectTime', 'sessionId']));
    expect(spellings['new']!['callConnectTime']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    for (const body of Object.values(spellings)) {
      const parsed = parseNotification(body);
      expect(parsed.ok && parsed.value.reason).toBe('486 Busy Here');
    }
    sim.state.updateConfig({ spelling: 'new', outcomes: 'human=1' });
  });

  it('sends the AMD interim event before the final one when asked to detect', async () => {
    sim.state.updateConfig({ interimEvents: true, outcomes: 'machine=1' });
    const sid = (await dial(sim, dialBody('tel:+15550000004', receiver.url, { machineDetection: 'detect' }))).body[
      'sid'
    ];
    const both = await until(() => {
      const mine = receiver.bodies.filter((b) => b['conversationId'] === sid);
      return mine.length === 2 ? mine : undefined;
    }, 'interim and final');
    expect(both.map((b) => b['status'])).toEqual(['Call-In-Progress', 'completed']);
    expect(both.map((b) => b['machineDetection'])).toEqual(['amd_machine_detected', 'amd_machine_detected']);
    sim.state.updateConfig({ interimEvents: false, outcomes: 'human=1' });
  });

  it('never notifies a silent call or a call without notifyurl', async () => {
    sim.state.setScript('tel:+15550000005', ['silent']);
    const silent = (await dial(sim, dialBody('tel:+15550000005', receiver.url))).body['sid'] as string;
    const unnotified = (await dial(sim, dialBody('tel:+15550000006'))).body['sid'] as string;
    await until(() => sim.state.stats().notifications.pendingCalls === 0, 'no pending notifications');
    expect(sim.state.notifications().items.filter((n) => n.sid === silent || n.sid === unnotified)).toEqual([]);
    expect(sim.state.dialouts().items.find((r) => r.sid === silent)?.outcome).toBe('silent');
  });

  it('serves records and stats over /__sim, pages with since/limit, validates config', async () => {
    const page = await getJson<RecordPage<DialoutRecord>>(`${sim.url}/__sim/dialouts?since=0&limit=2`);
    expect(page.items.map((r) => r.seq)).toEqual([1, 2]);
    const next = await getJson<RecordPage<DialoutRecord>>(`${sim.url}/__sim/dialouts?since=${page.next}&limit=1`);
    expect(next.items.map((r) => r.seq)).toEqual([3]);
    const notes = await getJson<RecordPage<NotificationRecord>>(`${sim.url}/__sim/notifications`);
    expect(notes.items.length).toBeGreaterThan(0);
    expect(notes.items[0]).toEqual(expect.objectContaining({ url: receiver.url, receiverStatus: 200, kind: 'final' }));
    const stats = await getJson<SimulatorStats>(`${sim.url}/__sim/stats`);
    expect(stats.byHttpStatus['401']).toBe(4);
    expect(stats.placed).toBe(stats.byHttpStatus['200']);
    expect(stats.notifications.byReceiverStatus['200']).toBe(stats.notifications.sent);
    expect(await getJson(`${sim.url}/healthz`)).toEqual({ status: 'ok' });

    const bad = await got.put(`${sim.url}/__sim/config`, {
      json: { rate429: 2 },
      throwHttpErrors: false,
      retry: { limit: 0 },
    });
    expect(bad.statusCode).toBe(400);
    expect((JSON.parse(bad.body) as { error: string }).error).toMatch(/^rate429\b/);
    const typo = await got.put(`${sim.url}/__sim/config`, {
      json: { rate492: 0.1 },
      throwHttpErrors: false,
      retry: { limit: 0 },
    });
    expect(typo.statusCode).toBe(400);
    const good = await got
      .put(`${sim.url}/__sim/config`, { json: { faults: '429=0.5', scripts: { '+15550007777': 'busy,human' } } })
      .json<Record<string, unknown>>();
    expect(good).toMatchObject({ rate429: 0.5, scripts: { 'tel:+15550007777': ['busy', 'human'] } });
    await got.put(`${sim.url}/__sim/config`, { json: { rate429: 0 } });

    const reset = await got.post(`${sim.url}/__sim/reset`, { retry: { limit: 0 } });
    expect(reset.statusCode).toBe(204);
    const after = await getJson<SimulatorStats>(`${sim.url}/__sim/stats`);
    expect(after.dialouts).toBe(0);
    expect((await getJson<RecordPage<DialoutRecord>>(`${sim.url}/__sim/dialouts`)).items).toEqual([]);
  });
});
