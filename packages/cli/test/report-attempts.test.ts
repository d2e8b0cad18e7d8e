// `dialer report --attempts` end to end (real `dialer produce`, `dialer worker` and `dialer ingester` processes, the
// SAVG simulator): a contact that is busy, busy again, then answered by a person has three rows, each with its
// own dial-out time, its own end, and the reason code and ids the gateway sent for that call.
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptReportRow } from '@dialer/core';
import { runCli } from '@dialer/test-utils';
import { startCluster, type Cluster } from './chaos-cluster.js';

const BUSY_THRICE_NUMBER = '+12122003001';
const HUMAN_NUMBER = '+12122003002';

let c: Cluster;

beforeAll(async () => {
  c = await startCluster({
    env: { DIAL_RATE_PER_SECOND: '50', LOST_AFTER_MS: '600000' },
    // The newer wire spelling carries the session id.
    sim: { outcomes: 'human=1', spelling: 'new' },
  });
  c.sim.state.setScript(`tel:${BUSY_THRICE_NUMBER}`, ['busy', 'busy', 'human']);
  await c.startIngester();
  await c.startWorker();
}, 120_000);
afterAll(async () => c?.close());

describe('dialer report --attempts', () => {
  it('lists every attempt of a busy → busy → human contact with its own times and reason codes', async () => {
    const csv = join(c.dir, 'attempts.csv');
    const settings = join(c.dir, 'attempts.json');
    writeFileSync(csv, `phone,name\n${BUSY_THRICE_NUMBER},Ada\n${HUMAN_NUMBER},Bob\n`);
    writeFileSync(
      settings,
      JSON.stringify({
        caller: '+15550001111',
        window: { start: '00:00', end: '24:00' },
        redial: { maxAttempts: 3, rules: { busy: { delayMs: 200 } } },
      }),
    );
    const produced = await runCli(['produce', csv, '--campaign', 'attempts', '--settings', settings, '--json'], c.env);
    expect(JSON.parse(produced.stdout)).toMatchObject({ accepted: 2, rejected: 0 });
    await c.waitTerminal('attempts', 60_000);

    const out = join(c.dir, 'attempts.report.json');
    const res = await runCli(['report', 'attempts', '--attempts', '--format', 'json', '--out', out], c.env);
    expect(res).toMatchObject({ code: 0, stderr: `Wrote 4 attempts of "attempts" to ${out}\n` });
    const rows = JSON.parse(readFileSync(out, 'utf8')) as AttemptReportRow[];
    const ada = rows.filter((r) => r.phone === BUSY_THRICE_NUMBER).sort((a, b) => a.attempt - b.attempt);
    expect(ada.map((r) => [r.attempt, r.outcome, r.sip_code, r.reason_code])).toEqual([
      [1, 'busy', 486, 'Busy Here'],
      [2, 'busy', 486, 'Busy Here'],
      [3, 'answered-human', 200, 'caller-disconnected'],
    ]);

    // Each attempt is its own call: its own dial-out time after the previous attempt ended, its own ids, the
    // session id the gateway sent for it.
    const dialouts = (await c.sim.dialouts()).filter((d) => d.request?.target === `tel:${BUSY_THRICE_NUMBER}`);
    expect(dialouts).toHaveLength(3);
    for (const [i, row] of ada.entries()) {
      expect(row).toMatchObject({ name: 'Ada', row: 2, sid: dialouts[i]!.sid, conversation_id: dialouts[i]!.sid });
      expect(row.call_id).toBe(dialouts[i]!.callId);
      expect(row.session_id).toEqual(expect.any(String));
      const dialedAt = Date.parse(row.dialed_at ?? '');
      const endedAt = Date.parse(row.ended_at ?? '');
      expect(endedAt).toBeGreaterThanOrEqual(dialedAt);
      if (i > 0) expect(dialedAt).toBeGreaterThanOrEqual(Date.parse(ada[i - 1]!.ended_at ?? ''));
    }
    expect(new Set(ada.map((r) => r.call_id)).size).toBe(3);
    expect(new Set(ada.map((r) => r.session_id)).size).toBe(3);
    expect(ada[2]).toMatchObject({ machine_detection: 'amd_human_detected', duration_s: expect.any(Number) });
    expect(rows.filter((r) => r.phone === HUMAN_NUMBER)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'answered-human' }),
    ]);

    // The per-contact report keeps one row per contact and appends the last attempt's reason code.
    const contacts = await c.report('attempts');
    expect(contacts.find((r) => r.phone === BUSY_THRICE_NUMBER)).toMatchObject({
      outcome: 'answered-human',
      attempts: 3,
      reason_code: 'caller-disconnected',
    });

    // CSV: the documented header, one line per attempt.
    const csvOut = await runCli(['report', 'attempts', '--attempts'], c.env);
    const lines = csvOut.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'phone,name,row,attempt,outcome,sip_code,reason,reason_code,machine_detection,duration_s,dialed_at,connected_at,disconnected_at,ended_at,conversation_id,session_id,sid,call_id',
    );
    expect(lines).toHaveLength(5);
  });
});
