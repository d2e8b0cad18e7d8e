import { contactTimeZone, dialWindow, type CampaignSettings, type ContactRecord, type DialLocale } from '@dialer/core';

/**
 * Whether a contact may be dialed at `now`: dial now, wait until a later instant, or never (expired). A delay the
 * calling rules cause says which (`why`: its window in one of its zones, a blackout date, a region rule); one for
 * `startAt` has none.
 */
export type DialTimeDecision =
  | { kind: 'dial' }
  | { kind: 'delay'; untilMs: number; reason: string; why?: 'window' | 'blackout' | 'region-rule' }
  | { kind: 'expire'; reason: string };

export const EXPIRED_REASON = 'campaign end date (endAt) passed before the call';

/**
 * How long a window (or the campaign) must still be open for a dial-out to start: the check runs before the
 * live-call slot and the paced instant are taken (up to a second or so) and the request still has to reach
 * SAVG, so a dial-out never arrives after the window closes or after `endAt`.
 */
export const DIAL_GUARD_MS = 2000;
/** A window that never opens for the contact's zones and regions: look again later rather than never. */
const NO_OPENING_RETRY_MS = 3_600_000;

/**
 * The zones and regions a contact's calling window is judged in, when the caller has none stored: the one zone
 * of {@link contactTimeZone} (CSV `timezone`, else its number's zone, else `window.timezone`, else UTC) and no
 * region, which is how every contact was judged before contact locales.
 */
export function fallbackLocale(contact: ContactRecord, settings: CampaignSettings): DialLocale {
  return { zones: [contactTimeZone(contact, settings.window.timezone ?? 'UTC')], regions: [] };
}

/**
 * The one place the worker decides *when* a contact may be called (checked at dial time, not at import;
 * see docs/design.md (Calling windows and time zones)): the campaign's `startAt` (delay until it), `endAt` (the
 * contact expires), and {@link dialWindow} (every zone the contact may be in open, no blackout day, its region
 * rules: delay until the common opening; an opening at or after `endAt` means the contact waits for `endAt`
 * and then expires, so a campaign completes at its end date, not before).
 *
 * @param now - the calendar clock (the worker's injectable `now()`)
 * @param guardMs - see {@link DIAL_GUARD_MS} @defaultValue DIAL_GUARD_MS
 * @param locale - the zones and regions the contact may be in (its stored locale, when the caller has one)
 *   @defaultValue {@link fallbackLocale}
 */
export function checkDialTime(
  contact: ContactRecord,
  settings: CampaignSettings,
  now: number,
  guardMs = DIAL_GUARD_MS,
  locale: DialLocale = fallbackLocale(contact, settings),
): DialTimeDecision {
  const end = settings.endAt === undefined ? Infinity : Date.parse(settings.endAt);
  if (now + guardMs >= end) return { kind: 'expire', reason: EXPIRED_REASON };
  const start = settings.startAt === undefined ? -Infinity : Date.parse(settings.startAt);
  const from = Math.max(now, start);
  const window = dialWindow(settings, locale, from, guardMs);
  if (window.kind === 'never')
    return { kind: 'delay', untilMs: now + NO_OPENING_RETRY_MS, reason: window.detail, why: 'window' };
  const noWindow = 'no calling window before endAt: the contact expires then';
  if (window.kind === 'open') {
    if (from === now) return { kind: 'dial' };
    if (from + guardMs >= end) return { kind: 'delay', untilMs: end, reason: noWindow };
    return { kind: 'delay', untilMs: from, reason: 'campaign has not started yet (startAt)' };
  }
  const { until, why, detail } = window;
  if (until + guardMs >= end) return { kind: 'delay', untilMs: end, reason: noWindow, why };
  return { kind: 'delay', untilMs: until, reason: detail, why };
}
