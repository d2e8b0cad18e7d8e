import type { FileScan } from './file-scan.js';
import type { CampaignQueues, DialerConfig, Keys, Logger, RedisClient } from '@dialer/core';

// The package's public constants live here, in a module without runtime imports, so that loading the
// package's index (as the CLI's main thread does) does not load @dialer/core, BullMQ and ioredis.
export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_MAX_IN_FLIGHT = 4;
/** Header names recognised as the phone column, in order of preference (compared case-insensitively). */
export const PHONE_COLUMN_NAMES = ['phone', 'number', 'phone_number', 'msisdn', 'mobile', 'target'] as const;
/** The `rs` (reason) of a contact stored suppressed because its number was on a do-not-call list at import. */
export const SUPPRESSED_AT_IMPORT = 'on the do-not-call list at import';

/** What to import and how (the `dialer produce` flags, plus knobs for tests and benchmarks). */
export interface ImportOptions {
  /** Path of the CSV file. */
  file: string;
  campaignId: string;
  /** Path of a campaign settings JSON file (`--settings`). */
  settingsFile?: string;
  /** Settings as an already parsed object (programmatic use); `settingsFile` wins when both are given. */
  settings?: unknown;
  /** Path of a region rules JSON file (`--rules`): `regionRules` under the settings' own (theirs win per region). */
  rulesFile?: string;
  /** Header of the phone column when it has none of the usual names. */
  phoneColumn?: string;
  /** ISO country for numbers written without an international prefix (e.g. `US`). */
  defaultCountry?: string;
  /** Field delimiter; detected from the header line when absent. Accepts `,` `;` `|` a tab, or `tab`. */
  delimiter?: string;
  /** Where rejected rows go. @defaultValue `<file>.rejects.csv` */
  rejectsPath?: string;
  /** Parse, validate, normalize and count, but write nothing to Redis. */
  dryRun?: boolean;
  /** Rows per Redis round trip. @defaultValue 1000 */
  chunkSize?: number;
  /** Chunks whose Redis work may overlap with parsing. @defaultValue 4 */
  maxInFlight?: number;
  /**
   * Parse in a worker thread (a second core) while this thread talks to Redis.
   * @defaultValue true with more than two cores when the compiled package runs, false otherwise
   */
  parseInWorker?: boolean;
  /** Stops reading at the next chunk; chunks already read are finished, the summary says `aborted`. */
  signal?: AbortSignal;
  /** Called after every chunk has been written (and once at the end). */
  onProgress?: (progress: ImportProgress) => void;
}

/** Connections and configuration the import runs with; the caller owns (and closes) them. */
export interface ImportDeps {
  redis: RedisClient;
  keys: Keys;
  config: DialerConfig;
  /** Queues to add the dial jobs to; created on `redis` (and closed) when absent. */
  queues?: CampaignQueues;
  logger?: Logger;
  /** How long to wait for Redis to be reachable before giving up. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /**
   * The whole-file check (size, header line), when the caller runs it itself (runImportIsolated does, beside
   * the import thread's start); read at the same point of the import, before anything is written.
   */
  fileScan?: Promise<FileScan>;
}

/** Counters as the import goes. */
export interface ImportCounts {
  /** Data rows read (not the header, not empty lines). */
  rows: number;
  /** New contacts added, each with its dial job. */
  accepted: number;
  /** Rows whose number is already a contact of the campaign (earlier in the file or in an earlier import). */
  duplicates: number;
  /** Rows written to the rejects file (bad number, bad timezone, wrong column count, broken CSV). */
  rejected: number;
  /** New numbers on the do-not-call list: stored as contacts that ended `suppressed`, not enqueued. */
  suppressed: number;
}

export interface ImportProgress extends ImportCounts {
  bytesRead: number;
  totalBytes: number;
}

/** The summary `dialer produce --json` prints (docs/design.md (Import summary)); keys may be added, never renamed. */
export interface ImportSummary extends ImportCounts {
  campaign: string;
  /** Path of the rejects CSV, when at least one row was rejected. */
  rejectsFile?: string;
  durationMs: number;
  /** Present (true) for `--dry-run`: nothing was written to Redis. */
  dryRun?: true;
  /** Present (true) when the import was interrupted: run the same command again to finish it. */
  aborted?: true;
}
