import {
  contactTimeZone,
  isWindowOpen,
  nextWindowOpening,
  type CampaignSettings,
  type ContactRecord,
} from '@dialer/core';

/** Whether a contact may be dialed at `now`: dial now, wait until a later instant, or never (expired). */
export type DialTimeDecision =
  { kind: 'dial' } | { kind: 'delay'; untilMs: number; reason: string } | { kind: 'expire'; reason: string };

export const EXPIRED_REASON = 'campaign end date (endAt) passed before the call';

/**
 * How long a window (or the campaign) must still be open for a dial-out to start: the check runs before the
 * live-call slot and the paced instant are taken (up to a second or so) and the request still has to reach
 * SAVG, so a dial-out never arrives after the window closes or after `endAt`.
 */
export const DIAL_GUARD_MS = 2000;
/** Bound on the search for an opening long enough for the guard (each step moves to a later opening). */
const MAX_OPENINGS = 16;
/** Only a window lying entirely in DST gaps has no opening: look again later rather than never. */
const NO_OPENING_RETRY_MS = 3_600_000;

/**
 * The one place the worker decides *when* a contact may be called (checked at dial time, not at import;
 * see docs/design.md (Calling windows and time zones)): the campaign's `startAt` (delay until it), `endAt` (the contact expires), and the calling window
 * in the contact's own time zone (delay until its next opening; an opening at or after `endAt` means the
 * contact waits for `endAt` and then expires, so a campaign completes at its end date, not before).
 *
 * @param now - the calendar clock (the worker's injectable `now()`)
 * @param guardMs - see {@link DIAL_GUARD_MS} @defaultValue DIAL_GUARD_MS
 */
export function checkDialTime(
  contact: ContactRecord,
  settings: CampaignSettings,
  now: number,
  guardMs = DIAL_GUARD_MS,
): DialTimeDecision {
  const end = settings.endAt === undefined ? Infinity : Date.parse(settings.endAt);
  if (now + guardMs >= end) return { kind: 'expire', reason: EXPIRED_REASON };
  const start = settings.startAt === undefined ? -Infinity : Date.parse(settings.startAt);
  const from = Math.max(now, start);
  const zone = contactTimeZone(contact, settings.window.timezone);
  const opening = firstDialInstant(settings.window, zone, from, guardMs);
  if (opening === now) return { kind: 'dial' };
  if (opening === undefined)
    return { kind: 'delay', untilMs: now + NO_OPENING_RETRY_MS, reason: `calling window never opens in ${zone}` };
  if (opening + guardMs >= end)
    return { kind: 'delay', untilMs: end, reason: 'no calling window before endAt: the contact expires then' };
  const why = opening === start ? 'campaign has not started yet (startAt)' : `outside the calling window (${zone})`;
  return { kind: 'delay', untilMs: opening, reason: why };
}

/** The first instant at or after `from` at which the window is open and stays open for `guardMs`. */
function firstDialInstant(
  window: CampaignSettings['window'],
  zone: string,
  from: number,
  guardMs: number,
): number | undefined {
  let t: number | undefined = from;
  for (let i = 0; i < MAX_OPENINGS && t !== undefined; i++) {
    t = nextWindowOpening(window, zone, t);
    if (t === undefined || isWindowOpen(window, zone, t + guardMs)) return t;
    t += guardMs;
  }
  return undefined;
}
