/**
 * Wall-clock arithmetic for dial-window.ts: a zone's UTC offset at an instant (cached, as Intl's answer costs
 * microseconds), and the instants at which local hours of given local days happen, as sorted `[from, to)`
 * intervals. Days are counted from the epoch in local wall time (`wall = instant + offset`, read as UTC), so
 * day `d` starts at wall `d * DAY` and its weekday is `(d + 4) % 7` (1970-01-01 was a Thursday; Sunday = 0).
 */
import { IANAZone } from 'luxon';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A zone with the offset of the last hour asked about. */
export interface ZoneClock {
  readonly name: string;
  readonly zone: IANAZone;
  /** The hour (instant / HOUR) whose offset is cached, or NaN. */
  hour: number;
  /** The offset (ms) throughout that hour, or NaN when it changes within the hour. */
  offset: number;
}

const clocks = new Map<string, ZoneClock | null>();

/** The clock of an IANA zone, or null when this host's time-zone data does not know it. */
export function zoneClock(name: string): ZoneClock | null {
  let clock = clocks.get(name);
  if (clock === undefined) {
    const zone = IANAZone.create(name);
    clock = zone.isValid ? { name, zone, hour: NaN, offset: NaN } : null;
    clocks.set(name, clock);
  }
  return clock;
}

/**
 * The zone's UTC offset (ms) at instant t. Offsets change at most once in any hour, so equal offsets at both
 * ends of an hour hold throughout it: one Intl question per zone and hour instead of one per call.
 */
export function offsetAt(clock: ZoneClock, t: number): number {
  const hour = Math.floor(t / HOUR);
  if (hour === clock.hour && clock.offset === clock.offset) return clock.offset;
  if (hour !== clock.hour) {
    const first = clock.zone.offset(hour * HOUR);
    clock.hour = hour;
    clock.offset = first === clock.zone.offset((hour + 1) * HOUR) ? first * MINUTE : NaN;
    if (clock.offset === clock.offset) return clock.offset;
  }
  return clock.zone.offset(t) * MINUTE;
}

/** The local day (days since the epoch, local calendar) of instant t. */
export function localDay(clock: ZoneClock, t: number): number {
  return Math.floor((t + offsetAt(clock, t)) / DAY);
}

export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** `YYYY-MM-DD` → local day number, or NaN. */
export function dayOfIsoDate(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY;
}

export function isoDateOfDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** Offsets either side of a local day, and the instant of the change between them (if they differ). */
interface DayOffsets {
  before: number;
  after: number;
  change: number;
}

const dayOffsets = new Map<string, DayOffsets>();
/** Zone × day entries kept; cleared whole past it (a month of days for a few hundred zones). */
const MAX_DAY_OFFSETS = 20_000;

/**
 * Offsets a day before and after local day `day` (its instants lie within 14 h of its wall times) and the
 * instant they change at, found to the second. At most one change is assumed in those three days, as every
 * zone's rules have it.
 */
function offsetsAround(clock: ZoneClock, day: number): DayOffsets {
  const key = `${clock.name}|${day}`;
  const hit = dayOffsets.get(key);
  if (hit) return hit;
  let lo = (day - 1) * DAY;
  let hi = (day + 2) * DAY;
  const before = clock.zone.offset(lo) * MINUTE;
  const after = clock.zone.offset(hi) * MINUTE;
  let change = hi;
  if (before !== after) {
    lo /= 1000;
    hi /= 1000;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (clock.zone.offset(mid * 1000) * MINUTE === before) lo = mid;
      else hi = mid;
    }
    change = hi * 1000;
  }
  if (dayOffsets.size >= MAX_DAY_OFFSETS) dayOffsets.clear();
  const found = { before, after, change };
  dayOffsets.set(key, found);
  return found;
}

/** Local hours (ms after local midnight, `[start, end)`) on the weekdays of `mask` (bit = weekday). */
export interface Hours {
  start: number;
  end: number;
  mask: number;
}

/**
 * The instants of days `fromDay`..`toDay` whose wall time falls in `hours` on an allowed weekday that is not a
 * blackout day, as a flat sorted list `[from0, to0, from1, to1, …]` of disjoint `[from, to)` intervals (touching
 * ones merged, e.g. `24:00` then `00:00`). On a day that changes offset, wall time `w` happens at `w - before`
 * before the change and at `w - after` from it on: a DST gap skips the hours it jumps over (a start inside it
 * opens at the jump), an overlap repeats the hours it goes back over.
 */
export function openIntervals(
  clock: ZoneClock,
  hours: Hours,
  blackout: ReadonlySet<number>,
  fromDay: number,
  toDay: number,
): number[] {
  const out: number[] = [];
  const push = (from: number, to: number) => {
    if (from >= to) return;
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] as number)) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
  };
  for (let day = fromDay; day <= toDay; day++) {
    if ((hours.mask & (1 << weekdayOf(day))) === 0 || blackout.has(day)) continue;
    const a = day * DAY + hours.start;
    const b = day * DAY + hours.end;
    const { before, after, change } = offsetsAround(clock, day);
    if (before === after) push(a - before, b - before);
    else {
      push(a - before, Math.min(b - before, change));
      push(Math.max(a - after, change), b - after);
    }
  }
  return out;
}

/** Each interval shortened by `ms` at its end (the instants from which it stays open `ms` longer). */
export function shorten(intervals: number[], ms: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < intervals.length; i += 2) {
    const from = intervals[i] as number;
    const to = (intervals[i + 1] as number) - ms;
    if (to > from) out.push(from, to);
  }
  return out;
}

/** The instants in both sorted interval lists. */
export function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i] as number, b[j] as number);
    const to = Math.min(a[i + 1] as number, b[j + 1] as number);
    if (from < to) out.push(from, to);
    if ((a[i + 1] as number) < (b[j + 1] as number)) i += 2;
    else j += 2;
  }
  return out;
}
