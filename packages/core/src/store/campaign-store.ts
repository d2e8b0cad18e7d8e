/**
 * Campaigns and their contacts in Redis: the campaign registry, meta and state machine, counters, contact
 * records, and (as `attempts`) the atomic transitions of attempts. Holds no state of its own: any number of
 * processes may use it at once. Every script is in lua/ and loaded by scripts.ts.
 */
import type { RedisClient } from '../redis.js';
import type { CampaignSettings } from '../campaign-settings.js';
import type { CampaignState, Outcome } from '../outcomes.js';
import { DialerError } from '../errors.js';
import type { AttemptRef } from '../notify-token.js';
import type { ContactRecord } from './contact-record.js';
import type { Keys } from './keys.js';
import { AttemptStore, deadlineMember, type HoldReason } from './attempts.js';
import { defineStoreCommands } from './scripts.js';
import { resultsMetaFields } from './results-outbox.js';

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
  /** When the settings were last changed on the running campaign (`dialer campaign set`). */
  settingsUpdatedAt?: number;
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
  /** Contacts that could be dialed but are held back now, by why (calling window, blackout day, region rule, cap). */
  held: Partial<Record<HoldReason, number>>;
}

/** What an operator (or the dialer itself) asks of a campaign's state; see lua/set-state.lua for the transitions. */
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

export class CampaignStore {
  /** The atomic transitions of attempts (claim, dialed, settle, interim, end) and the watchdog's deadlines. */
  readonly attempts: AttemptStore;

  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {
    defineStoreCommands(redis);
    // On Redis Cluster the global do-not-call list lives in another slot than the campaign: the claim checks the
    // campaign's list only, and the caller checks the global one just before.
    this.attempts = new AttemptStore(redis, keys, !redis.isCluster);
  }

  /** Whether the claim checks the global do-not-call list itself (one Redis), or the caller must (Cluster). */
  get globalListInClaim(): boolean {
    return this.attempts.globalListInClaim;
  }

  /**
   * Creates the campaign if it does not exist (settings, state and counters in one atomic step; `extra` meta
   * fields are written with them); returns whether it was created.
   */
  async createCampaign(
    id: string,
    settings: CampaignSettings,
    opts: { now?: number; extra?: Record<string, string> } = {},
  ): Promise<boolean> {
    const now = opts.now ?? Date.now();
    const extra = { ...opts.extra, ...resultsMetaFields(settings) };
    const k = this.keys;
    const created = await this.redis.dialerCreateCampaign(
      k.campaignMeta(id),
      k.campaignStats(id),
      JSON.stringify(settings),
      now,
      ...Object.entries(extra).flat(),
    );
    // Registered after the meta exists so a watcher never sees a campaign without settings. The registry lives
    // in another slot (Redis Cluster), so it cannot join the script; creating again re-registers.
    await this.redis.zadd(k.campaigns(), 'NX', now, id);
    if (settings.results) await this.redis.sadd(k.resultsCampaigns(), id);
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
      settingsUpdatedAt: h.settingsUpdatedAt ? Number(h.settingsUpdatedAt) : undefined,
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
  async transition(
    id: string,
    action: CampaignAction,
    opts: { reason?: string; now?: number; pausedBy?: AttemptRef } = {},
  ): Promise<StateChange> {
    const k = this.keys;
    const reason = opts.reason;
    const why = reason ?? (action === 'pause' ? 'paused by operator' : '');
    const pausedBy = opts.pausedBy ? deadlineMember(opts.pausedBy.contactId, opts.pausedBy.attempt) : '';
    const [answer, previous, state] = await this.redis.dialerSetState(
      k.campaignMeta(id),
      k.campaignStats(id),
      action,
      opts.now ?? Date.now(),
      why,
      pausedBy,
    );
    const result = answer as StateChange['result'];
    const change: StateChange = {
      result,
      previous: (previous || undefined) as CampaignState | undefined,
      state: (state || undefined) as CampaignState | undefined,
    };
    if (result === 'changed')
      await this.publish({ type: 'campaign-state', campaignId: id, state: change.state, reason: reason || undefined });
    return change;
  }

  /** {@link transition} named by the target state (tools and tests): paused → pause, running → resume, cancelled → cancel. */
  async setState(
    id: string,
    state: Exclude<CampaignState, 'completed'>,
    opts: { reason?: string; now?: number } = {},
  ): Promise<StateChange> {
    const action: CampaignAction = state === 'paused' ? 'pause' : state === 'running' ? 'resume' : 'cancel';
    return this.transition(id, action, opts);
  }

  /** Whether the automatic pause of the campaign was caused by this attempt's refusal (see CampaignMeta.pausedBy). */
  isPausedBy(meta: CampaignMeta, ref: AttemptRef): boolean {
    return meta.pausedBy === deadlineMember(ref.contactId, ref.attempt);
  }

  async publish(event: Record<string, unknown>): Promise<void> {
    await this.redis.publish(this.keys.events(), JSON.stringify(event));
  }

  async stats(id: string): Promise<CampaignStats> {
    const h = await this.redis.hgetall(this.keys.campaignStats(id));
    const outcomes: Partial<Record<Outcome, number>> = {};
    const held: Partial<Record<HoldReason, number>> = {};
    for (const [field, value] of Object.entries(h)) {
      if (field.startsWith('o:')) outcomes[field.slice(2) as Outcome] = Number(value);
      else if (field.startsWith('held:') && Number(value) > 0) held[field.slice(5) as HoldReason] = Number(value);
    }
    return {
      contacts: Number(h.contacts ?? 0),
      terminal: Number(h.terminal ?? 0),
      dialouts: Number(h.dialouts ?? 0),
      placed: Number(h.placed ?? 0),
      redials: Number(h.redials ?? 0),
      stranded: Number(h.stranded ?? 0),
      outcomes,
      held,
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
      for (let i = 0; i < flat.length; i += 2)
        yield [flat[i] as string, JSON.parse(flat[i + 1] as string) as ContactRecord];
    } while (cursor !== '0');
  }

  /** Adds contacts (id → record); returns a code per contact: 1 new, 2 still queued (ensure its job), 0 known. */
  async addContacts(id: string, contacts: [string, ContactRecord][]): Promise<number[]> {
    if (contacts.length === 0) return [];
    const k = this.keys;
    const args = contacts.flatMap(([cid, rec]) => [cid, JSON.stringify(rec)]);
    const [codes, moved] = await this.redis.dialerAddContacts(
      k.campaignContacts(id),
      k.campaignStats(id),
      k.campaignMeta(id),
      k.campaignOutbox(id),
      Date.now(),
      ...args,
    );
    // Contacts can move a campaign (a completed one runs again, one left with nothing to do completes): every
    // process is told, as for any other state change (workers take a campaign up again on it).
    if (moved) await this.publish({ type: 'campaign-state', campaignId: id, state: moved });
    return codes;
  }

  /**
   * One page (about `pageSize` contacts) of the reconciler's pass over a campaign: the contacts that are not
   * terminal and have no way forward (see lua/find-stranded.lua). `passDone` is true when this page ended a full
   * pass (the next call starts a new one). Read-only apart from the shared cursor.
   */
  async findStranded(
    id: string,
    opts: { now: number; graceMs: number; pageSize: number },
  ): Promise<{ passDone: boolean; stranded: StrandedContact[] }> {
    const k = this.keys;
    const out = await this.redis.dialerFindStranded(
      k.campaignContacts(id),
      k.campaignDeadlines(id),
      k.campaignReconcile(id),
      k.campaignStats(id),
      opts.now,
      opts.graceMs,
      opts.pageSize,
      k.campaignJobKeyPrefix(id),
      `${k.campaignReconcile(id)}:`,
    );
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

  /** Counts contacts the reconciler gave a way forward (`campaign status` shows it). */
  async countStranded(id: string, n: number): Promise<void> {
    await this.redis.hincrby(this.keys.campaignStats(id), 'stranded', n);
  }
}
