/**
 * The results webhook's outbox: what lua/includes/results-outbox.lua appends when a contact (or, with
 * `results.attempts`, an attempt) ends in a campaign that has `results`, in the same script as the end itself,
 * so an end is never without its event. The deliverer moves entries into the results queue, then trims them.
 */
import type { CampaignSettings } from '../campaign-settings.js';
import type { RedisClient } from '../redis.js';
import type { ContactRecord } from './contact-record.js';
import type { Keys } from './keys.js';

export type ResultKind = 'contact' | 'attempt';

/** One end waiting in a campaign's outbox: the contact record exactly as the end left it. */
export interface OutboxEntry {
  kind: ResultKind;
  campaignId: string;
  contactId: string;
  /** The attempt that ended (for a contact: its last attempt). */
  attempt: number;
  /** A late real end that replaced a `lost` one already recorded (a second event for that attempt/contact). */
  revised: boolean;
  record: ContactRecord;
}

/** The campaign meta fields that tell the scripts to record results (none without `results`: nothing stored). */
export function resultsMetaFields(settings: CampaignSettings): Record<string, string> {
  if (!settings.results) return {};
  return { results: settings.results.attempts ? 'a' : 'c' };
}

/** Parses one outbox entry (`<c|a> <attempt> <r|-> <contact id> <record JSON>`); undefined when malformed. */
export function parseOutboxEntry(campaignId: string, text: string): OutboxEntry | undefined {
  const match = /^([ca]) (\d+) ([r-]) (\S+) (\{.*\})$/s.exec(text);
  if (!match) return undefined;
  const [, kind, attempt, revised, contactId = '', json = '{}'] = match;
  return {
    kind: kind === 'c' ? 'contact' : 'attempt',
    campaignId,
    contactId,
    attempt: Number(attempt),
    revised: revised === 'r',
    record: JSON.parse(json) as ContactRecord,
  };
}

/** Reads and trims campaign outboxes. Entries are only appended (RPUSH), so trimming what was read is safe. */
export class ResultsOutbox {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The campaigns that have a results webhook (registered when created with one). */
  campaigns(): Promise<string[]> {
    return this.redis.smembers(this.keys.resultsCampaigns());
  }

  /** The oldest `limit` raw entries of a campaign's outbox. */
  peek(campaignId: string, limit: number): Promise<string[]> {
    return this.redis.lrange(this.keys.campaignOutbox(campaignId), 0, limit - 1);
  }

  /** Removes the oldest `count` entries (after they were queued). */
  async drop(campaignId: string, count: number): Promise<void> {
    await this.redis.ltrim(this.keys.campaignOutbox(campaignId), count, -1);
  }

  length(campaignId: string): Promise<number> {
    return this.redis.llen(this.keys.campaignOutbox(campaignId));
  }
}
