import type { CampaignSettings, ContactRecord } from '@dialer/core';

/** Whether a contact may be dialed at `now`: dial now, wait until a later instant, or never (expired). */
export type DialTimeDecision =
  | { kind: 'dial' }
  | { kind: 'delay'; untilMs: number; reason: string }
  | { kind: 'expire'; reason: string };

export const EXPIRED_REASON = 'campaign end date (endAt) passed before the call';

/**
 * The one place the worker decides *when* a contact may be called (DESIGN §4.4: checked at dial time, not
 * at import). Today: the campaign's `startAt` (delay until it) and `endAt` (the contact expires). Calling
 * windows in the contact's own time zone belong here too (the compliance issue), which is why the contact
 * is a parameter although the current rules do not read it.
 */
export function checkDialTime(_contact: ContactRecord, settings: CampaignSettings, now: number): DialTimeDecision {
  if (settings.endAt !== undefined && now >= Date.parse(settings.endAt)) {
    return { kind: 'expire', reason: EXPIRED_REASON };
  }
  if (settings.startAt !== undefined) {
    const start = Date.parse(settings.startAt);
    if (now < start) return { kind: 'delay', untilMs: start, reason: 'campaign has not started yet (startAt)' };
  }
  return { kind: 'dial' };
}
