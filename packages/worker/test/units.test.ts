// Pure pieces of the worker: retry classification, dial-time rules, the request body, the semaphore.
import { describe, it, expect } from '@jest/globals';
import { dialoutRequestSchema, loadConfig, resolveCampaignSettings, newContactRecord } from '@dialer/core';
import { TEST_SECRETS } from '@dialer/test-utils';
import {
  EXPIRED_REASON,
  Semaphore,
  buildDialoutRequest,
  checkDialTime,
  classifyDialoutError,
  classifyDialoutResponse,
  parseRetryAfter,
} from '@dialer/worker';

const config = loadConfig({ ...TEST_SECRETS, REDIS_PREFIX: 'unit' });

describe('classifyDialoutResponse', () => {
  const kind = (status: number, body = '{}', headers: Record<string, string> = {}) =>
    classifyDialoutResponse(status, headers, body).kind;

  it('2xx with sid/callId is placed; a 2xx without them may still be a call (uncertain)', () => {
    expect(classifyDialoutResponse(200, {}, '{"sid":"s1","callId":"c1","extra":1}')).toEqual({
      kind: 'placed',
      status: 200,
      sid: 's1',
      callId: 'c1',
    });
    expect(kind(201, 'not json')).toBe('uncertain');
    expect(kind(200, '{"sid":""}')).toBe('uncertain');
  });

  it('maps each status class as docs/guarantees.md says', () => {
    // Refusals by the server that received the request, and the gateway's own 502/504 (its JSON error).
    for (const s of [503, 408]) expect(kind(s)).toBe('unavailable');
    for (const s of [502, 504]) {
      expect(kind(s, '{"error":"service temporarily unavailable"}')).toBe('unavailable');
      expect(kind(s, '{"errors":[{"msg":"upstream failed","code":502}]}')).toBe('unavailable');
    }
    // A proxy's 502/504 (HTML, plain text, an API gateway's {"message"}, nothing): the request may have been forwarded.
    for (const s of [502, 504]) {
      for (const body of [
        '<html><body><h1>502 Bad Gateway</h1></body></html>',
        'upstream connect error',
        '{"message":"Internal server error"}',
        '',
        '[]',
      ]) {
        expect(kind(s, body)).toBe('uncertain');
      }
    }
    // This contact's data: the contact ends rejected.
    for (const s of [400, 413, 414, 422, 409, 410]) expect(kind(s)).toBe('rejected');
    // Credentials, account, bot id / URL, how we speak HTTP: every contact would get them, the campaign pauses.
    for (const s of [401, 402, 403, 404, 405, 406, 415, 301, 302]) expect(kind(s)).toBe('config');
    for (const s of [500, 501, 599]) expect(kind(s)).toBe('uncertain');
    expect(kind(429)).toBe('rate-limited');
  });

  it('keeps the reason short and masks numbers the body may echo', () => {
    const r = classifyDialoutResponse(400, {}, JSON.stringify({ error: 'target tel:+15551234567 is invalid' }));
    expect(r).toMatchObject({ kind: 'rejected', detail: 'HTTP 400: target tel:***4567 is invalid' });
    const auth = classifyDialoutResponse(401, {}, '{"error":"signature verification failed"}');
    expect(auth.kind === 'config' && auth.detail).toMatch(
      /^SAVG answered 401: check SAVG_CLIENT_ID\/SAVG_CLIENT_SECRET/,
    );
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(classifyDialoutResponse(429, { 'retry-after': '3' }, '')).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 3000,
    });
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 5000)).toBe(5000);
    expect(parseRetryAfter('99999')).toBe(600_000);
  });
});

describe('classifyDialoutError', () => {
  it('failures before the request was sent are retried; after it, the attempt is uncertain', () => {
    expect(classifyDialoutError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }).kind).toBe('unavailable');
    expect(classifyDialoutError({ code: 'ENOTFOUND', message: 'getaddrinfo' }).kind).toBe('unavailable');
    expect(classifyDialoutError({ code: 'EAI_AGAIN', message: 'dns' }).kind).toBe('unavailable');
    expect(classifyDialoutError({ name: 'TimeoutError', code: 'ETIMEDOUT', event: 'connect', timings: {} }).kind).toBe(
      'unavailable',
    );
    expect(classifyDialoutError({ code: 'ECONNRESET', timings: {} }).kind).toBe('unavailable');
    expect(
      classifyDialoutError({ name: 'TimeoutError', code: 'ETIMEDOUT', event: 'request', timings: { upload: 1 } }).kind,
    ).toBe('uncertain');
    expect(classifyDialoutError({ code: 'ECONNRESET', message: 'socket hang up', timings: { upload: 1 } }).kind).toBe(
      'uncertain',
    );
  });
});

describe('checkDialTime', () => {
  const contact = newContactRecord({ p: '+15550001111', r: 2 });
  const at = (iso: string) => Date.parse(iso);

  it('dials without dates, waits for startAt, expires after endAt', () => {
    expect(checkDialTime(contact, resolveCampaignSettings({}, config), at('2030-01-02T12:00:00Z'))).toEqual({
      kind: 'dial',
    });
    const s = resolveCampaignSettings({ startAt: '2030-01-01T09:00:00Z', endAt: '2030-01-05T18:00:00Z' }, config);
    expect(checkDialTime(contact, s, at('2029-12-31T00:00:00Z'))).toMatchObject({
      kind: 'delay',
      untilMs: at('2030-01-01T09:00:00Z'),
    });
    expect(checkDialTime(contact, s, at('2030-01-02T12:00:00Z'))).toEqual({ kind: 'dial' });
    expect(checkDialTime(contact, s, at('2030-01-05T18:00:00Z'))).toEqual({ kind: 'expire', reason: EXPIRED_REASON });
  });

  it("follows the window in the contact's zone, with a guard before it closes and before endAt", () => {
    const s = resolveCampaignSettings({ window: { start: '09:00', end: '20:00' } }, config);
    const ny = newContactRecord({ p: '+12125550100', r: 2 });
    const tokyo = newContactRecord({ p: '+12125550100', r: 2, tz: 'Asia/Tokyo' });
    // 14:00 UTC = 09:00 in New York (EST), 23:00 in Tokyo.
    expect(checkDialTime(ny, s, at('2030-01-02T14:00:00Z'))).toEqual({ kind: 'dial' });
    expect(checkDialTime(tokyo, s, at('2030-01-02T14:00:00Z'))).toMatchObject({
      kind: 'delay',
      untilMs: at('2030-01-03T00:00:00Z'),
    });
    // A second before 20:00 in New York: too late to start a dial-out; the next day's opening.
    expect(checkDialTime(ny, s, at('2030-01-03T00:59:59Z'))).toMatchObject({
      kind: 'delay',
      untilMs: at('2030-01-03T14:00:00Z'),
    });
    expect(checkDialTime(ny, s, at('2030-01-03T00:59:59Z'), 0)).toEqual({ kind: 'dial' });
    // No opening before endAt: wait for endAt, then expire (also a second before it).
    const ending = resolveCampaignSettings(
      { window: { start: '09:00', end: '20:00' }, endAt: '2030-01-07T12:00:00Z' },
      config,
    );
    expect(checkDialTime(ny, ending, at('2030-01-07T02:00:00Z'))).toMatchObject({
      kind: 'delay',
      untilMs: at('2030-01-07T12:00:00Z'),
    });
    expect(checkDialTime(ny, ending, at('2030-01-07T11:59:59Z'))).toEqual({ kind: 'expire', reason: EXPIRED_REASON });
  });

  it('judges every zone and region of the locale it is given, and blackout dates in local calendars', () => {
    const s = resolveCampaignSettings(
      {
        window: { start: '09:00', end: '20:00' },
        blackoutDates: ['2030-01-03'],
        regionRules: { 'US-FL': { end: '19:00' } },
      },
      config,
    );
    const ny = newContactRecord({ p: '+12125550100', r: 2 });
    // Wed 2030-01-02 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles.
    expect(checkDialTime(ny, s, at('2030-01-02T15:00:00Z'))).toEqual({ kind: 'dial' });
    const coasts = { zones: ['America/New_York', 'America/Los_Angeles'], regions: [] };
    expect(checkDialTime(ny, s, at('2030-01-02T15:00:00Z'), 2000, coasts)).toEqual({
      kind: 'delay',
      untilMs: at('2030-01-02T17:00:00Z'),
      reason: 'outside the calling window (America/Los_Angeles of America/New_York, America/Los_Angeles)',
      why: 'window',
    });
    // 19:30 in New York: open by the window, not by the Florida rule; the next day is a blackout date.
    expect(
      checkDialTime(ny, s, at('2030-01-03T00:30:00Z'), 2000, { zones: ['America/New_York'], regions: ['US-FL'] }),
    ).toEqual({
      kind: 'delay',
      untilMs: at('2030-01-04T14:00:00Z'),
      reason: 'outside the hours of region rule US-FL: 09:00–19:00 (America/New_York)',
      why: 'region-rule',
    });
    expect(checkDialTime(ny, s, at('2030-01-03T15:00:00Z'))).toEqual({
      kind: 'delay',
      untilMs: at('2030-01-04T14:00:00Z'),
      reason: '2030-01-03 is a blackout date (America/New_York)',
      why: 'blackout',
    });
    // A window that never opens for the zones: looked at again in an hour.
    const apart = { zones: ['America/New_York', 'Asia/Bangkok'], regions: [] }; // 12 h apart
    expect(checkDialTime(ny, s, at('2030-01-02T15:00:00Z'), 2000, apart)).toMatchObject({
      kind: 'delay',
      untilMs: at('2030-01-02T16:00:00Z'),
      reason: expect.stringContaining('never open in all of America/New_York, Asia/Bangkok'),
      why: 'window',
    });
    // startAt is not the calling rules: no why.
    const later = resolveCampaignSettings({ startAt: '2030-01-05T00:00:00Z' }, config);
    expect(checkDialTime(ny, later, at('2030-01-02T15:00:00Z'))).toEqual({
      kind: 'delay',
      untilMs: at('2030-01-05T00:00:00Z'),
      reason: 'campaign has not started yet (startAt)',
    });
  });

  it('without window.timezone, a contact with no zone of its own is judged in UTC, as before', () => {
    const s = resolveCampaignSettings({ window: { start: '09:00', end: '20:00' } }, config);
    expect(s.window.timezone).toBeUndefined();
    const sip = newContactRecord({ p: 'sip:alice@example.com', r: 2 });
    expect(checkDialTime(sip, s, at('2030-01-02T09:00:00Z'))).toEqual({ kind: 'dial' });
    expect(checkDialTime(sip, s, at('2030-01-02T08:59:59Z'))).toMatchObject({
      kind: 'delay',
      untilMs: at('2030-01-02T09:00:00Z'),
      reason: 'outside the calling window (UTC)',
    });
  });
});

describe('buildDialoutRequest', () => {
  it('builds a body the documented schema accepts, contact metadata over campaign defaults', () => {
    const settings = resolveCampaignSettings(
      { trunk: 'T', metadata: { a: '1', b: '2' }, timers: { toneTimeoutMs: 10 }, thresholdWordCount: 3 },
      config,
    );
    const contact = newContactRecord({ p: 'sip:alice@example.com', r: 2, nm: 'Alice', md: { b: 'x' } });
    const body = buildDialoutRequest({ settings, contact, botId: 'st-1', notifyUrl: 'https://n.example/notify/t' });
    expect(body).toEqual({
      bot: 'st-1',
      target: 'sip:alice@example.com',
      caller: TEST_SECRETS.SAVG_CALLER,
      trunk: 'T',
      notifyurl: 'https://n.example/notify/t',
      machineDetection: 'detect',
      metadata: { a: '1', b: 'x', name: 'Alice' },
      timers: { toneTimeoutMs: 10 },
      thresholdWordCount: 3,
    });
    expect(dialoutRequestSchema.parse(body)).toEqual(body);
  });

  it('v2 names the bot as botId too; ringTimeoutMs, targetFormat and the notify token fill the newer fields', () => {
    const settings = resolveCampaignSettings({ ringTimeoutMs: 25_000, targetFormat: 'digits' }, config);
    const contact = newContactRecord({ p: '+14155550100', r: 2 });
    const body = buildDialoutRequest({
      settings,
      contact,
      botId: 'st-1',
      notifyUrl: 'https://n.example/notify/a.b.c',
      notifyToken: 'a.b.c',
      apiVersion: 'v2',
    });
    expect(body).toEqual({
      bot: 'st-1',
      botId: 'st-1',
      target: 'tel:14155550100',
      caller: TEST_SECRETS.SAVG_CALLER,
      notifyurl: 'https://n.example/notify/a.b.c',
      notifyHeaders: { 'x-dialer-token': 'a.b.c' },
      machineDetection: 'detect',
      timeoutInMs: 25_000,
    });
    expect(dialoutRequestSchema.parse(body)).toEqual(body);
    // SIP URIs are sent as they are, whatever the format.
    const sip = newContactRecord({ p: 'sip:alice@example.com', r: 2 });
    expect(
      buildDialoutRequest({ settings, contact: sip, botId: 'st-1', notifyUrl: 'https://n.example/x' }).target,
    ).toBe('sip:alice@example.com');
  });
});

describe('Semaphore', () => {
  it('hands out at most `size` permits, FIFO, and lets waiters give up', async () => {
    const sem = new Semaphore(2);
    await sem.acquire();
    await sem.acquire();
    const order: number[] = [];
    const w1 = sem.acquire().then(() => order.push(1));
    const abort = new AbortController();
    const w2 = sem.acquire(abort.signal).then(
      () => order.push(2),
      () => order.push(-2),
    );
    const w3 = sem.acquire().then(() => order.push(3));
    expect(sem.waiting).toBe(3);
    abort.abort();
    await w2;
    sem.release();
    sem.release();
    await Promise.all([w1, w3]);
    expect(order).toEqual([-2, 1, 3]);
    expect(sem.inUse).toBe(2);
  });
});
