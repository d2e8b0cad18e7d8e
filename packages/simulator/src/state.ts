/**
 * The simulator's memory: runtime config, script cursors, records and counters. Counters are kept apart
 * from the records so statistics stay exact when `recordLimit` drops old records.
 */
import { isSimOutcome, OutcomePicker, type SimOutcome } from './outcomes.js';
import {
  applyConfigPatch,
  describeIssues,
  scriptTarget,
  simulatorConfigPatchSchema,
  type SimulatorConfig,
  type SimulatorConfigPatch,
} from './options.js';
import { QuotaLimiter } from './quotas.js';
import type { Rng } from './random.js';
import { RecordLog, type DialoutRecord, type NotificationRecord, type RecordPage } from './records.js';
import type { Quota } from './specs.js';

export interface SimulatorStats {
  /** Dial-out requests received. */
  dialouts: number;
  /** Requests whose reply is still pending (slow, hanging, notify-before-reply). */
  pendingReplies: number;
  /** Replies by HTTP status (`499` = no reply sent). */
  byHttpStatus: Record<string, number>;
  /** Dial-outs refused with 429 because a bot's quota was full (also counted in `byHttpStatus`). */
  refusedByQuota: number;
  /** Calls placed (answered 200 or withheld), i.e. calls that exist on the simulated network. */
  placed: number;
  /** Placed calls by outcome. */
  byOutcome: Partial<Record<SimOutcome, number>>;
  notifications: {
    /** Notification POSTs started. */
    sent: number;
    /** POSTs not finished yet. */
    inFlight: number;
    /** Finished POSTs by receiver status (`'error'` = transport error). */
    byReceiverStatus: Record<string, number>;
    /** Placed calls whose notifications are still scheduled or in flight. */
    pendingCalls: number;
  };
}

type Listener<T> = (record: T) => void;

/** `tel:+1555…` ↔ `tel:1555…`; undefined for other targets. */
function otherTelSpelling(target: string): string | undefined {
  if (!target.startsWith('tel:')) return undefined;
  return target.startsWith('tel:+') ? `tel:${target.slice(5)}` : `tel:+${target.slice(4)}`;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Records and counters of one simulator; read it directly or over `GET /__sim/*`. */
export class SimulatorState {
  #config: SimulatorConfig;
  #picker: OutcomePicker;
  readonly #cursors = new Map<string, number>();
  readonly #dialouts: RecordLog<DialoutRecord>;
  readonly #notifications: RecordLog<NotificationRecord>;
  readonly #dialoutListeners = new Set<Listener<DialoutRecord>>();
  readonly #notificationListeners = new Set<Listener<NotificationRecord>>();
  readonly #quotas = new QuotaLimiter();
  #stats!: SimulatorStats;

  constructor(config: SimulatorConfig, recordLimit: number) {
    this.#config = config;
    this.#picker = new OutcomePicker(config.outcomes);
    this.#dialouts = new RecordLog(recordLimit);
    this.#notifications = new RecordLog(recordLimit);
    this.#resetStats();
  }

  /** The current runtime config (treat as read-only; change it with {@link updateConfig}). */
  get config(): SimulatorConfig {
    return this.#config;
  }

  /**
   * Validates and applies a config change (same fields as `PUT /__sim/config`); throws an error naming the
   * bad field. Given `scripts` replace all scripts and restart their cursors.
   */
  updateConfig(patch: SimulatorConfigPatch): SimulatorConfig {
    const parsed = simulatorConfigPatchSchema.safeParse(patch);
    if (!parsed.success) throw new Error(describeIssues(parsed.error));
    const next = applyConfigPatch(this.#config, parsed.data);
    this.#picker = new OutcomePicker(next.outcomes);
    if (parsed.data.scripts) this.#cursors.clear();
    this.#config = next;
    return next;
  }

  /** Sets (or with an empty list, removes) one target's outcome sequence and restarts its cursor. */
  setScript(target: string, outcomes: readonly SimOutcome[]): void {
    const bad = outcomes.find((outcome) => !isSimOutcome(outcome));
    if (bad !== undefined) throw new Error(`unknown outcome "${String(bad)}"`);
    const key = scriptTarget(target);
    const scripts = { ...this.#config.scripts };
    if (outcomes.length === 0) delete scripts[key];
    else scripts[key] = [...outcomes];
    this.#config = { ...this.#config, scripts };
    this.#cursors.delete(key);
  }

  /**
   * The next outcome for a target: its script if any (last entry repeats), else a weighted pick. `tel:+1555…`
   * and `tel:1555…` (the vendor's sample leaves out the +) find the same script.
   */
  nextOutcome(target: string, rng: Rng): SimOutcome {
    const scripts = this.#config.scripts;
    let key = target;
    let script = scripts[key];
    if (!script) {
      key = otherTelSpelling(target) ?? target;
      script = scripts[key];
    }
    if (!script) return this.#picker.pick(rng);
    const index = this.#cursors.get(key) ?? 0;
    this.#cursors.set(key, index + 1);
    return script[Math.min(index, script.length - 1)]!;
  }

  /**
   * Counts a dial-out against the bot's quotas (rolling windows) and answers true, or false without counting
   * it when one is full.
   */
  admitQuota(botId: string, quotas: readonly Quota[], now: number): boolean {
    if (this.#quotas.admit(botId, quotas, now)) return true;
    this.#stats.refusedByQuota++;
    return false;
  }

  // ---- dial-outs ----

  beginDialout(botId: string, receivedAt: number, apiVersion: 'v1' | 'v2' = 'v1'): DialoutRecord {
    const record: DialoutRecord = {
      seq: this.#dialouts.nextSeq(),
      receivedAt,
      botId,
      apiVersion,
      status: 0,
      request: undefined,
      claims: undefined,
      sid: undefined,
      callId: undefined,
      outcome: undefined,
      error: undefined,
    };
    this.#dialouts.push(record);
    this.#stats.dialouts++;
    this.#stats.pendingReplies++;
    return record;
  }

  markPlaced(record: DialoutRecord, sid: string, callId: string, outcome: SimOutcome): void {
    record.sid = sid;
    record.callId = callId;
    record.outcome = outcome;
    this.#stats.placed++;
    this.#stats.byOutcome[outcome] = (this.#stats.byOutcome[outcome] ?? 0) + 1;
  }

  finishDialout(record: DialoutRecord, status: number, error?: string): void {
    record.status = status;
    if (error !== undefined) record.error = error;
    this.#stats.pendingReplies--;
    bump(this.#stats.byHttpStatus, String(status));
    for (const listener of this.#dialoutListeners) listener(record);
  }

  // ---- notifications ----

  callNotificationsScheduled(): void {
    this.#stats.notifications.pendingCalls++;
  }

  callNotificationsDone(): void {
    this.#stats.notifications.pendingCalls--;
  }

  beginNotification(
    fields: Omit<NotificationRecord, 'seq' | 'receiverStatus' | 'error' | 'doneAt'>,
  ): NotificationRecord {
    const record: NotificationRecord = {
      seq: this.#notifications.nextSeq(),
      sid: fields.sid,
      url: fields.url,
      kind: fields.kind,
      spelling: fields.spelling,
      payload: fields.payload,
      headers: fields.headers,
      sentAt: fields.sentAt,
      receiverStatus: undefined,
      error: undefined,
      doneAt: undefined,
    };
    this.#notifications.push(record);
    this.#stats.notifications.sent++;
    this.#stats.notifications.inFlight++;
    return record;
  }

  finishNotification(record: NotificationRecord, receiverStatus: number | undefined, error?: string): void {
    record.receiverStatus = receiverStatus;
    if (error !== undefined) record.error = error;
    record.doneAt = Date.now();
    this.#stats.notifications.inFlight--;
    bump(this.#stats.notifications.byReceiverStatus, receiverStatus === undefined ? 'error' : String(receiverStatus));
    for (const listener of this.#notificationListeners) listener(record);
  }

  // ---- reading ----

  /** Dial-out records with seq > `since`, oldest first. */
  dialouts(since = 0, limit = Number.MAX_SAFE_INTEGER): RecordPage<DialoutRecord> {
    return this.#dialouts.since(since, limit);
  }

  /** Notification records with seq > `since`, oldest first. */
  notifications(since = 0, limit = Number.MAX_SAFE_INTEGER): RecordPage<NotificationRecord> {
    return this.#notifications.since(since, limit);
  }

  /** A snapshot of the counters. */
  stats(): SimulatorStats {
    return structuredClone(this.#stats);
  }

  /** Called with each dial-out record once its reply status is final; returns an unsubscribe function. */
  onDialout(listener: Listener<DialoutRecord>): () => void {
    this.#dialoutListeners.add(listener);
    return () => this.#dialoutListeners.delete(listener);
  }

  /** Called with each notification record once its POST finished; returns an unsubscribe function. */
  onNotification(listener: Listener<NotificationRecord>): () => void {
    this.#notificationListeners.add(listener);
    return () => this.#notificationListeners.delete(listener);
  }

  /**
   * Forgets records, counters, script cursors and the requests counted against quotas (seqs restart at 1);
   * the config stays. Work in flight (pending replies, scheduled notifications) still completes and is
   * counted afresh.
   */
  reset(): void {
    this.#dialouts.clear();
    this.#notifications.clear();
    this.#cursors.clear();
    this.#quotas.clear();
    const { pendingReplies, notifications } = this.#stats;
    this.#resetStats();
    this.#stats.pendingReplies = pendingReplies;
    this.#stats.notifications.inFlight = notifications.inFlight;
    this.#stats.notifications.pendingCalls = notifications.pendingCalls;
  }

  #resetStats(): void {
    this.#stats = {
      dialouts: 0,
      pendingReplies: 0,
      byHttpStatus: {},
      refusedByQuota: 0,
      placed: 0,
      byOutcome: {},
      notifications: { sent: 0, inFlight: 0, byReceiverStatus: {}, pendingCalls: 0 },
    };
  }
}
