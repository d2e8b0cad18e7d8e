import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignStore,
  REPORT_COLUMNS,
  contactIdFor,
  newContactRecord,
  reportCells,
  reportRow,
  reportRows,
  resolveCampaignSettings,
  type ContactRecord,
} from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: CampaignStore;

beforeAll(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
});
afterAll(async () => ctx.close());

describe('report rows', () => {
  it('has the report columns of docs/design.md in order', () => {
    expect(REPORT_COLUMNS.join(',')).toBe(
      'phone,name,outcome,attempts,sip_code,reason,machine_detection,duration_s,connected_at,disconnected_at,conversation_id,row,zones,held_by,reason_code',
    );
  });

  it('maps a terminal record to its row', () => {
    const rec: ContactRecord = {
      p: '+15550001234',
      nm: 'Ada',
      r: 7,
      n: 2,
      s: 't',
      a: 2,
      o: 'answered-human',
      sip: 200,
      rs: 'OK',
      rc: 'caller-disconnected',
      amd: 'amd_human_detected',
      du: 42,
      ca: '2026-01-05T10:00:00.000Z',
      da: '2026-01-05T10:00:42.000Z',
      cv: 'conv-1',
      sid: 'sid-1',
    };
    expect(reportRow(rec)).toEqual({
      phone: '+15550001234',
      name: 'Ada',
      outcome: 'answered-human',
      attempts: 2,
      sip_code: 200,
      reason: 'OK',
      machine_detection: 'amd_human_detected',
      duration_s: 42,
      connected_at: '2026-01-05T10:00:00.000Z',
      disconnected_at: '2026-01-05T10:00:42.000Z',
      conversation_id: 'conv-1',
      row: 7,
      zones: null,
      held_by: null,
      reason_code: 'caller-disconnected',
    });
    expect(reportCells(reportRow(rec, ['America/Chicago', 'America/New_York']))).toEqual([
      '+15550001234',
      'Ada',
      'answered-human',
      '2',
      '200',
      'OK',
      'amd_human_detected',
      '42',
      '2026-01-05T10:00:00.000Z',
      '2026-01-05T10:00:42.000Z',
      'conv-1',
      '7',
      'America/Chicago America/New_York',
      '',
      'caller-disconnected',
    ]);
  });

  it('labels contacts that have not ended by their state and leaves missing values empty', () => {
    const base = { p: '+15550009999', r: 3, n: 1 };
    expect(reportRow({ ...base, s: 'q', a: 0 }).outcome).toBe('pending');
    expect(reportRow({ ...base, s: 'i', a: 1, sid: 'sid-9' })).toMatchObject({
      outcome: 'in-call',
      conversation_id: 'sid-9',
      attempts: 1,
    });
    expect(reportRow({ ...base, n: 2, s: 'w', a: 1, o: 'busy', sip: 486 })).toMatchObject({
      outcome: 'redial-pending',
      sip_code: 486,
    });
    expect(reportRow({ ...base, s: 'd' }).outcome).toBe('dialing');
    expect(reportRow({ ...base, s: 'u' }).outcome).toBe('uncertain');
    expect(reportCells(reportRow({ ...base, s: 't', o: 'suppressed' }))).toEqual([
      '+15550009999',
      '',
      'suppressed',
      '0',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '3',
      '',
      '',
      '',
    ]);
    // A pending contact held back says why.
    expect(reportRow({ ...base, s: 'q', hb: 'window' }).held_by).toBe('window');
  });

  it('defuses cells a spreadsheet would run as formulas, keeping E.164 phones and numbers as they are', () => {
    const rec: ContactRecord = {
      p: '+14155550100',
      nm: '=HYPERLINK("https://evil.example","x")',
      r: 2,
      n: 1,
      s: 't',
      a: 1,
      o: 'failed',
      sip: 603,
      rs: '@SUM(A1)',
      cv: '-2+3',
    };
    const cells = reportCells(reportRow(rec));
    expect(cells[0]).toBe('+14155550100');
    expect(cells[1]).toBe(`'=HYPERLINK("https://evil.example","x")`);
    expect(cells[5]).toBe("'@SUM(A1)");
    expect(cells[10]).toBe("'-2+3");
    expect(cells[4]).toBe('603');
    expect(reportCells(reportRow({ ...rec, nm: '\t=1' }))[1]).toBe("'\t=1");
    // The row object (JSON format) keeps the raw value: JSON is not opened as a spreadsheet.
    expect(reportRow(rec).name).toBe('=HYPERLINK("https://evil.example","x")');
  });

  it('streams one row per contact, in pages', async () => {
    const id = 'report-stream';
    await store.createCampaign(id, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
    const numbers = Array.from({ length: 1234 }, (_, i) => `+1555300${String(i).padStart(4, '0')}`);
    await store.addContacts(
      id,
      numbers.map((p, i) => [contactIdFor(p), newContactRecord({ p, r: i + 2, nm: `n${i}` })]),
    );
    const rows = new Map<number, string>();
    for await (const row of reportRows(store, id, 100)) rows.set(row.row, row.phone);
    expect(rows.size).toBe(1234);
    expect(rows.get(2)).toBe(numbers[0]);
    await expect(reportRows(store, 'no-such', 10).next()).rejects.toMatchObject({
      code: 'DIALER_ERR_CAMPAIGN_NOT_FOUND',
    });
  });
});
