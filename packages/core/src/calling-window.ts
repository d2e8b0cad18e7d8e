/**
 * Calling windows: the local hours and weekdays at which a contact may be called, evaluated in the contact's
 * own time zone (see docs/design.md (Calling windows and time zones)). Pure functions of an instant, so the worker's injectable clock decides.
 *
 * The rule is one predicate: the window is open at instant t when the wall-clock time of t in the zone falls
 * on an allowed weekday and within [start, end). Everything else follows from it, DST included:
 * - a start in a spring-forward gap (02:30 on a day that jumps 02:00 → 03:00) opens at the first instant whose
 *   wall time is at or after it, i.e. 03:00;
 * - a start in a fall-back overlap (01:30 happening twice) opens at the first of the two;
 * - a day whose whole window falls in a gap has no opening.
 */
import { IANAZone } from 'luxon';
import type { Weekday } from './campaign-settings.js';

export interface CallingWindow {
  /** `HH:MM`, inclusive. */
  start: string;
  /** `HH:MM` (`24:00` = end of the day), exclusive. */
  end: string;
  /** Allowed weekdays of the contact's local calendar. */
  days: readonly Weekday[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Index = `Date#getUTCDay()` of a wall time. */
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** Far enough to pass any run of disallowed days (at most six) plus a day lost in a DST gap. */
const SEARCH_DAYS = 9;

/** `HH:MM` → ms after local midnight. */
export function wallClockMs(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return (h * 60 + m) * MINUTE;
}

function zoneOf(name: string): IANAZone {
  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new RangeError(`unknown time zone "${name}"`);
  return zone;
}

/**
 * Each zone's offset in the last minute asked about: the worker asks for every job (and Intl's answer costs
 * tens of microseconds), mostly for the current minute. Offsets change on whole minutes only.
 */
const lastOffset = new Map<string, [number, number]>();

/** The zone's UTC offset (minutes) at instant t. */
function offsetAt(zone: IANAZone, t: number): number {
  const minute = Math.floor(t / MINUTE);
  const hit = lastOffset.get(zone.name);
  if (hit && hit[0] === minute) return hit[1];
  const offset = zone.offset(t);
  lastOffset.set(zone.name, [minute, offset]);
  return offset;
}

/** The wall time of instant t in the zone, as ms since the epoch read as if it were UTC. */
function wallOf(zone: IANAZone, t: number): number {
  return t + offsetAt(zone, t) * MINUTE;
}

/** Whether the window is open at instant `t` in time zone `zoneName`. */
export function isWindowOpen(window: CallingWindow, zoneName: string, t: number): boolean {
  return openAt(window, zoneOf(zoneName), t);
}

function openAt(window: CallingWindow, zone: IANAZone, t: number): boolean {
  const wall = wallOf(zone, t);
  const ofDay = ((wall % DAY) + DAY) % DAY;
  const day = WEEKDAYS[new Date(wall).getUTCDay()] as Weekday;
  return window.days.includes(day) && ofDay >= wallClockMs(window.start) && ofDay < wallClockMs(window.end);
}

/**
 * The first instant whose wall time in the zone is at or after `wall` (ms, read as UTC): the earlier instant
 * of an overlap, the end of a gap.
 */
export function instantOfWallTime(zoneName: string, wall: number): number {
  return firstInstantAtOrAfter(zoneOf(zoneName), wall);
}

function firstInstantAtOrAfter(zone: IANAZone, wall: number): number {
  return instantsAtOrAfter(zone, wall)[0] as number;
}

/** Every instant showing this wall time (two in an overlap), or the end of the gap that skips it; ascending. */
function instantsAtOrAfter(zone: IANAZone, wall: number): number[] {
  // Offsets either side of any transition near this wall time (zones change at most once a day).
  const offsets = [...new Set([offsetAt(zone, wall - DAY), offsetAt(zone, wall + DAY)])];
  const exact = offsets.map((o) => wall - o * MINUTE).filter((t) => wallOf(zone, t) === wall);
  if (exact.length > 0) return exact.sort((a, b) => a - b);
  // In a gap: the wall time is skipped. Wall time grows with t across the transition, so bisect for the
  // first instant (to the second: transitions fall on whole minutes) whose wall time reaches `wall`.
  let lo = Math.floor((wall - Math.max(...offsets) * MINUTE) / 1000);
  let hi = Math.ceil((wall - Math.min(...offsets) * MINUTE) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallOf(zone, mid * 1000) >= wall) hi = mid;
    else lo = mid;
  }
  return [hi * 1000];
}

/**
 * The window's next opening at or after `now` (`now` itself when it is open), or undefined when there is none
 * within the search horizon (only possible for a window that lies entirely in DST gaps).
 */
export function nextWindowOpening(window: CallingWindow, zoneName: string, now: number): number | undefined {
  const zone = zoneOf(zoneName);
  if (openAt(window, zone, now)) return now;
  const wallNow = wallOf(zone, now);
  const midnight = wallNow - (((wallNow % DAY) + DAY) % DAY);
  const start = wallClockMs(window.start);
  for (let d = 0; d < SEARCH_DAYS; d++) {
    const day = midnight + d * DAY;
    if (!window.days.includes(WEEKDAYS[new Date(day).getUTCDay()] as Weekday)) continue;
    // Both instants of a start in a fall-back overlap open the window (it closed in between if `end` is
    // in the overlap too).
    for (const opening of instantsAtOrAfter(zone, day + start)) {
      if (opening > now && openAt(window, zone, opening)) return opening;
    }
  }
  return undefined;
}
