/**
 * The atomic transitions of an attempt (see the scripts in lua/ for each one's rules), with typed answers:
 * nothing outside the store reads a state code or takes a script's answer apart.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import type { CampaignState, Outcome } from '../outcomes.js';
import type { AttemptRef } from '../notify-token.js';
import type { AttemptResultFields, ContactRecord } from './contact-record.js';
import { contactState, type ContactState } from './contact-states.js';
import type { Keys } from './keys.js';

/** Why a contact whose re-dial a cancel cut short ends `cancelled` (same text as a cancel's sweep). */
export const CANCELLED_REASON = 'campaign cancelled';

/**
 * How long after a re-dial is due the lost-notification watchdog makes sure its job exists: ending an attempt
 * with a re-dial leaves its member in the deadlines set at `due + REDIAL_GUARD_MS` (removed when the re-dial
 * begins); if it comes due, the re-dial has not started and its job is re-ensured.
 */
export const REDIAL_GUARD_MS = 60_000;

/** The member naming attempt n of a contact in the watchdog's deadline set. */
export function deadlineMember(contactId: string, attempt: number): string {
  return `${contactId}:${attempt}`;
}

export type BeginOutcome =
  /** Claimed (or this very claim again, after a reply a reconnect lost): the dial-out may go. */
  | { kind: 'begun'; record: ContactRecord }
  /** Another delivery of the job was dialing: its request may have left, so never dial again. */
  | { kind: 'uncertain'; record: ContactRecord }
  /** The number is on a do-not-call list: nothing changed. */
  | { kind: 'suppressed'; record: ContactRecord }
  /** The campaign is not running: nothing changed. */
  | { kind: 'not-running'; state: CampaignState | 'missing' }
  /** The attempt is past dialing: in a call, uncertain, or ended. */
  | { kind: 'past'; state: ContactState; record: ContactRecord }
  /** The contact is at another attempt (a stale job). */
  | { kind: 'stale'; record: ContactRecord }
  | { kind: 'missing' };

export interface BeginOptions {
  /** The watchdog's deadline for the attempt (the request may be placed as late as its time-out). */
  deadline: number;
  /** This delivery's claim (the job's lock token). @defaultValue a random one */
  claim?: string;
  /**
   * The contact's number, when the caller has it: on Redis Cluster the global do-not-call list lives in another
   * slot than the campaign, so it is checked just before the claim (one round trip less when given).
   */
  number?: string;
  now?: number;
}

/** Why a contact that could be dialed is not: its calling window, a blackout day, its region's rule, a contact cap. */
export const HOLD_REASONS = ['window', 'blackout', 'region-rule', 'cap'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** The states an attempt may be ended from: `call` (notifications, the watchdog), `before-dial`, `dialing` (the dial-out's answer). */
export type EndFrom = 'call' | 'before-dial' | 'dialing';
const FROM_CODES: Record<EndFrom, string> = { call: 'dui', 'before-dial': 'qw', dialing: 'd' };

export interface EndInput extends AttemptRef {
  outcome: Outcome;
  fields: AttemptResultFields;
  /** Re-dial after this delay (ms), or undefined to end the contact. */
  redialDelayMs?: number;
  from: EndFrom;
}

export type EndResult = 'terminal' | 'completed' | 'redial' | 'redial-pending' | 'noop' | 'missing';

export interface EndOutcome {
  result: EndResult;
  record?: ContactRecord;
  /**
   * The attempt had ended `lost` and this real, late end (an outcome not re-dialed) replaced it: the pending
   * re-dial of it was called off, or the contact that had ended `lost` now shows this outcome.
   */
  revised?: boolean;
}

function parse(raw: string): ContactRecord | undefined {
  return raw ? (JSON.parse(raw) as ContactRecord) : undefined;
}

/** lua/begin.lua's answer, typed. */
export function claimOutcome(answer: string, raw: string): BeginOutcome {
  const record = parse(raw);
  if (!record) return { kind: 'missing' };
  if (answer === 'begin') return { kind: 'begun', record };
  if (answer === 'uncertain') return { kind: 'uncertain', record };
  if (answer === 'suppressed') return { kind: 'suppressed', record };
  if (answer === 'stale') return { kind: 'stale', record };
  if (answer.startsWith('state:')) return { kind: 'not-running', state: answer.slice(6) as CampaignState | 'missing' };
  return { kind: 'past', state: contactState(record), record };
}

/** The atomic transitions of attempts; held by {@link CampaignStore} as `store.attempts`. */
export class AttemptStore {
  /**
   * @param globalListInClaim - whether the claim checks the global do-not-call list too (on one Redis it does;
   *   on Redis Cluster the list is in another slot than the campaign: the caller checks it just before).
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    readonly globalListInClaim: boolean,
  ) {}

  /**
   * Claims the attempt for dialing (queued or waiting → dialing); see {@link BeginOutcome}. The do-not-call lists
   * are checked in the claim itself, so a number listed before the claim is never dialed — on Redis Cluster the
   * global list one round trip before it (a number listed in that instant can still be dialed once).
   */
  async begin(ref: AttemptRef, opts: BeginOptions): Promise<BeginOutcome> {
    const k = this.keys;
    const id = ref.campaignId;
    if (!this.globalListInClaim && (await this.globallySuppressed(ref, opts.number))) {
      const raw = await this.redis.hget(k.campaignContacts(id), ref.contactId);
      const record = raw ? parse(raw) : undefined;
      return record ? { kind: 'suppressed', record } : { kind: 'missing' };
    }
    const { keys, args } = this.claimCommand(ref, opts);
    const [answer, raw] = await this.redis.dialerBegin(...keys, ...args);
    return claimOutcome(answer, raw);
  }

  /** The keys and arguments of lua/begin.lua for this claim (also the second part of lua/admit-claim.lua's). */
  claimCommand(ref: AttemptRef, opts: BeginOptions): { keys: string[]; args: (string | number)[] } {
    const k = this.keys;
    const id = ref.campaignId;
    return {
      keys: [
        k.campaignContacts(id),
        k.campaignMeta(id),
        k.campaignStats(id),
        k.campaignDeadlines(id),
        k.campaignSuppress(id),
        this.globalListInClaim ? k.globalSuppress() : k.campaignSuppress(id),
      ],
      args: [
        ref.contactId,
        ref.attempt,
        opts.now ?? Date.now(),
        opts.deadline,
        deadlineMember(ref.contactId, ref.attempt),
        opts.claim ?? randomUUID(),
      ],
    };
  }

  private async globallySuppressed(ref: AttemptRef, number: string | undefined): Promise<boolean> {
    const k = this.keys;
    const p = number ?? parse((await this.redis.hget(k.campaignContacts(ref.campaignId), ref.contactId)) ?? '')?.p;
    return p !== undefined && (await this.redis.sismember(k.globalSuppress(), p)) === 1;
  }

  /**
   * Stores the dial-out's answer (sid/callId): the call is placed. With `deadline`, the watchdog's deadline moves
   * there (the claim had to allow for the request itself; the placed call needs LOST_AFTER_MS from now).
   */
  async dialed(
    ref: AttemptRef,
    opts: { sid: string; callId: string; now?: number; deadline?: number },
  ): Promise<'dialed' | 'stale' | 'missing'> {
    const k = this.keys;
    const id = ref.campaignId;
    const [answer] = await this.redis.dialerDialed(
      k.campaignContacts(id),
      k.campaignSids(id),
      k.campaignDeadlines(id),
      k.campaignStats(id),
      ref.contactId,
      ref.attempt,
      opts.sid,
      opts.callId,
      opts.now ?? Date.now(),
      opts.deadline ?? '',
    );
    return answer as 'dialed' | 'stale' | 'missing';
  }

  /** After a failed request: `not-placed` gives the attempt back (it certainly never reached SAVG); `uncertain` when it may have. */
  async settle(
    ref: AttemptRef,
    how: 'not-placed' | 'uncertain',
    now = Date.now(),
  ): Promise<'settled' | 'noop' | 'missing'> {
    const k = this.keys;
    const id = ref.campaignId;
    const code = how === 'uncertain' ? 'u' : ref.attempt === 1 ? 'q' : 'w';
    const [answer] = await this.redis.dialerSettle(
      k.campaignContacts(id),
      k.campaignStats(id),
      k.campaignDeadlines(id),
      ref.contactId,
      ref.attempt,
      code,
      now,
      deadlineMember(ref.contactId, ref.attempt),
    );
    return answer as 'settled' | 'noop' | 'missing';
  }

  /** An interim event (Call-In-Progress, machine detection before the end): its fields wait for the end. */
  async interim(
    ref: AttemptRef,
    fields: AttemptResultFields,
    now = Date.now(),
  ): Promise<'interim' | 'noop' | 'missing'> {
    const [answer] = await this.redis.dialerInterim(
      this.keys.campaignContacts(ref.campaignId),
      ref.contactId,
      ref.attempt,
      JSON.stringify(fields),
      now,
    );
    return answer as 'interim' | 'noop' | 'missing';
  }

  /** Ends an attempt (and the contact, unless it re-dials). Idempotent: a replay answers noop / redial-pending. */
  async end(input: EndInput, now = Date.now()): Promise<EndOutcome> {
    const k = this.keys;
    const id = input.campaignId;
    const [result, raw, flag] = await this.redis.dialerEnd(
      k.campaignContacts(id),
      k.campaignStats(id),
      k.campaignDeadlines(id),
      k.campaignSids(id),
      k.campaignMeta(id),
      k.campaignOutbox(id),
      input.contactId,
      input.attempt,
      FROM_CODES[input.from],
      input.outcome,
      JSON.stringify(input.fields),
      input.redialDelayMs ?? -1,
      now,
      deadlineMember(input.contactId, input.attempt),
      CANCELLED_REASON,
      REDIAL_GUARD_MS,
    );
    // The campaign's last contact ended it: every process is told, as for any other state change (workers let
    // go of the campaign on it).
    if (result === 'completed')
      await this.redis.publish(
        k.events(),
        JSON.stringify({ type: 'campaign-state', campaignId: id, state: 'completed' }),
      );
    return { result: result as EndResult, record: parse(raw), ...(flag === 'revised' ? { revised: true } : {}) };
  }

  /**
   * Records why a queued or waiting contact is held back (or '' when it no longer is): `campaign status` counts
   * them by reason, the report shows it. Writes only when the reason changes.
   */
  async hold(ref: AttemptRef, reason: HoldReason | ''): Promise<'held' | 'unchanged' | 'noop' | 'missing'> {
    const k = this.keys;
    const [answer] = await this.redis.dialerHold(
      k.campaignContacts(ref.campaignId),
      k.campaignStats(ref.campaignId),
      ref.contactId,
      ref.attempt,
      reason,
    );
    return answer as 'held' | 'unchanged' | 'noop' | 'missing';
  }

  /** Attempts whose watchdog deadline is at or before `upTo` (oldest first, at most `limit`). */
  async dueDeadlines(campaignId: string, upTo: number, limit = 500): Promise<AttemptRef[]> {
    const members = await this.redis.zrangebyscore(
      this.keys.campaignDeadlines(campaignId),
      '-inf',
      upTo,
      'LIMIT',
      0,
      limit,
    );
    return members.map((m) => {
      const i = m.lastIndexOf(':');
      return { campaignId, contactId: m.slice(0, i), attempt: Number(m.slice(i + 1)) };
    });
  }

  /** Drops a deadline that has nothing left to end, only if it is still due (a re-registered one stays). */
  async dropDueDeadline(ref: AttemptRef, upTo: number): Promise<boolean> {
    return (
      (await this.redis.dialerDropDueDeadline(
        this.keys.campaignDeadlines(ref.campaignId),
        deadlineMember(ref.contactId, ref.attempt),
        upTo,
      )) === 1
    );
  }

  /** Gives a dialing or in-call attempt that lost its deadline a new one (an existing deadline stands). */
  async restoreDeadline(ref: AttemptRef, at: number): Promise<boolean> {
    return (
      (await this.redis.zadd(
        this.keys.campaignDeadlines(ref.campaignId),
        'NX',
        at,
        deadlineMember(ref.contactId, ref.attempt),
      )) === 1
    );
  }

  /** The attempt a live call's sid or callId belongs to. */
  async bySid(campaignId: string, sid: string): Promise<AttemptRef | undefined> {
    const member = await this.redis.hget(this.keys.campaignSids(campaignId), sid);
    if (!member) return undefined;
    const i = member.lastIndexOf(':');
    return { campaignId, contactId: member.slice(0, i), attempt: Number(member.slice(i + 1)) };
  }
}
