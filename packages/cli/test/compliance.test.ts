// Calling compliance end to end (real `dialer produce`, `dialer worker` and `dialer ingester` processes, the SAVG
// simulator), with the calling window and the blackout date chosen at run time from the real clock:
// - a contact that may be in two zones, one open and one closed, is not called; contacts open in all their zones are;
// - a blackout date that is "today" in some zones only holds back the contacts of those zones only;
// - a contact cap across campaigns (two campaigns, the same number, CONTACT_CAP=1/24h) lets one dial-out through.
// Held contacts are counted by reason in `campaign status --json` and named in the report.
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, waitUntil } from '@dialer/test-utils';
import { startCluster, type Cluster } from './chaos-cluster.js';

const NY = 'America/New_York';
const CHICAGO = 'America/Chicago';

/** Minutes since local midnight in `zone`, and the local date. */
function localNow(zone: string, at = Date.now()): { minutes: number; date: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
    date: `${get('year')}-${get('month')}-${get('day')}`,
  };
}

const hhmm = (minutes: number) =>
  minutes >= 24 * 60
    ? '24:00'
    : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * A window open now in New York for the next hour and a half, and closed now in Chicago (an hour behind): it starts
 * five minutes ago in New York, when Chicago is 55 minutes before its start.
 */
function nyOnlyWindow(): { start: string; end: string } {
  const { minutes } = localNow(NY);
  return { start: hhmm(Math.max(0, minutes - 5)), end: hhmm(Math.min(24 * 60, minutes + 90)) };
}

/** Two zones whose local dates differ now, neither within half an hour of its midnight. */
function zonesOnDifferentDays(): { blackoutZone: string; otherZone: string; blackoutDate: string } {
  const zones = ['Pacific/Kiritimati', 'Asia/Tokyo', 'Europe/London', NY, 'Pacific/Honolulu'];
  const safe = zones.map((z) => ({ z, ...localNow(z) })).filter((l) => l.minutes > 30 && l.minutes < 24 * 60 - 30);
  for (const a of safe) {
    const b = safe.find((o) => o.date !== a.date);
    if (b) return { blackoutZone: a.z, otherZone: b.z, blackoutDate: a.date };
  }
  throw new Error('no two zones on different local days right now (cannot happen with these zones)');
}

let c: Cluster;

beforeAll(async () => {
  c = await startCluster({
    env: { DIAL_RATE_PER_SECOND: '100', CONTACT_CAP: '1/24h', LOST_AFTER_MS: '600000' },
    sim: { outcomes: 'human=1' },
  });
  await c.startIngester();
  await c.startWorker();
}, 120_000);
afterAll(async () => c?.close());

async function produce(
  campaignId: string,
  rows: string[],
  settings: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const csv = join(c.dir, `${campaignId}.csv`);
  const settingsFile = join(c.dir, `${campaignId}.json`);
  writeFileSync(csv, `${rows.join('\n')}\n`);
  writeFileSync(settingsFile, JSON.stringify(settings));
  const res = await runCli(['produce', csv, '--campaign', campaignId, '--settings', settingsFile, '--json'], c.env);
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

async function status(campaignId: string): Promise<{ held: Record<string, number>; terminal: number }> {
  const res = await runCli(['campaign', 'status', campaignId, '--json'], c.env);
  return JSON.parse(res.stdout) as { held: Record<string, number>; terminal: number };
}

const dialedTargets = async () => (await c.sim.dialouts()).map((d) => d.request?.target);

describe('calling compliance', () => {
  it('calls a contact only while its window is open in every zone it may be in', async () => {
    // 212 is New York only; 312 is Chicago only; 850 555 (Florida's panhandle, known only at area-code level) may be
    // either.
    const expectedZones: Record<string, string[]> = {
      '+12122000101': [NY],
      '+12122000102': [NY],
      '+13122000103': [CHICAGO],
      '+18505550104': [CHICAGO, NY],
      '+18505550105': [CHICAGO, NY],
    };
    const window = nyOnlyWindow();
    const summary = await produce('window', ['phone', ...Object.keys(expectedZones)], { window });
    expect(summary).toMatchObject({ accepted: 5, rejected: 0 });
    // The candidate zones the dialer stored are the ones this test expects.
    const rows = await c.report('window');
    expect(Object.fromEntries(rows.map((r) => [r.phone, (r.zones ?? '').split(' ')]))).toEqual(expectedZones);

    await waitUntil(async () => (await status('window')).terminal === 2, 30_000, 'the New York contacts dialed');
    await waitUntil(
      async () => (await status('window')).held.window === 3,
      30_000,
      'three contacts held by their window',
    );
    const dialed = await dialedTargets();
    expect(dialed.filter((t) => t?.startsWith('tel:+1212200010')).sort()).toEqual([
      'tel:+12122000101',
      'tel:+12122000102',
    ]);
    expect(dialed.filter((t) => t === 'tel:+13122000103' || t?.startsWith('tel:+185055501'))).toEqual([]);
    const held = await c.report('window');
    expect(
      held
        .filter((r) => r.held_by === 'window')
        .map((r) => r.phone)
        .sort(),
    ).toEqual(['+13122000103', '+18505550104', '+18505550105']);
  }, 120_000);

  it('holds back on a blackout date only the contacts whose local day it is', async () => {
    const { blackoutZone, otherZone, blackoutDate } = zonesOnDifferentDays();
    const rows = [
      'phone,timezone',
      `+12122000201,${blackoutZone}`,
      `+12122000202,${blackoutZone}`,
      `+12122000203,${otherZone}`,
      `+12122000204,${otherZone}`,
    ];
    expect(
      await produce('blackout', rows, { window: { start: '00:00', end: '24:00' }, blackoutDates: [blackoutDate] }),
    ).toMatchObject({
      accepted: 4,
    });
    await waitUntil(async () => (await status('blackout')).terminal === 2, 30_000, `the ${otherZone} contacts dialed`);
    await waitUntil(
      async () => (await status('blackout')).held.blackout === 2,
      30_000,
      `the ${blackoutZone} contacts held`,
    );
    const dialed = (await dialedTargets()).filter((t) => t?.startsWith('tel:+1212200020'));
    expect(dialed.sort()).toEqual(['tel:+12122000203', 'tel:+12122000204']);
  }, 120_000);

  it('lets a contact cap across campaigns through once: the same number in two campaigns is dialed once', async () => {
    const anyHour = { window: { start: '00:00', end: '24:00' } };
    expect(await produce('cap-a', ['phone', '+12122000301'], anyHour)).toMatchObject({ accepted: 1 });
    expect(await produce('cap-b', ['phone', '+12122000301'], anyHour)).toMatchObject({ accepted: 1 });
    await waitUntil(
      async () => (await status('cap-a')).terminal + (await status('cap-b')).terminal === 1,
      30_000,
      'one of the two dialed',
    );
    await waitUntil(
      async () => ((await status('cap-a')).held.cap ?? 0) + ((await status('cap-b')).held.cap ?? 0) === 1,
      30_000,
      'the other held by the cap',
    );
    expect((await dialedTargets()).filter((t) => t === 'tel:+12122000301')).toHaveLength(1);
  }, 120_000);
});
