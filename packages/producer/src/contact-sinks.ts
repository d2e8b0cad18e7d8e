import {
  addFirstAttempts,
  suppressedContactRecord,
  type CampaignStore,
  type ContactRecord,
  type DialJobData,
  type Keys,
  type LocaleStore,
  type RedisClient,
} from '@dialer/core';
import type { Queue } from 'bullmq';
import { SUPPRESSED_AT_IMPORT, type ImportCounts } from './import-types.js';
import { ContactIdSet } from './contact-id-set.js';

/** Profile keys remembered per import; hostile input with more distinct profiles just stores the rest again. */
const LOCALE_PUTS_KEPT = 10_000;

/** A contact read from the file, not yet in Redis. */
export interface PendingContact {
  contactId: string;
  record: ContactRecord;
  /** Its locale profile (record.lk → encoded profile), stored in the shared locales hash with it. */
  locale?: [key: string, encoded: string];
}

/** Where a chunk of contacts goes: Redis for a real import, counters only for a dry run. */
export interface ContactSink {
  /** Called synchronously, in file order, when a chunk is complete: returns the chunk's work. */
  prepare(chunk: PendingContact[], counts: ImportCounts): () => Promise<void>;
}

/** Keeps the first occurrence of each contact in a chunk; later ones are duplicates. */
function dedupe(
  chunk: PendingContact[],
  counts: ImportCounts,
  seen: Set<string> | ContactIdSet = new Set<string>(),
): PendingContact[] {
  const unique: PendingContact[] = [];
  for (const c of chunk) {
    if (seen instanceof ContactIdSet ? !seen.add(c.contactId) : seen.has(c.contactId)) counts.duplicates++;
    else {
      if (!(seen instanceof ContactIdSet)) seen.add(c.contactId);
      unique.push(c);
    }
  }
  return unique;
}

/**
 * Which numbers are on the global or the campaign's do-not-call list. Most imports meet an empty list or
 * two: an EXISTS first spares sending every number of the chunk to Redis for nothing.
 */
async function suppressedFlags(
  redis: RedisClient,
  keys: Keys,
  campaignId: string,
  numbers: string[],
): Promise<boolean[]> {
  const lists = [keys.globalSuppress(), keys.campaignSuppress(campaignId)];
  const present = await Promise.all(lists.map((key) => redis.exists(key)));
  const hits = await Promise.all(
    lists.filter((_, i) => present[i] === 1).map((key) => redis.smismember(key, ...numbers)),
  );
  return numbers.map((_, i) => hits.some((h) => h[i] === 1));
}

/** A suppressed number is stored born terminal, so the campaign report lists it and a re-import skips it. */
function bornSuppressed(rec: ContactRecord, now: number): ContactRecord {
  return suppressedContactRecord(rec, SUPPRESSED_AT_IMPORT, now);
}

/**
 * Writes contacts and their first dial jobs. Order makes an interrupted import safe to re-run: the record
 * goes first (atomic add-if-new), then the job with its deterministic id. A contact whose record exists but
 * is still queued for attempt 1 (code 2) gets its job re-added: a no-op if it exists, the repair if an
 * earlier run died between the two steps.
 */
export class RedisContactSink implements ContactSink {
  constructor(
    private readonly deps: {
      redis: RedisClient;
      keys: Keys;
      store: CampaignStore;
      queue: Queue<DialJobData>;
      campaignId: string;
      /** Creates the campaign before its first contact is written (memoized by the caller). */
      ensureCampaign: () => Promise<void>;
      locales: LocaleStore;
    },
  ) {}

  /**
   * Profiles this import has stored (or is storing): a file has a few hundred at most, and every chunk names
   * the same ones again. A chunk waits for the put of an earlier chunk rather than repeating it.
   */
  private readonly localePuts = new Map<string, Promise<void>>();

  prepare(chunk: PendingContact[], counts: ImportCounts): () => Promise<void> {
    const unique = dedupe(chunk, counts);
    return () => this.write(unique, counts);
  }

  /** Stores the chunk's profiles that this import has not stored yet; resolves once all of them are stored. */
  private putLocales(contacts: PendingContact[]): Promise<unknown> {
    const fresh = new Map<string, string>();
    const waits = new Set<Promise<void>>();
    for (const { locale } of contacts) {
      if (!locale) continue;
      const earlier = this.localePuts.get(locale[0]);
      if (earlier) waits.add(earlier);
      else fresh.set(locale[0], locale[1]);
    }
    if (fresh.size > 0) {
      const put = this.deps.locales.put(fresh);
      waits.add(put);
      if (this.localePuts.size < LOCALE_PUTS_KEPT) for (const key of fresh.keys()) this.localePuts.set(key, put);
    }
    return Promise.all(waits);
  }

  private async write(contacts: PendingContact[], counts: ImportCounts): Promise<void> {
    if (contacts.length === 0) return;
    const { redis, keys, store, queue, campaignId } = this.deps;
    // One round trip for both: the do-not-call check and the profiles (before the contacts that name them, so
    // a worker never finds a key it cannot read).
    const [suppressed] = await Promise.all([
      suppressedFlags(
        redis,
        keys,
        campaignId,
        contacts.map((c) => c.record.p),
      ),
      this.putLocales(contacts),
    ]);
    const now = Date.now();
    await this.deps.ensureCampaign();
    const codes = await store.addContacts(
      campaignId,
      contacts.map((c, i) => [c.contactId, suppressed[i] ? bornSuppressed(c.record, now) : c.record]),
    );
    const jobs: string[] = [];
    let accepted = 0;
    let duplicates = 0;
    let suppressedNew = 0;
    codes.forEach((code, i) => {
      const c = contacts[i]!.contactId;
      if (code === 1 && suppressed[i]) suppressedNew++;
      else if (code === 1) accepted++;
      else duplicates++;
      if (code === 2 || (code === 1 && !suppressed[i])) jobs.push(c);
    });
    await addFirstAttempts(redis, queue, jobs);
    counts.accepted += accepted;
    counts.duplicates += duplicates;
    counts.suppressed += suppressedNew;
  }
}

/**
 * `--dry-run`: classifies like a real import against what Redis already holds, with reads only. Duplicates
 * across chunks are remembered in memory (12 bytes per distinct contact, off the heap), since nothing may be written.
 */
export class DryRunContactSink implements ContactSink {
  // Off the heap: a million ids as strings would outgrow the import thread's heap cap.
  private readonly seen = new ContactIdSet();

  constructor(private readonly deps: { redis: RedisClient; keys: Keys; campaignId: string }) {}

  prepare(chunk: PendingContact[], counts: ImportCounts): () => Promise<void> {
    const unique = dedupe(chunk, counts, this.seen);
    return () => this.classify(unique, counts);
  }

  private async classify(contacts: PendingContact[], counts: ImportCounts): Promise<void> {
    if (contacts.length === 0) return;
    const { redis, keys, campaignId } = this.deps;
    const [existing, suppressed] = await Promise.all([
      redis.hmget(keys.campaignContacts(campaignId), ...contacts.map((c) => c.contactId)),
      suppressedFlags(
        redis,
        keys,
        campaignId,
        contacts.map((c) => c.record.p),
      ),
    ]);
    contacts.forEach((_, i) => {
      if (existing[i] !== null) counts.duplicates++;
      else if (suppressed[i]) counts.suppressed++;
      else counts.accepted++;
    });
  }
}
