import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ATTEMPT_REPORT_COLUMNS,
  CANCELLED_REASON,
  CampaignStore,
  attemptReportCells,
  attemptReportRows,
  attemptRows,
  contactIdFor,
  newContactRecord,
  reportRow,
  resolveCampaignSettings,
  storedTime,
  timeText,
  unpackId,
  type AttemptRef,
  type AttemptResultFields,
  type CampaignSettings,
  type Outcome,
} from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

// Every attempt's result is kept (store/lua/end.lua moves a re-dialed attempt's result to the history), and
// the per-attempt report lists them with their own times and reason codes.

let ctx: TestContext;
let store: CampaignStore;
let settings: CampaignSettings;
const T0 = 1_800_000_000_000;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  settings = resolveCampaignSettings({ caller: '+15550001111' }, ctx.config);
});
afterAll(async () => ctx.close());

async function contactIn(campaignId: string, phone: string): Promise<string> {
  await store.createCampaign(campaignId, settings, { now: T0 });
  const id = contactIdFor(phone);
  await store.addContacts(campaignId, [[id, newContactRecord({ p: phone, r: 2, nm: 'Ada' })]]);
  return id;
}

/** Claims, places and ends one attempt as the worker and the ingester do. */
async function callEnds(
  ref: AttemptRef,
  at: number,
  outcome: Outcome,
  fields: AttemptResultFields,
  redialDelayMs?: number,
): Promise<void> {
  expect((await store.attempts.begin(ref, { deadline: at + 60_000, now: at })).kind).toBe('begun');
  const sid = `sid-${ref.attempt}`;
  expect(await store.attempts.dialed(ref, { sid, callId: `call-${ref.attempt}`, now: at + 200 })).toBe('dialed');
  await store.attempts.interim(ref, { amd: 'disabled', ca: iso(at + 1000), cv: sid }, at + 1000);
  const ended = await store.attempts.end(
    { ...ref, from: 'call', outcome, fields: { cv: sid, ...fields }, redialDelayMs },
    at + 5000,
  );
  expect(ended.result).toBe(redialDelayMs === undefined ? 'completed' : 'redial');
}

const busy = { sip: 486, rs: '486 Busy Here', rc: 'Busy Here', da: iso(T0 + 4000) };

describe('every attempt kept', () => {
  it('lists busy → busy → human with each attempt its own times, reason codes and ids', async () => {
    const campaignId = 'att-three';
    const contactId = await contactIn(campaignId, '+15550002001');
    const ref = (attempt: number) => ({ campaignId, contactId, attempt });
    await callEnds(ref(1), T0, 'busy', busy, 60_000);
    await callEnds(ref(2), T0 + 70_000, 'busy', { ...busy, rc: 'User Busy' }, 60_000);
    await callEnds(ref(3), T0 + 140_000, 'answered-human', {
      sip: 200,
      rs: '200 OK',
      rc: 'caller-disconnected',
      amd: 'amd_human_detected',
      du: 14,
      da: iso(T0 + 143_000),
      ss: 'session-3',
    });
    const record = await store.getContact(campaignId, contactId);
    expect(record?.h).toHaveLength(2);

    const rows = attemptRows(record!);
    expect(rows.map((r) => [r.attempt, r.outcome, r.sip_code, r.reason_code])).toEqual([
      [1, 'busy', 486, 'Busy Here'],
      [2, 'busy', 486, 'User Busy'],
      [3, 'answered-human', 200, 'caller-disconnected'],
    ]);
    for (const [i, row] of rows.entries()) {
      const start = T0 + i * 70_000;
      expect(row).toMatchObject({
        phone: '+15550002001',
        name: 'Ada',
        row: 2,
        dialed_at: iso(start),
        connected_at: iso(start + 1000),
        ended_at: iso(start + 5000),
        conversation_id: `sid-${i + 1}`,
        sid: `sid-${i + 1}`,
        call_id: `call-${i + 1}`,
        machine_detection: i === 2 ? 'amd_human_detected' : 'disabled',
      });
    }
    expect(rows[2]).toMatchObject({ duration_s: 14, session_id: 'session-3', disconnected_at: iso(T0 + 143_000) });
    expect(rows[0]!.duration_s).toBeNull();

    // The per-contact row keeps its columns (the last attempt's result) and appends the reason code.
    expect(reportRow(record!)).toMatchObject({
      outcome: 'answered-human',
      attempts: 3,
      sip_code: 200,
      reason_code: 'caller-disconnected',
      conversation_id: 'sid-3',
    });

    const streamed = [];
    for await (const row of attemptReportRows(store, campaignId)) streamed.push(row);
    expect(streamed).toEqual(rows);
    expect(attemptReportCells(rows[0]!)).toHaveLength(ATTEMPT_REPORT_COLUMNS.length);
  });

  it('shows the current attempt while a re-dial waits or is in a call, the last result in the contact row', async () => {
    const campaignId = 'att-progress';
    const contactId = await contactIn(campaignId, '+15550002002');
    const ref = (attempt: number) => ({ campaignId, contactId, attempt });
    await callEnds(ref(1), T0, 'busy', busy, 60_000);
    const waiting = (await store.getContact(campaignId, contactId))!;
    expect(attemptRows(waiting).map((r) => [r.attempt, r.outcome, r.dialed_at])).toEqual([
      [1, 'busy', iso(T0)],
      [2, 'redial-pending', null],
    ]);
    expect(reportRow(waiting)).toMatchObject({ outcome: 'redial-pending', sip_code: 486, reason_code: 'Busy Here' });

    await store.attempts.begin(ref(2), { deadline: T0 + 200_000, now: T0 + 70_000 });
    await store.attempts.dialed(ref(2), { sid: 'sid-2', callId: 'call-2', now: T0 + 70_100 });
    const inCall = (await store.getContact(campaignId, contactId))!;
    expect(attemptRows(inCall)[1]).toMatchObject({
      attempt: 2,
      outcome: 'in-call',
      dialed_at: iso(T0 + 70_000),
      sid: 'sid-2',
      call_id: 'call-2',
      ended_at: null,
      sip_code: null,
    });
    // Attempt 2 has no result yet: the contact row still shows attempt 1's.
    expect(reportRow(inCall)).toMatchObject({ outcome: 'in-call', sip_code: 486, conversation_id: 'sid-1' });
  });

  it('an attempt ended before its dial-out has its own row with only its reason', async () => {
    const campaignId = 'att-cancel';
    const contactId = await contactIn(campaignId, '+15550002003');
    await callEnds({ campaignId, contactId, attempt: 1 }, T0, 'busy', busy, 60_000);
    const ended = await store.attempts.end(
      {
        campaignId,
        contactId,
        attempt: 2,
        from: 'before-dial',
        outcome: 'cancelled',
        fields: { rs: CANCELLED_REASON },
      },
      T0 + 10_000,
    );
    const rows = attemptRows(ended.record!);
    expect(rows[1]).toEqual({
      phone: '+15550002003',
      name: 'Ada',
      row: 2,
      attempt: 2,
      outcome: 'cancelled',
      sip_code: null,
      reason: CANCELLED_REASON,
      reason_code: null,
      machine_detection: null,
      duration_s: null,
      dialed_at: null,
      connected_at: null,
      disconnected_at: null,
      ended_at: iso(T0 + 10_000),
      conversation_id: null,
      session_id: null,
      sid: null,
      call_id: null,
    });
    // As before: the contact row has the last call's columns with the reason it ended.
    expect(reportRow(ended.record!)).toMatchObject({
      outcome: 'cancelled',
      sip_code: 486,
      reason: CANCELLED_REASON,
      reason_code: 'Busy Here',
    });
  });

  it("a late real end replaces the watchdog's `lost` in the history, keeping the attempt's dial-out time and ids", async () => {
    const campaignId = 'att-lost';
    const contactId = await contactIn(campaignId, '+15550002004');
    const ref = { campaignId, contactId, attempt: 1 };
    await store.attempts.begin(ref, { deadline: T0 + 60_000, now: T0 });
    await store.attempts.dialed(ref, { sid: 'sid-1', callId: 'call-1', now: T0 + 100 });
    await store.attempts.end(
      { ...ref, from: 'call', outcome: 'lost', fields: { rs: 'no notification' }, redialDelayMs: 60_000 },
      T0 + 90_000,
    );
    const revised = await store.attempts.end(
      { ...ref, from: 'call', outcome: 'answered-human', fields: { sip: 200, rc: 'caller-disconnected', cv: 'sid-1' } },
      T0 + 95_000,
    );
    expect(revised).toMatchObject({ result: 'completed', revised: true });
    expect(revised.record?.h).toBeUndefined();
    expect(attemptRows(revised.record!)).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'answered-human',
        reason_code: 'caller-disconnected',
        dialed_at: iso(T0),
        ended_at: iso(T0 + 95_000),
        sid: 'sid-1',
        call_id: 'call-1',
      }),
    ]);
  });

  it('a dial-out given back (certainly not placed) leaves no dial-out time', async () => {
    const campaignId = 'att-refused';
    const contactId = await contactIn(campaignId, '+15550002005');
    const ref = { campaignId, contactId, attempt: 1 };
    await store.attempts.begin(ref, { deadline: T0 + 60_000, now: T0 });
    expect(await store.attempts.settle(ref, 'not-placed', T0 + 10)).toBe('settled');
    const record = (await store.getContact(campaignId, contactId))!;
    expect(record.x).toBeUndefined();
    expect(attemptRows(record)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'pending', dialed_at: null })]);
  });
});

describe('stored times', () => {
  it('keeps an exact ISO time as its ms epoch and anything else as the text, both printed back as they came', () => {
    const text = '2026-12-06T22:39:27.158Z';
    expect(storedTime(text)).toBe(Date.parse(text));
    expect(timeText(storedTime(text))).toBe(text);
    for (const raw of ['5/8/2023,11:32:49AM', '2026-12-06T22:39:27Z', '2026-02-30T00:00:00.000Z', 'soon']) {
      expect(storedTime(raw)).toBe(raw);
      expect(timeText(storedTime(raw))).toBe(raw);
    }
    expect(storedTime(undefined)).toBeUndefined();
    expect(timeText(undefined)).toBeNull();
  });
});

describe('packed ids', () => {
  it("keeps a finished attempt's UUIDs packed (13 bytes fewer each) and reports them as the gateway sent them", async () => {
    const campaignId = 'att-ids';
    const contactId = await contactIn(campaignId, '+15550002006');
    const ids = Array.from({ length: 200 }, () => ({
      sid: randomUUID(),
      callId: randomUUID(),
      session: randomBytes(16).toString('hex'),
    }));
    // Every id shape round-trips, the extremes included.
    ids.push({
      sid: '00000000-0000-0000-0000-000000000000',
      callId: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      session: 'f'.repeat(32),
    });
    for (const [i, id] of ids.entries()) {
      const ref = { campaignId, contactId, attempt: i + 1 };
      const at = T0 + i * 10_000;
      await store.attempts.begin(ref, { deadline: at + 60_000, now: at });
      await store.attempts.dialed(ref, { sid: id.sid, callId: id.callId, now: at });
      const last = i === ids.length - 1;
      await store.attempts.end(
        {
          ...ref,
          from: 'call',
          outcome: last ? 'answered-human' : 'busy',
          fields: { cv: id.sid, ss: id.session },
          redialDelayMs: last ? undefined : 0,
        },
        at + 5000,
      );
    }
    const record = (await store.getContact(campaignId, contactId))!;
    expect(record.cv).toHaveLength(23);
    expect(record.cl).toHaveLength(23);
    expect(record.ss).toHaveLength(23);
    expect(record.h?.[0]?.cv).toHaveLength(23);
    const rows = attemptRows(record);
    expect(rows.map((r) => [r.conversation_id, r.sid, r.call_id, r.session_id])).toEqual(
      ids.map((id) => [id.sid, id.sid, id.callId, id.session]),
    );
    expect(reportRow(record).conversation_id).toBe(ids[ids.length - 1]!.sid);
  });

  it('keeps ids of any other shape as they came', () => {
    for (const id of ['sid-1', 'ABCDEF01-2345-6789-ABCD-EF0123456789', '~short', `~${'A'.repeat(22)}x`, 'g'.repeat(32)])
      expect(unpackId(id)).toBe(id);
    expect(unpackId(undefined)).toBeNull();
  });

  it('an upper-case UUID is stored as it came', async () => {
    const campaignId = 'att-upper';
    const contactId = await contactIn(campaignId, '+15550002007');
    const ref = { campaignId, contactId, attempt: 1 };
    const sid = randomUUID().toUpperCase();
    await store.attempts.begin(ref, { deadline: T0 + 60_000, now: T0 });
    await store.attempts.dialed(ref, { sid, callId: 'call-x', now: T0 });
    const ended = await store.attempts.end(
      { ...ref, from: 'call', outcome: 'answered-human', fields: { cv: sid } },
      T0 + 5000,
    );
    expect(ended.record?.cv).toBe(sid);
    expect(attemptRows(ended.record!)[0]).toMatchObject({ conversation_id: sid, sid, call_id: 'call-x' });
  });
});
