// A movable calendar clock for the worker (its `now` dependency), BullMQ's delayed jobs read in that clock,
// and an independent oracle of local time (Intl, minute by minute) to check calling windows against.
import type { Job } from 'bullmq';
import {
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
  type CampaignSettingsInput,
  type ContactRecord,
  type DialJobData,
} from '@dialer/core';
import { waitUntil } from '@dialer/test-utils';
import type { World } from './helpers.js';

/** The worker's calendar clock: real time plus an offset the test moves; every move is kept. */
export class TestClock {
  private offset = 0;
  private readonly moves: [number, number][] = [[0, 0]];

  readonly now = (): number => Date.now() + this.offset;

  /** Sets the calendar time to `ms` (it runs on from there). */
  set(ms: number): void {
    this.offset = ms - Date.now();
    this.moves.push([Date.now(), this.offset]);
  }

  /** The calendar time that real instant `real` showed (e.g. when the simulator received a dial-out). */
  at(real: number): number {
    let offset = 0;
    for (const [from, o] of this.moves) if (from <= real) offset = o;
    return real + offset;
  }

  /** Calendar due time of each delayed job, by its BullMQ score (a job delayed again gets a new score). */
  private readonly dues = new Map<string, [string, number]>();

  /**
   * The calendar instant a delayed job is due: its real due time in the clock that was in force when it was
   * delayed. Call after the system settled following each move, so a new score was set under this clock.
   */
  dueOf(jobId: string, score: string): number {
    const known = this.dues.get(jobId);
    if (known && known[0] === score) return known[1];
    // BullMQ's delayed score is the due timestamp × 0x1000 plus a counter.
    const due = Math.floor(Number(score) / 0x1000) + this.offset;
    this.dues.set(jobId, [score, due]);
    return due;
  }
}

export interface Window {
  start: string;
  end: string;
  days: string[];
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Local weekday and HH:MM of instant t in a zone, straight from Intl (not the code under test). */
export function localTime(zone: string, t: number): { day: string; hhmm: string } {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  return { day: String(parts.weekday).toLowerCase(), hhmm: `${parts.hour}:${parts.minute}` };
}

export function oracleOpen(window: Window, zone: string, t: number): boolean {
  const { day, hhmm } = localTime(zone, t);
  return window.days.includes(day) && hhmm >= window.start && hhmm < window.end;
}

/** The first whole minute at or after `from` at which the window is open (windows and DST move on minutes). */
export function oracleNextOpening(window: Window, zone: string, from: number): number {
  let t = Math.ceil(from / 60_000) * 60_000;
  for (let i = 0; i < 10 * 24 * 60; i++, t += 60_000) if (oracleOpen(window, zone, t)) return t;
  throw new Error(`no opening within 10 days in ${zone}`);
}

export interface Person {
  number: string;
  /** The zone the test expects the contact to be called in. */
  zone: string;
  /** Written in the CSV `timezone` column. */
  tz?: string;
  contactId: string;
}

/** A campaign of these people with their first jobs; `patch` adjusts a record before it is stored. */
export async function seedPeople(
  w: World,
  settings: CampaignSettingsInput,
  people: Omit<Person, 'contactId'>[],
  patch: (rec: ContactRecord, i: number) => ContactRecord = (r) => r,
): Promise<{ campaignId: string; people: Person[] }> {
  const campaignId = `tz-${Math.random().toString(36).slice(2, 9)}`;
  await w.store.createCampaign(campaignId, resolveCampaignSettings(settings, w.config));
  const out = people.map((p) => ({ ...p, contactId: contactIdFor(p.number) }));
  const records = out.map((p, i) => patch(newContactRecord({ p: p.number, r: i + 2, tz: p.tz }), i));
  await w.store.addContacts(
    campaignId,
    out.map((p, i) => [p.contactId, records[i] as ContactRecord]),
  );
  for (const [i, p] of out.entries())
    await w.queues.addAttempt(campaignId, p.contactId, (records[i] as ContactRecord).n);
  return { campaignId, people: out };
}

/** Delayed jobs of a campaign with the calendar instant each is due (read from BullMQ's delayed set). */
export async function delayedJobs(w: World, clock: TestClock, campaignId: string): Promise<Map<string, number>> {
  const queue = w.queues.get(campaignId);
  const flat = await w.ctx.redis.zrange(queue.keys.delayed as string, 0, -1, 'WITHSCORES');
  const due = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2)
    due.set(flat[i] as string, clock.dueOf(flat[i] as string, flat[i + 1] as string));
  return due;
}

/** Nothing in flight: no job waiting or active, no attempt dialing or in a call. */
export async function quiescent(w: World, campaignId: string): Promise<boolean> {
  const c = await w.queues.get(campaignId).getJobCounts('waiting', 'active', 'prioritized');
  if ((c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) > 0) return false;
  for await (const [, rec] of w.store.contacts(campaignId))
    if (rec.s === 'd' || rec.s === 'u' || rec.s === 'i') return false;
  return true;
}

export function settle(w: World, campaignId: string, what: string): Promise<boolean> {
  return waitUntil(() => quiescent(w, campaignId), 20_000, what);
}

/** Moves the clock to `ms` and runs every delayed job due by then (as BullMQ would at that time). */
export async function travelTo(w: World, clock: TestClock, campaignId: string, ms: number): Promise<string[]> {
  const dues = await delayedJobs(w, clock, campaignId);
  clock.set(ms);
  const due = [...dues.entries()].filter(([, at]) => at <= ms).map(([id]) => id);
  for (const id of due) await ((await w.queues.get(campaignId).getJob(id)) as Job<DialJobData> | undefined)?.promote();
  return due;
}
