/**
 * The notification processor's live feed: one event per notification it applied, on a channel per campaign, for
 * whoever watches a campaign live (`dialer call`). Fire-and-forget pub/sub: a watcher that was not subscribed
 * misses it, and the contact record stays the truth.
 */
import { scrubText } from './mask.js';
import type { Outcome } from './outcomes.js';
import type { Keys } from './store/keys.js';

/** One applied notification. Carries neither the phone number nor the notify token. */
export interface NotificationEvent {
  type: 'notification';
  campaignId: string;
  contactId: string;
  attempt: number;
  /** As the gateway sent it (lower-cased): `completed`, `failed`, `call-in-progress`, … */
  status: string;
  /** Whether the status ends the call. */
  final: boolean;
  /** The outcome it was classified as (final notifications only). */
  outcome?: Outcome;
  sipCode?: number;
  /** SIP status line or reason text, phone-like digit runs masked. */
  reason?: string;
  reasonCode?: string;
  machineDetection?: string;
  durationSeconds?: number;
  conversationId: string;
  /** What applying it did: `interim`, `terminal`, `completed`, `redial`, `redial-pending`, `noop` (a duplicate or late one). */
  result: string;
  /** When the webhook received it, and when it was applied (ms epoch). */
  receivedAt: number;
  appliedAt: number;
}

/**
 * The channel of one campaign's notification events. Not the campaign events channel (`keys.events()`): every
 * worker re-reads a campaign on each message there, which one message per notification would multiply by the
 * call volume; here only a watcher of this campaign receives them, and a PUBLISH nobody listens to costs Redis
 * a lookup.
 */
export function notificationEventsChannel(keys: Keys, campaignId: string): string {
  return `${keys.events()}:notifications:${campaignId}`;
}

/** The event as published: free texts scrubbed of phone-like digit runs. */
export function notificationEventMessage(event: NotificationEvent): string {
  const scrubbed: NotificationEvent = { ...event };
  if (event.reason !== undefined) scrubbed.reason = scrubText(event.reason);
  if (event.reasonCode !== undefined) scrubbed.reasonCode = scrubText(event.reasonCode);
  return JSON.stringify(scrubbed);
}

/** A message of {@link notificationEventsChannel}, or undefined when it is not one. */
export function parseNotificationEvent(message: string): NotificationEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const e = value as Partial<NotificationEvent>;
  const ok =
    e.type === 'notification' &&
    typeof e.campaignId === 'string' &&
    typeof e.contactId === 'string' &&
    typeof e.attempt === 'number' &&
    typeof e.status === 'string' &&
    typeof e.final === 'boolean';
  return ok ? (e as NotificationEvent) : undefined;
}
