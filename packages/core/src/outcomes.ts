/** How an attempt (and, for the last attempt, a contact) ended. Names are part of the outside interface. */
export const OUTCOMES = [
  'answered-human',
  'answered-machine',
  'answered',
  'busy',
  'unavailable',
  'no-answer',
  'rejected',
  'failed',
  'lost',
  'suppressed',
  'cancelled',
  'expired',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

/** Campaign lifecycle states. */
export const CAMPAIGN_STATES = ['running', 'paused', 'cancelled', 'completed'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/**
 * Contact state codes as stored: q queued (first attempt pending), d dialing (request about to be / being sent),
 * u uncertain (may have been placed; waiting for a notification or the watchdog), i in-call (placed),
 * w waiting (re-dial scheduled), t terminal.
 */
export const CONTACT_STATES = { q: 'queued', d: 'dialing', u: 'uncertain', i: 'in-call', w: 'waiting', t: 'terminal' } as const;
export type ContactStateCode = keyof typeof CONTACT_STATES;
