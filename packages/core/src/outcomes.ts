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

/** Contact state codes as stored (one letter each); only the store reads them: see store/contact-states.ts. */
export type ContactStateCode = 'q' | 'd' | 'u' | 'i' | 'w' | 't';
