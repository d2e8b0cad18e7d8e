// Calling windows in each contact's own time zone, with the worker's calendar clock moved by the test: a
// population over every US time zone and several countries, weekdays only, across the US spring-forward
// weekend. Every dial-out the simulator received must fall inside its contact's local window (checked with
// Intl, independently of the code under test); jobs outside it wait, unspent, for the next opening and dial then.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SuppressionList, targetFor, type ContactRecord } from '@dialer/core';
import { startSimulator, type SimulatorHarness } from '@dialer/test-utils';
import { createWorld, startWorker, type World } from './helpers.js';
import {
  TestClock,
  delayedJobs,
  oracleNextOpening,
  oracleOpen,
  seedPeople,
  settle,
  travelTo,
  type Person,
} from './time-machine.js';

const WINDOW = { start: '09:00', end: '17:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] };
/** Friday 2026-03-06 23:30 UTC: mid-afternoon in the western US, the weekend already in Asia. The US moves
 * its clocks on Sunday 03-08, so Monday's 09:00 in New York is 13:00 UTC, not Friday's 14:00. */
const T0 = Date.parse('2026-03-06T23:30:00Z');

// Each contact's zone is its CSV zone (one zone, trusted): this test is about windows in local time across DST; how
// a number's candidate zones are found, and the window checked in all of them, is tested in dial-window.test.ts,
// contact-locale.test.ts and packages/cli/test/compliance.test.ts.
const two = (prefix: string, zone: string) => [0, 1].map((i) => ({ number: `${prefix}${i}`, zone, tz: zone }));
const POPULATION = [
  ...two('+121255501', 'America/New_York'),
  ...two('+131255501', 'America/Chicago'),
  ...two('+130355501', 'America/Denver'),
  ...two('+160255501', 'America/Phoenix'),
  ...two('+121355501', 'America/Los_Angeles'),
  ...two('+190755501', 'America/Anchorage'),
  ...two('+190755502', 'America/Adak'),
  ...two('+180855501', 'Pacific/Honolulu'),
  ...two('+178755501', 'America/Puerto_Rico'),
  ...two('+3314268530', 'Europe/Paris'),
  ...two('+4420794601', 'Europe/London'),
  ...two('+8131234567', 'Asia/Tokyo'),
  ...two('+6129374000', 'Australia/Sydney'),
  ...two('+9122123456', 'Asia/Kolkata'),
  ...two('+5511987650', 'America/Sao_Paulo'),
  // Attempt 2 of a re-dial, due now but outside its window.
  { number: '+12125550299', zone: 'America/New_York', tz: 'America/New_York' },
];
const REDIAL = '+12125550299';
const SUPPRESSED_LATER = '+81312345671';

let sim: SimulatorHarness;
let world: World;
const clock = new TestClock();

beforeAll(async () => {
  sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 10 });
  world = await createWorld({ DIAL_RATE_PER_SECOND: '1000' });
  await startWorker(world, sim.url, { now: clock.now });
});
afterAll(async () => {
  await world.close();
  await sim.close();
});

const redialRecord = (rec: ContactRecord): ContactRecord =>
  rec.p === REDIAL ? { ...rec, n: 2, s: 'w', a: 1, o: 'busy' } : rec;

describe('calling windows in the contact’s time zone', () => {
  it('dials only inside each local window and resumes every waiting job at its next opening', async () => {
    clock.set(T0);
    const settings = { window: { ...WINDOW, days: WINDOW.days as never, timezone: 'America/Anchorage' } };
    const { campaignId, people } = await seedPeople(world, settings, POPULATION, redialRecord);
    const byId = new Map(people.map((p) => [p.contactId, p]));
    await settle(world, campaignId, 'the first round');

    // At T0: those inside their window were dialed; everyone else waits for exactly their next opening.
    const due = await delayedJobs(world, clock, campaignId);
    for (const p of people) {
      const rec = (await world.store.getContact(campaignId, p.contactId)) as ContactRecord;
      if (oracleOpen(WINDOW, p.zone, T0)) {
        expect([p.zone, rec.s, rec.o]).toEqual([p.zone, 't', 'answered-human']);
        continue;
      }
      const jobId = `${p.contactId}-${rec.n}`;
      expect([p.zone, rec.s, rec.a]).toEqual([p.zone, p.number === REDIAL ? 'w' : 'q', p.number === REDIAL ? 1 : 0]);
      expectDueAt(p.zone, due.get(jobId), oracleNextOpening(WINDOW, p.zone, T0));
    }
    expectDueAt(
      REDIAL,
      due.get(`${people.find((p) => p.number === REDIAL)?.contactId}-2`),
      Date.parse('2026-03-09T13:00:00Z'),
    );
    expect(dialedTargets(await sim.dialouts()).size).toBe(12);

    // Put on the do-not-call list while its job waits for Monday.
    await new SuppressionList(world.ctx.redis, world.ctx.keys).add([SUPPRESSED_LATER]);

    // Travel from opening to opening: each job due then runs and ends (dialed, or suppressed).
    let steps = 0;
    for (let step = 0; step < 20; step++) {
      const dues = [...(await delayedJobs(world, clock, campaignId)).values()];
      if (dues.length === 0) break;
      steps++;
      // Past the earliest due by the slack of expectDueAt: the jobs of one opening may be due a few ms apart.
      const promoted = await travelTo(world, clock, campaignId, Math.min(...dues) + 50);
      await settle(world, campaignId, `step ${step}`);
      for (const jobId of promoted) {
        const p = byId.get(jobId.slice(0, jobId.lastIndexOf('-'))) as Person;
        const rec = await world.store.getContact(campaignId, p.contactId);
        expect([p.number, rec?.s, rec?.o]).toEqual([
          p.number,
          't',
          p.number === SUPPRESSED_LATER ? 'suppressed' : 'answered-human',
        ]);
      }
    }

    // Sydney, Tokyo, Kolkata, Paris, London, São Paulo, New York + Puerto Rico, Chicago: one opening each.
    expect(steps).toBe(8);

    // Every dial-out happened inside its contact's local window, once per contact; the re-dial spent one more.
    const dialouts = (await sim.dialouts()).filter((d) => d.request);
    const byTarget = new Map(people.map((p) => [targetFor(p.number), p]));
    for (const d of dialouts) {
      const p = byTarget.get(d.request?.target as string) as Person;
      expect([p.number, p.zone, oracleOpen(WINDOW, p.zone, clock.at(d.receivedAt))]).toEqual([p.number, p.zone, true]);
    }
    expect(dialedTargets(dialouts).size).toBe(people.length - 1);
    expect(dialouts).toHaveLength(people.length - 1);
    expect(dialedTargets(dialouts).has(targetFor(SUPPRESSED_LATER))).toBe(false);
    expect(await world.store.getState(campaignId)).toBe('completed');
    expect(
      await world.store.getContact(campaignId, people.find((p) => p.number === REDIAL)?.contactId as string),
    ).toMatchObject({ s: 't', n: 2, a: 2 });
  });
});

/**
 * Due at the opening: never before it, and late by no more than the milliseconds the real clock ran on between
 * the worker's two clock reads (calendar, then real; the same slack as schedule-and-caps.test.ts). Equality
 * failed when a millisecond ticked between them (due 1773014400001 for 1773014400000).
 */
function expectDueAt(who: string, due: number | undefined, opening: number): void {
  const late = due === undefined ? NaN : due - opening;
  expect([who, late >= 0 && late < 50 ? 'at the opening' : `due ${due}, opening ${opening}`]).toEqual([
    who,
    'at the opening',
  ]);
}

function dialedTargets(dialouts: { request?: { target: string } | undefined }[]): Set<string> {
  return new Set(dialouts.map((d) => d.request?.target as string));
}
