/**
 * When a contact may be called, given every time zone it may be in and every region it may be in (see
 * docs/design.md (Calling windows and time zones)). Pure: a function of the rules, the locale and an instant.
 *
 * The rule: a contact may be called at `at` when, in EVERY candidate zone, `at` and `at + guardMs` fall inside
 * the calling window (`window`, made stricter by the rules of the contact's regions: all of them when it may
 * be in several) on an allowed weekday of that zone's local calendar that is not a blackout date. Otherwise it
 * waits for the earliest instant at which that holds for all its zones at once. DST follows from evaluating
 * wall-clock time (zone-intervals.ts): a start inside a spring-forward gap opens at the jump; hours repeated by
 * a fall-back are open both times.
 */
import type { RegionRule, Weekday } from './campaign-settings.js';
import {
  DAY,
  HOUR,
  MINUTE,
  dayOfIsoDate,
  intersect,
  isoDateOfDay,
  localDay,
  offsetAt,
  openIntervals,
  shorten,
  weekdayOf,
  zoneClock,
  type Hours,
  type ZoneClock,
} from './zone-intervals.js';

export type WindowDecision =
  | { kind: 'open' }
  | { kind: 'closed'; until: number; why: 'window' | 'blackout' | 'region-rule'; detail: string }
  | { kind: 'never'; detail: string };

/** What decides the hours: the campaign's `window`, `blackoutDates` and `regionRules` (a CampaignSettings fits). */
export interface DialRules {
  window: { start: string; end: string; days: readonly Weekday[]; timezone?: string };
  /** `YYYY-MM-DD`, each blocking that day of every zone's own calendar. */
  blackoutDates?: readonly string[];
  /** ISO 3166-2 code → stricter hours or days (the stricter of the rule and `window` applies). */
  regionRules?: Readonly<Record<string, RegionRule>>;
}

/** Where the contact may be: candidate IANA zones, candidate ISO 3166-2 regions. */
export interface DialLocale {
  zones: readonly string[];
  regions: readonly string[];
}

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const OPEN: WindowDecision = Object.freeze({ kind: 'open' });
/** First look for the common opening this far ahead: a week (every weekday) plus a day for DST shifts. */
const FIRST_SEARCH_DAYS = 8;
/** Ignoring blackout dates, no common opening in two weeks means none ever (for these offsets). */
const STRUCTURE_SEARCH_DAYS = 15;
/** Blackout dates are followed this far before the window counts as never opening. */
const MAX_SEARCH_DAYS = 400;
/** A 'never' answer is reused this long for the same zones and regions (offsets may change, e.g. with DST). */
const NEVER_REUSE_MS = HOUR;
const MAX_CACHED = 10_000;
const NO_BLACKOUT: ReadonlySet<number> = new Set();

/** The window for a set of regions: hours and a label, or why none is left. */
interface TightWindow {
  hours: Hours;
  label: string;
  /** The region rules that apply (some may change nothing). */
  codes: string[];
}
type Effective = TightWindow | { never: string };

/** Per distinct rules: parsed once, with the answers worth keeping. */
interface Memo {
  window: DialRules['window'];
  blackoutDates: DialRules['blackoutDates'];
  regionRules: DialRules['regionRules'];
  base: TightWindow;
  blackout: ReadonlySet<number>;
  byRegions: Map<string, Effective>;
  /** zones|regions|guard → no dial instant in [from, until) (the search's answer). */
  closed: Map<string, { from: number; until: number }>;
  never: Map<string, { from: number; detail: string }>;
}

const memoByWindow = new WeakMap<object, Memo>();
/** Settings are re-read (new objects) now and then: the same rules find their memo by content. */
const memoByContent = new Map<string, Memo>();

function hhmmMs(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return (h * 60 + m) * MINUTE;
}

function labelOf(start: string, end: string, days: readonly Weekday[]): string {
  return days.length === 7 ? `${start}–${end}` : `${start}–${end} ${days.join(',')}`;
}

function memoFor(rules: DialRules): Memo {
  const hit = memoByWindow.get(rules.window);
  if (hit && hit.blackoutDates === rules.blackoutDates && hit.regionRules === rules.regionRules) return hit;
  const { window, blackoutDates, regionRules } = rules;
  const content = JSON.stringify([window.start, window.end, window.days, blackoutDates ?? [], regionRules ?? {}]);
  let memo = memoByContent.get(content);
  if (!memo) {
    const blackout = new Set((blackoutDates ?? []).map(dayOfIsoDate).filter((d) => !Number.isNaN(d)));
    const hours = { start: hhmmMs(window.start), end: hhmmMs(window.end), mask: maskOf(window.days) };
    const base = { hours, label: labelOf(window.start, window.end, window.days), codes: [] };
    memo = {
      window,
      blackoutDates,
      regionRules,
      base,
      blackout,
      byRegions: new Map(),
      closed: new Map(),
      never: new Map(),
    };
    if (memoByContent.size >= 256) memoByContent.clear();
    memoByContent.set(content, memo);
  }
  memo = { ...memo, window, blackoutDates, regionRules };
  memoByWindow.set(window, memo);
  return memo;
}

function maskOf(days: readonly Weekday[]): number {
  let mask = 0;
  for (const d of days) mask |= 1 << WEEKDAYS.indexOf(d);
  return mask;
}

/** The campaign window made stricter by every rule of the contact's regions (later start, earlier end, fewer days). */
function effectiveFor(memo: Memo, regions: readonly string[]): Effective {
  if (regions.length === 0 || !memo.regionRules) return memo.base;
  const key = regions.join(',');
  let found = memo.byRegions.get(key);
  if (found) return found;
  const { window } = memo;
  let { start, end } = window;
  let days = [...window.days];
  const codes: string[] = [];
  for (const code of [...new Set(regions)].sort()) {
    const rule = Object.hasOwn(memo.regionRules, code) ? memo.regionRules[code] : undefined;
    if (!rule) continue;
    codes.push(code);
    if (rule.start !== undefined && rule.start > start) start = rule.start;
    if (rule.end !== undefined && rule.end < end) end = rule.end;
    if (rule.days) days = days.filter((d) => rule.days?.includes(d));
  }
  const named = `region rule${codes.length > 1 ? 's' : ''} ${codes.join(', ')}`;
  if (codes.length === 0) found = memo.base;
  else if (end <= start || days.length === 0)
    found = { never: `${named} and window ${memo.base.label} leave no calling time` };
  else
    found = {
      hours: { start: hhmmMs(start), end: hhmmMs(end), mask: maskOf(days) },
      label: labelOf(start, end, days),
      codes,
    };
  if (memo.byRegions.size >= MAX_CACHED) memo.byRegions.clear();
  memo.byRegions.set(key, found);
  return found;
}

function openIn(hours: Hours, blackout: ReadonlySet<number>, clock: ZoneClock, t: number): boolean {
  const wall = t + offsetAt(clock, t);
  const day = Math.floor(wall / DAY);
  const ofDay = wall - day * DAY;
  return ofDay >= hours.start && ofDay < hours.end && (hours.mask & (1 << weekdayOf(day))) !== 0 && !blackout.has(day);
}

function openSpan(hours: Hours, blackout: ReadonlySet<number>, clock: ZoneClock, at: number, guardMs: number): boolean {
  return openIn(hours, blackout, clock, at) && openIn(hours, blackout, clock, at + guardMs);
}

/**
 * Whether the rules depend on a contact's local clock at all: not when the window is the whole day, every day, with
 * no blackout date and no region rule (a contact with no known zone can then be called like any other).
 */
export function windowNeedsZone(rules: DialRules): boolean {
  const { window } = rules;
  const allDay = window.start === '00:00' && window.end === '24:00' && window.days.length === 7;
  return !allDay || (rules.blackoutDates?.length ?? 0) > 0 || Object.keys(rules.regionRules ?? {}).length > 0;
}

/**
 * Whether a contact may be called at `at` (ms) and stay callable for `guardMs`; if not, until when it may not.
 *
 * @param rules - the campaign's window, blackout dates and region rules (a CampaignSettings will do)
 * @param locale - the zones and regions the contact may be in. No zones: the caller passes the campaign's
 *   `window.timezone` as the one zone (when `zones` is empty this function uses `rules.window.timezone`
 *   itself, and answers 'never' without it). Regions without a rule change nothing.
 * @returns 'open'; 'closed' until the earliest instant at which every zone is open for `guardMs`, with why it
 *   is closed at `at`; or 'never' when no such instant exists (zones too far apart for the window, a region
 *   rule leaving no time, an unknown zone, blackout dates covering the next 400 days): look again later.
 */
export function dialWindow(rules: DialRules, locale: DialLocale, at: number, guardMs: number): WindowDecision {
  const memo = memoFor(rules);
  const effective = effectiveFor(memo, locale.regions);
  if ('never' in effective) return { kind: 'never', detail: effective.never };
  let zones = locale.zones;
  if (zones.length === 0) {
    // A campaign that calls at any hour of every day, with no blackout day or region rule, needs no zone.
    if (!windowNeedsZone(rules)) return { kind: 'open' };
    if (rules.window.timezone === undefined)
      return { kind: 'never', detail: 'no time zone: none known for the contact and no window.timezone' };
    zones = [rules.window.timezone];
  }
  const { hours } = effective;
  let open = true;
  const clocks: ZoneClock[] = [];
  for (const zone of zones) {
    const clock = zoneClock(zone);
    if (!clock) return { kind: 'never', detail: `unknown time zone "${zone}"` };
    clocks.push(clock);
    if (open && !openSpan(hours, memo.blackout, clock, at, guardMs)) open = false;
  }
  if (open) return OPEN;

  const key = `${zones.join(',')}|${locale.regions.join(',')}|${guardMs}`;
  const never = memo.never.get(key);
  if (never && at >= never.from && at < never.from + NEVER_REUSE_MS) return { kind: 'never', detail: never.detail };
  const known = memo.closed.get(key);
  let until = known && at >= known.from && at < known.until ? known.until : undefined;
  if (until === undefined) {
    until = firstCommon(clocks, hours, memo.blackout, at, guardMs, FIRST_SEARCH_DAYS);
    if (until === undefined) {
      const detail = neverDetail(clocks, effective.label, hours, at, guardMs);
      if (detail !== undefined) {
        remember(memo.never, key, { from: at, detail });
        return { kind: 'never', detail };
      }
      until = firstCommon(clocks, hours, memo.blackout, at, guardMs, MAX_SEARCH_DAYS);
      if (until === undefined) {
        const detail = `blackout dates leave no calling day in ${zones.join(', ')} for ${MAX_SEARCH_DAYS} days`;
        remember(memo.never, key, { from: at, detail });
        return { kind: 'never', detail };
      }
    }
    remember(memo.closed, key, { from: at, until });
  }
  return { kind: 'closed', until, ...whyClosed(memo, effective, clocks, at, guardMs) };
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
}

/** The earliest instant ≥ at (within `days`) at which every zone is open and stays open for `guardMs`. */
function firstCommon(
  clocks: readonly ZoneClock[],
  hours: Hours,
  blackout: ReadonlySet<number>,
  at: number,
  guardMs: number,
  days: number,
): number | undefined {
  let common: number[] | undefined;
  for (const clock of clocks) {
    const from = localDay(clock, at) - 1;
    const to = localDay(clock, at + days * DAY) + 1;
    const usable = shorten(openIntervals(clock, hours, blackout, from, to), guardMs);
    common = common === undefined ? usable : intersect(common, usable);
  }
  for (let i = 0; common && i < common.length; i += 2) {
    if ((common[i + 1] as number) > at) return Math.max(common[i] as number, at);
  }
  return undefined;
}

/** Why the window never opens for these zones (blackout dates aside), or undefined when it does. */
function neverDetail(
  clocks: readonly ZoneClock[],
  label: string,
  hours: Hours,
  at: number,
  guardMs: number,
): string | undefined {
  if (firstCommon(clocks, hours, NO_BLACKOUT, at, guardMs, STRUCTURE_SEARCH_DAYS) !== undefined) return undefined;
  const names = clocks.map((c) => c.name).join(', ');
  if (clocks.length === 1) return `calling window ${label} never opens in ${names} (it falls in a DST gap)`;
  const offsets = clocks.map((c) => offsetAt(c, at));
  const apart = (Math.max(...offsets) - Math.min(...offsets)) / HOUR;
  return `calling window ${label} is never open in all of ${names} at once (their clocks are ${apart} h apart)`;
}

/** Why the contact may not be called at `at`: a blackout day, a region rule, or the window itself. */
function whyClosed(
  memo: Memo,
  effective: TightWindow,
  clocks: readonly ZoneClock[],
  at: number,
  guardMs: number,
): { why: 'window' | 'blackout' | 'region-rule'; detail: string } {
  for (const clock of clocks) {
    for (const t of [at, at + guardMs]) {
      const day = localDay(clock, t);
      if (memo.blackout.has(day))
        return { why: 'blackout', detail: `${isoDateOfDay(day)} is a blackout date (${clock.name})` };
    }
  }
  const closed = clocks.filter((c) => !openSpan(effective.hours, NO_BLACKOUT, c, at, guardMs)).map((c) => c.name);
  const where =
    closed.length === clocks.length
      ? closed.join(', ')
      : `${closed.join(', ')} of ${clocks.map((c) => c.name).join(', ')}`;
  if (effective.codes.length > 0 && clocks.every((c) => openSpan(memo.base.hours, NO_BLACKOUT, c, at, guardMs))) {
    const named = `region rule${effective.codes.length > 1 ? 's' : ''} ${effective.codes.join(', ')}`;
    return { why: 'region-rule', detail: `outside the hours of ${named}: ${effective.label} (${where})` };
  }
  return { why: 'window', detail: `outside the calling window (${where})` };
}
