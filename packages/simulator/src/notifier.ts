/**
 * Delivers status notifications to the dial-out's `notifyurl`, like SAVG: one POST per event, no retries
 * (SAVG documents none). A keep-alive agent keeps thousands of notifications per second cheap on loopback.
 */
import http from 'node:http';
import https from 'node:https';
import { toNewSpelling, toOldSpelling, type SavgNotification } from '@dialer/core';
import { planNotifications, type CallFacts } from './outcomes.js';
import { postJson, type PostAgents } from './post-json.js';
import type { Rng } from './random.js';
import type { NotificationKind } from './records.js';
import type { SimulatorState } from './state.js';

/** A placed call with a `notifyurl`, and how its notifications should go out. */
export interface NotifiedCall extends CallFacts {
  url: string;
  spelling: 'old' | 'new';
  /** Send the AMD interim event first. */
  interim: boolean;
  /** Send the final notification twice. */
  duplicate: boolean;
  /** The dial-out's `notifyHeaders`, sent with every POST of this call. */
  headers: Record<string, string> | undefined;
}

function describeError(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'error';
}

export class Notifier {
  readonly #state: SimulatorState;
  readonly #rng: Rng;
  readonly #agents: PostAgents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };
  readonly #timeoutMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(state: SimulatorState, rng: Rng, timeoutMs: number) {
    this.#state = state;
    this.#rng = rng;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends the call's notifications after `delayMs`. */
  schedule(call: NotifiedCall, delayMs: number): void {
    if (this.#closed) return;
    this.#state.callNotificationsScheduled();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#run(call);
    }, delayMs);
    this.#timers.add(timer);
  }

  /** Sends now; resolves once the receiver answered (used to deliver before the HTTP reply). */
  async sendNow(call: NotifiedCall): Promise<void> {
    if (this.#closed) return;
    this.#state.callNotificationsScheduled();
    await this.#run(call);
  }

  /** Stops everything: scheduled notifications are dropped, in-flight POSTs cut off (recorded as errors). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) {
      clearTimeout(timer);
      this.#state.callNotificationsDone();
    }
    this.#timers.clear();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  async #run(call: NotifiedCall): Promise<void> {
    try {
      const plan = planNotifications(call, Date.now(), this.#rng, call.interim);
      for (const interim of plan.interim) await this.#post(call, 'interim', interim);
      if (!plan.final) return;
      await this.#post(call, 'final', plan.final);
      if (call.duplicate) await this.#post(call, 'duplicate', plan.final);
    } finally {
      this.#state.callNotificationsDone();
    }
  }

  async #post(call: NotifiedCall, kind: NotificationKind, notification: SavgNotification): Promise<void> {
    if (this.#closed) return;
    const payload = call.spelling === 'old' ? toOldSpelling(notification) : toNewSpelling(notification);
    const record = this.#state.beginNotification({
      sid: call.sid,
      url: call.url,
      kind,
      spelling: call.spelling,
      payload,
      headers: call.headers,
      sentAt: Date.now(),
    });
    try {
      const status = await postJson(call.url, payload, this.#agents, this.#timeoutMs, call.headers);
      this.#state.finishNotification(record, status);
    } catch (error) {
      this.#state.finishNotification(record, undefined, describeError(error));
    }
  }
}
