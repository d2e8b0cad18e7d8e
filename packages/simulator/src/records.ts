/**
 * What the simulator remembers. Records are plain fixed-shape objects (unset fields are `undefined`, so
 * V8 keeps one hidden class) and share strings with the request where possible, so a million fit in memory.
 */
import type { DialoutRequest, SavgJwtClaims } from '@dialer/core';
import type { SimOutcome } from './outcomes.js';

/** One dial-out request, whatever was answered. */
export interface DialoutRecord {
  /** 1, 2, 3… in arrival order. */
  seq: number;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
  botId: string;
  /** Which dial-out endpoint: `v1` (bot in the path) or `v2` (`…/V2/smartassist/dialout`, bot in the body too). */
  apiVersion: 'v1' | 'v2';
  /**
   * HTTP status answered: 0 while the reply is still pending, 499 when no reply was ever sent (a withheld
   * reply whose client went away, or the simulator shut down).
   */
  status: number;
  /** The validated body (target, caller, trunk, notifyurl, metadata, timers, machineDetection, …); undefined if refused before. */
  request: DialoutRequest | undefined;
  /** Verified JWT claims (appId, sub, jti, iat, exp); undefined on 401. */
  claims: SavgJwtClaims | undefined;
  /** Set when the call was placed; equals the notifications' `conversationId`. */
  sid: string | undefined;
  callId: string | undefined;
  outcome: SimOutcome | undefined;
  /** Why the request was refused (the `error` of the reply body). */
  error: string | undefined;
}

export type NotificationKind = 'interim' | 'final' | 'duplicate';

/** One notification POST to a `notifyurl`. */
export interface NotificationRecord {
  seq: number;
  /** The call's sid (= `conversationId`). */
  sid: string;
  url: string;
  kind: NotificationKind;
  spelling: 'old' | 'new';
  /** Exactly what was posted. */
  payload: Record<string, unknown>;
  /** The dial-out's `notifyHeaders`, sent as HTTP headers with this POST; undefined when it had none. */
  headers: Record<string, string> | undefined;
  /** Epoch ms when the POST started. */
  sentAt: number;
  /** The receiver's HTTP status; undefined while in flight or on a transport error. */
  receiverStatus: number | undefined;
  /** Transport error (refused, time-out, aborted). */
  error: string | undefined;
  /** Epoch ms when the POST finished (or failed). */
  doneAt: number | undefined;
}

/** A page of records: `next` is the `since` to pass for the following page. */
export interface RecordPage<T> {
  items: T[];
  next: number;
  /** Records with a seq at or below this were dropped by `recordLimit`. */
  dropped: number;
}

/** An append-only log of seq-numbered records that keeps the newest `limit` in a ring. */
export class RecordLog<T extends { seq: number }> {
  readonly #limit: number;
  #items: T[] = [];
  #head = 0;
  #lastSeq = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The next seq; the caller builds the record with it and then calls {@link push}. */
  nextSeq(): number {
    return this.#lastSeq + 1;
  }

  push(record: T): void {
    this.#lastSeq = record.seq;
    if (this.#limit === 0) return;
    if (this.#items.length < this.#limit) {
      this.#items.push(record);
      return;
    }
    this.#items[this.#head] = record;
    this.#head = (this.#head + 1) % this.#limit;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Records with seq > `since`, oldest first, at most `limit`. */
  since(since: number, limit: number): RecordPage<T> {
    const size = this.#items.length;
    const firstSeq = this.#lastSeq - size + 1;
    const offset = Math.max(0, since - firstSeq + 1);
    const count = Math.max(0, Math.min(size - offset, limit));
    const items = new Array<T>(count);
    for (let k = 0; k < count; k++) items[k] = this.#items[(this.#head + offset + k) % size]!;
    const next = count > 0 ? items[count - 1]!.seq : since;
    return { items, next, dropped: firstSeq - 1 };
  }

  /** Every stored record, oldest first. */
  all(): T[] {
    return this.since(0, Number.MAX_SAFE_INTEGER).items;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#lastSeq = 0;
  }
}
