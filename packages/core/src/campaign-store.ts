import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import { attemptKey } from './keys.js';
import type { CampaignSettings } from './campaign-settings.js';
import type { CampaignState, Outcome } from './outcomes.js';
import type { AttemptResultFields, ContactRecord } from './contact-record.js';
import { DialerError } from './errors.js';
import {
  ADD_CONTACTS_SCRIPT,
  BEGIN_SCRIPT,
  CREATE_CAMPAIGN_SCRIPT,
  DIALED_SCRIPT,
  END_SCRIPT,
  FIND_STRANDED_SCRIPT,
  INTERIM_SCRIPT,
  SET_STATE_SCRIPT,
  SETTLE_DIAL_SCRIPT,
} from './contact-scripts.js';

export { REDIAL_GUARD_MS } from './contact-scripts.js';

export interface CampaignMeta {
  id: string;
  state: CampaignState;
  settings: CampaignSettings;
  createdAt: number;
  pauseReason?: string;
  pausedAt?: number;
  /** The attempt (`contactId:n`) whose refusal paused the campaign automatically, and `placed` at that moment. */
  pausedBy?: string;
  pausedPlaced?: number;
  completedAt?: number;
  cancelledAt?: number;
}

export interface CampaignStats {
  contacts: number;
  terminal: number;
  dialouts: number;
  /** Dial-outs SAVG accepted (answered with a call id). */
  placed: number;
  redials: number;
  /** Contacts the reconciler found with no way forward (no job, no live call) and gave one back. */
  stranded: number;
  outcomes: Partial<Record<Outcome, number>>;
}

/** What an operator (or the dialer itself) asks of a campaign's state; see SET_STATE_SCRIPT for the transitions. */
export type CampaignAction = 'pause' | 'auto-pause' | 'resume' | 'cancel';

export interface StateChange {
  /** `changed`; `unchanged` (already there); `refused` (not allowed from `previous`: cancelled and completed are final); `missing`. */
  result: 'changed' | 'unchanged' | 'refused' | 'missing';
  previous: CampaignState | undefined;
  state: CampaignState | undefined;
}

/** A non-terminal contact with no way forward, found by {@link CampaignStore.findStranded}. */
export interface StrandedContact {
  contactId: string;
  attempt: number;
  /** Queued or waiting for a re-dial (needs its job), or dialing / in a call (needs its deadline). */
  waiting: boolean;
  /** When a waiting re-dial is due (ms epoch), 0 when not a re-dial. */
  due: number;
  kind: 'no-job' | 'job-finished' | 'no-deadline';
}

export type BeginResult = 'begin' | 'uncertain' | 'suppressed' | 'stale' | 'missing' | `state:${string}` | `already:${string}`;
export type EndResult = 'terminal' | 'completed' | 'redial' | 'redial-pending' | 'noop' | 'missing';

export interface EndInput {
  campaignId: string;
  contactId: string;
  attempt: number;
  outcome: Outcome;
  fields: AttemptResultFields;
  /** Re-dial after this delay (ms), or undefined to end the contact. */
  redialDelayMs?: number;
  /** States the attempt may end from: 'dui' for notifications and the watchdog, 'qw' before dialing, 'd' during it. */
  from: string;
}

const SCRIPTS = {
  dialerBegin: { numberOfKeys: 6, lua: BEGIN_SCRIPT },
  dialerDialed: { numberOfKeys: 4, lua: DIALED_SCRIPT },
  dialerSettle: { numberOfKeys: 3, lua: SETTLE_DIAL_SCRIPT },
  dialerInterim: { numberOfKeys: 1, lua: INTERIM_SCRIPT },
  dialerEnd: { numberOfKeys: 5, lua: END_SCRIPT },
  dialerAddContacts: { numberOfKeys: 3, lua: ADD_CONTACTS_SCRIPT },
  dialerCreateCampaign: { numberOfKeys: 2, lua: CREATE_CAMPAIGN_SCRIPT },
  dialerSetState: { numberOfKeys: 2, lua: SET_STATE_SCRIPT },
  dialerFindStranded: { numberOfKeys: 4, lua: FIND_STRANDED_SCRIPT },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** The member naming attempt n of a contact in the watchdog's deadline set. */
export function deadlineMember(contactId: string, attempt: number): string {
  return `${contactId}:${attempt}`;
}

/**
 * All reads and atomic transitions of campaigns and their contacts. Holds no state of its own:
 * any number of processes may use it at once.
 */
export class CampaignStore {
  /**
   * Whether `begin` checks the global do-not-call list too. On one Redis it does; on Redis Cluster the list
   * lives in another slot than the campaign, so callers check it just before (see `globalListInClaim`).
   */
  readonly globalListInClaim: boolean;

  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {
    this.globalListInClaim = !redis.isCluster;
    for (const [name, def] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, def);
    }
  }

  private run(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    return (this.redis as unknown as Record<ScriptName, ScriptFn>)[name](...args);
  }

  /**
   * Creates the campaign if it does not exist (settings, state and counters in one atomic step; `extra` meta
   * fields are written with them); returns whether it was created.
   */
  async createCampaign(id: string, settings: CampaignSettings, now = Date.now(), extra: Record<string, string> = {}): Promise<boolean> {
    const k = this.keys;
    const created = await this.run(
      'dialerCreateCampaign', k.campaignMeta(id), k.campaignStats(id), JSON.stringify(settings), now, ...Object.entries(extra).flat(),
    );
    // Registered after the meta exists so a watcher never sees a campaign without settings. The registry lives
    // in another slot (Redis Cluster), so it cannot join the script; creating again re-registers.
    await this.redis.zadd(k.campaigns(), 'NX', now, id);
    if (created === 1) await this.publish({ type: 'campaign-created', campaignId: id });
    return created === 1;
  }

  async getCampaign(id: string): Promise<CampaignMeta | undefined> {
    const h = await this.redis.hgetall(this.keys.campaignMeta(id));
    if (!h.settings) return undefined;
    return {
      id,
      state: (h.state ?? 'running') as CampaignState,
      settings: JSON.parse(h.settings) as CampaignSettings,
      createdAt: Number(h.createdAt ?? 0),
      pauseReason: h.pauseReason || undefined,
      pausedAt: h.pausedAt ? Number(h.pausedAt) : undefined,
      pausedBy: h.pausedBy || undefined,
      pausedPlaced: h.pausedPlaced ? Number(h.pausedPlaced) : undefined,
      completedAt: h.completedAt ? Number(h.completedAt) : undefined,
      cancelledAt: h.cancelledAt ? Number(h.cancelledAt) : undefined,
    };
  }

  async requireCampaign(id: string): Promise<CampaignMeta> {
    const meta = await this.getCampaign(id);
    if (!meta) throw new DialerError('DIALER_ERR_CAMPAIGN_NOT_FOUND', `No campaign named "${id}"`, { campaignId: id });
    return meta;
  }

  async listCampaignIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.campaigns(), 0, -1);
  }

  async getState(id: string): Promise<CampaignState | undefined> {
    return ((await this.redis.hget(this.keys.campaignMeta(id), 'state')) ?? undefined) as CampaignState | undefined;
  }

  /**
   * Changes the campaign's state atomically, only along the allowed transitions (cancelled and completed are
   * final; an automatic pause never overwrites a pause or a cancel), and tells every process when it changed.
   */
  async transition(id: string, action: CampaignAction, reason?: string, now = Date.now(), pausedBy = ''): Promise<StateChange> {
    const k = this.keys;
    const why = reason ?? (action === 'pause' ? 'paused by operator' : '');
    const [result, previous, state] = (await this.run('dialerSetState', k.campaignMeta(id), k.campaignStats(id), action, now, why, pausedBy)) as [
      StateChange['result'],
      string,
      string,
    ];
    const change: StateChange = { result, previous: (previous || undefined) as CampaignState | undefined, state: (state || undefined) as CampaignState | undefined };
    if (result === 'changed') await this.publish({ type: 'campaign-state', campaignId: id, state: change.state, reason: reason || undefined });
    return change;
  }

  /** {@link transition} named by the target state (tests and scripts): paused → pause, running → resume, cancelled → cancel. */
  async setState(id: string, state: Exclude<CampaignState, 'completed'>, reason?: string, now = Date.now()): Promise<StateChange> {
    const action: CampaignAction = state === 'paused' ? 'pause' : state === 'running' ? 'resume' : 'cancel';
    return this.transition(id, action, reason, now);
  }

  async publish(event: Record<string, unknown>): Promise<void> {
    await this.redis.publish(this.keys.events(), JSON.stringify(event));
  }

  async stats(id: string): Promise<CampaignStats> {
    const h = await this.redis.hgetall(this.keys.campaignStats(id));
    const outcomes: Partial<Record<Outcome, number>> = {};
    for (const [field, value] of Object.entries(h)) {
      if (field.startsWith('o:')) outcomes[field.slice(2) as Outcome] = Number(value);
    }
    return {
      contacts: Number(h.contacts ?? 0),
      terminal: Number(h.terminal ?? 0),
      dialouts: Number(h.dialouts ?? 0),
      placed: Number(h.placed ?? 0),
      redials: Number(h.redials ?? 0),
      stranded: Number(h.stranded ?? 0),
      outcomes,
    };
  }

  async getContact(id: string, contactId: string): Promise<ContactRecord | undefined> {
    const raw = await this.redis.hget(this.keys.campaignContacts(id), contactId);
    return raw ? (JSON.parse(raw) as ContactRecord) : undefined;
  }

  /** Iterates every contact of a campaign in bounded memory (HSCAN pages). */
  async *contacts(id: string, pageSize = 1000): AsyncGenerator<[string, ContactRecord]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.campaignContacts(id), cursor, 'COUNT', pageSize);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) yield [flat[i] as string, JSON.parse(flat[i + 1] as string) as ContactRecord];
    } while (cursor !== '0');
  }

  /** Adds contacts (id → record); returns a code per contact: 1 new, 2 still queued (ensure its job), 0 known. */
  async addContacts(id: string, contacts: [string, ContactRecord][]): Promise<number[]> {
    if (contacts.length === 0) return [];
    const k = this.keys;
    const args = contacts.flatMap(([cid, rec]) => [cid, JSON.stringify(rec)]);
    return (await this.run('dialerAddContacts', k.campaignContacts(id), k.campaignStats(id), k.campaignMeta(id), Date.now(), ...args)) as number[];
  }

  /** Claims attempt n for dialing (state q/w → d). See BEGIN_SCRIPT for the other answers. */
  /**
   * `claim` names this delivery of the job (its lock token): the same claim sent again finds its own claim and
   * answers `begin` again (ioredis re-sends a command whose reply was lost in a reconnect).
   */
  async begin(
    id: string, contactId: string, attempt: number, deadline: number, now = Date.now(), claim: string = randomUUID(),
  ): Promise<{ result: BeginResult; record?: ContactRecord }> {
    const k = this.keys;
    const [result, raw] = (await this.run(
      'dialerBegin', k.campaignContacts(id), k.campaignMeta(id), k.campaignStats(id), k.campaignDeadlines(id),
      k.campaignSuppress(id), this.globalListInClaim ? k.globalSuppress() : k.campaignSuppress(id),
      contactId, attempt, now, deadline, deadlineMember(contactId, attempt), claim,
    )) as [BeginResult, string];
    return { result, record: raw ? (JSON.parse(raw) as ContactRecord) : undefined };
  }

  /**
   * Stores the dial-out response (sid/callId) and moves d/u → i. With `deadline`, the attempt's watchdog
   * deadline moves there: `begin` had to allow for the request itself (it may be placed as late as the
   * request time-out), the placed call only needs LOST_AFTER_MS from now.
   */
  async dialed(id: string, contactId: string, attempt: number, sid: string, callId: string, now = Date.now(), deadline?: number): Promise<string> {
    const k = this.keys;
    const [result] = (await this.run(
      'dialerDialed', k.campaignContacts(id), k.campaignSids(id), k.campaignDeadlines(id), k.campaignStats(id),
      contactId, attempt, sid, callId, now, deadline ?? '',
    )) as [string];
    return result;
  }

  /** After a failed request: `revert` when it certainly never reached SAVG, `uncertain` when it may have. */
  async settleDial(id: string, contactId: string, attempt: number, how: 'revert' | 'uncertain', now = Date.now()): Promise<string> {
    const k = this.keys;
    const state = how === 'uncertain' ? 'u' : attempt === 1 ? 'q' : 'w';
    const [result] = (await this.run(
      'dialerSettle', k.campaignContacts(id), k.campaignStats(id), k.campaignDeadlines(id),
      contactId, attempt, state, now, deadlineMember(contactId, attempt),
    )) as [string];
    return result;
  }

  async interim(id: string, contactId: string, attempt: number, fields: AttemptResultFields, now = Date.now()): Promise<string> {
    const [result] = (await this.run('dialerInterim', this.keys.campaignContacts(id), contactId, attempt, JSON.stringify(fields), now)) as [string];
    return result;
  }

  /**
   * Ends an attempt (and the contact, unless it re-dials). Idempotent: a replay answers noop / redial-pending.
   * `revised`: the attempt had ended `lost` and this real, late end (an outcome not re-dialed) replaced it:
   * the pending re-dial of it was called off, or the contact that had ended `lost` now shows this outcome.
   */
  async end(input: EndInput, now = Date.now()): Promise<{ result: EndResult; record?: ContactRecord; revised?: boolean }> {
    const k = this.keys;
    const id = input.campaignId;
    const [result, raw, flag] = (await this.run(
      'dialerEnd', k.campaignContacts(id), k.campaignStats(id), k.campaignDeadlines(id), k.campaignSids(id), k.campaignMeta(id),
      input.contactId, input.attempt, input.from, input.outcome, JSON.stringify(input.fields),
      input.redialDelayMs ?? -1, now, deadlineMember(input.contactId, input.attempt),
    )) as [EndResult, string, string?];
    if (result === 'completed') await this.publish({ type: 'campaign-state', campaignId: id, state: 'completed' });
    return { result, record: raw ? (JSON.parse(raw) as ContactRecord) : undefined, ...(flag === 'revised' ? { revised: true } : {}) };
  }

  /**
   * One page (about `pageSize` contacts) of the reconciler's pass over a campaign: the contacts that are not
   * terminal and have no way forward (see FIND_STRANDED_SCRIPT). `passDone` is true when this page ended a full
   * pass (the next call starts a new one). Read-only apart from the shared cursor.
   */
  async findStranded(id: string, opts: { now: number; graceMs: number; pageSize: number }): Promise<{ passDone: boolean; stranded: StrandedContact[] }> {
    const k = this.keys;
    const out = (await this.run(
      'dialerFindStranded', k.campaignContacts(id), k.campaignDeadlines(id), k.campaignReconcile(id), k.campaignStats(id),
      opts.now, opts.graceMs, opts.pageSize, k.campaignJobKeyPrefix(id), `${k.campaignReconcile(id)}:`,
    )) as (string | number)[];
    const stranded: StrandedContact[] = [];
    for (let i = 1; i < out.length; i += 5) {
      const state = String(out[i + 2]);
      stranded.push({
        contactId: String(out[i]),
        attempt: Number(out[i + 1]),
        waiting: state === 'q' || state === 'w',
        due: Number(out[i + 3]),
        kind: out[i + 4] as StrandedContact['kind'],
      });
    }
    return { passDone: String(out[0]) === '0', stranded };
  }

  /** Gives a dialing or in-call attempt that lost its deadline a new one (NX: an existing deadline stands). */
  async restoreDeadline(id: string, contactId: string, attempt: number, at: number): Promise<boolean> {
    return (await this.redis.zadd(this.keys.campaignDeadlines(id), 'NX', at, deadlineMember(contactId, attempt))) === 1;
  }

  /** Counts contacts the reconciler gave a way forward (`campaign status` shows it). */
  async countStranded(id: string, n: number): Promise<void> {
    await this.redis.hincrby(this.keys.campaignStats(id), 'stranded', n);
  }

  /** Attempts whose notification deadline has passed (for the lost-notification watchdog). */
  async dueDeadlines(id: string, now: number, limit = 500): Promise<{ contactId: string; attempt: number }[]> {
    const members = await this.redis.zrangebyscore(this.keys.campaignDeadlines(id), '-inf', now, 'LIMIT', 0, limit);
    return members.map((m) => {
      const i = m.lastIndexOf(':');
      return { contactId: m.slice(0, i), attempt: Number(m.slice(i + 1)) };
    });
  }

  /** Looks up the attempt a live call's sid or callId belongs to. */
  async attemptBySid(id: string, sid: string): Promise<string | undefined> {
    const member = await this.redis.hget(this.keys.campaignSids(id), sid);
    if (!member) return undefined;
    const i = member.lastIndexOf(':');
    return attemptKey(id, member.slice(0, i), Number(member.slice(i + 1)));
  }
}
