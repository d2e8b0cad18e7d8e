import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { DialerError, isDialerError, type DialerConfig } from '@dialer/core';
import { runImportIsolated, type ImportSummary } from '@dialer/producer';

/** Imports running at once; more wait their turn (each runs in a thread of its own with a capped heap). */
const CONCURRENT_IMPORTS = 2;
/** Rejected rows listed in an answer (all are counted). */
export const MAX_LISTED_REJECTS = 100;

export interface ImportRequestOptions {
  defaultCountry?: string;
  phoneColumn?: string;
  delimiter?: string;
}

/** `dialer produce --json`'s summary, without the rejects file (the API's is temporary), with the rejected rows. */
export type ContactsSummary = Omit<ImportSummary, 'rejectsFile'> & {
  /** The first MAX_LISTED_REJECTS rejected rows: row number (header = 1) and why. */
  rejects?: { row: number; reason: string }[];
};

/**
 * Runs `dialer produce`'s import on a body the route wrote to a private temporary directory. The producer reads
 * files (it scans the whole file for encoding and sniffs the delimiter before any write, and reads the rows in a
 * thread of its own with a capped heap): streaming the body to a file first keeps every rule of `dialer produce`
 * without a second import path, and keeps memory flat whatever the body's size.
 */
export class ImportRunner {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly config: DialerConfig) {}

  /** A private directory (0700) for one request's body; `cleanup` removes it and everything in it. */
  async workDir(): Promise<{ dir: string; body: string; cleanup: () => Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), 'dialer-api-'));
    return { dir, body: join(dir, 'body.csv'), cleanup: () => rm(dir, { recursive: true, force: true }) };
  }

  async run(campaignId: string, file: string, options: ImportRequestOptions): Promise<ContactsSummary> {
    await this.acquire();
    try {
      const rejectsPath = `${file}.rejects.csv`;
      const { rejectsFile, ...summary } = await runImportIsolated(
        { file, campaignId, rejectsPath, ...options },
        { config: this.config },
      ).catch((err: unknown) => {
        throw renamed(err, file);
      });
      return rejectsFile ? { ...summary, rejects: await readRejects(rejectsFile) } : summary;
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < CONCURRENT_IMPORTS) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/** The import's messages name its file: here a temporary one, which means nothing to the client. */
function renamed(err: unknown, file: string): unknown {
  if (!isDialerError(err) || !err.message.includes(file)) return err;
  return new DialerError(err.code, err.message.replaceAll(file, 'the request body'), undefined, { cause: err });
}

async function readRejects(path: string): Promise<{ row: number; reason: string }[]> {
  const rejects: { row: number; reason: string }[] = [];
  const parser = createReadStream(path).pipe(
    parse({ from_line: 2, relax_column_count: true, to_line: 1 + MAX_LISTED_REJECTS }),
  );
  for await (const record of parser as AsyncIterable<string[]>) {
    rejects.push({ row: Number(record[0]), reason: record[1] ?? '' });
  }
  return rejects;
}
