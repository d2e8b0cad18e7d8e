/**
 * Follows one attempt's notifications as the ingester applies them: its events on the campaign's notification
 * channel (subscribed before the dial-out, so none is missed), and the contact record read every second as a
 * net under pub/sub (a message lost in a reconnect, an attempt the watchdog ended `lost`).
 */
import type { AttemptRef, CampaignStore, ContactRecord, NotificationEvent, RedisClient } from '@dialer/core';

export type WatchEnd =
  /** The final notification came. */
  | { kind: 'final'; event: NotificationEvent }
  /** The attempt ended without its final event being seen (read from the record). */
  | { kind: 'ended'; record: ContactRecord }
  | { kind: 'timeout' }
  | { kind: 'interrupted' };

const RECORD_POLL_MS = 1000;
const TICK_MS = 50;
/** After the record says ended, how long the final event (published right after) may still take. */
const EVENT_GRACE_MS = 1000;

export class CallWatch {
  readonly events: NotificationEvent[] = [];
  #final: NotificationEvent | undefined;

  constructor(
    private readonly core: typeof import('@dialer/core'),
    private readonly subscriber: RedisClient,
    private readonly ref: AttemptRef,
    private readonly onEvent: (event: NotificationEvent) => void,
  ) {}

  async start(keys: import('@dialer/core').Keys): Promise<void> {
    this.subscriber.on('message', (_channel: string, message: string) => this.take(message));
    await this.subscriber.subscribe(this.core.notificationEventsChannel(keys, this.ref.campaignId));
  }

  private take(message: string): void {
    const event = this.core.parseNotificationEvent(message);
    if (!event || event.contactId !== this.ref.contactId || event.attempt !== this.ref.attempt) return;
    this.events.push(event);
    if (event.final && !this.#final && event.result !== 'noop') this.#final = event;
    this.onEvent(event);
  }

  /** Waits for the final notification until `deadline` (ms epoch) or `signal`. */
  async waitFinal(store: CampaignStore, deadline: number, signal: AbortSignal): Promise<WatchEnd> {
    let nextPoll = 0;
    let endedAt: number | undefined;
    let ended: ContactRecord | undefined;
    for (;;) {
      if (this.#final) return { kind: 'final', event: this.#final };
      if (signal.aborted) return { kind: 'interrupted' };
      const now = Date.now();
      if (ended && endedAt !== undefined && now - endedAt >= EVENT_GRACE_MS) return { kind: 'ended', record: ended };
      if (now >= deadline) return ended ? { kind: 'ended', record: ended } : { kind: 'timeout' };
      if (!ended && now >= nextPoll) {
        nextPoll = now + RECORD_POLL_MS;
        const record = await store.getContact(this.ref.campaignId, this.ref.contactId).catch(() => undefined);
        if (record && record.n === this.ref.attempt && this.core.contactState(record) === 'ended') {
          ended = record;
          endedAt = Date.now();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  }

  async close(): Promise<void> {
    try {
      await this.subscriber.unsubscribe();
    } catch {
      // the connection may be gone already
    }
    this.subscriber.disconnect();
  }
}
