import { contactIdHasher, DialerError, type ContactIdScheme } from '@dialer/core';
import { resolveColumns, type ColumnMap } from './columns.js';
import { CsvSource } from './csv-source.js';
import { RowMapper } from './row-mapper.js';
import { RejectsWriter } from './rejects-writer.js';
import type { PendingContact } from './contact-sinks.js';

/** What the CSV side needs to know: everything but Redis. */
export interface FeedOptions {
  file: string;
  delimiter: string;
  phoneColumn?: string;
  defaultCountry?: string;
  rejectsPath: string;
  chunkSize: number;
}

/** Row counters of the CSV side, as of the last chunk handed out. */
export interface FeedCounts {
  rows: number;
  rejected: number;
  bytesRead: number;
}

/**
 * The CSV side of an import: reads the header, then hands out chunks of valid contacts while it writes
 * rejected rows to the rejects file and counts. Runs in the importing thread or in a parse worker.
 */
export interface RowFeed {
  /** Reads the header row; throws DIALER_ERR_CSV when the file has none or no phone column. */
  open(): Promise<ColumnMap>;
  /**
   * How the campaign's contact ids are made, and whether it takes contacts no time zone is known for (it sets a
   * `window.timezone`, or calls at any hour); known once Redis has been read, after `open`, before the first chunk.
   */
  useContactIds(scheme: ContactIdScheme, takesUnknownZones: boolean): void;
  /** The next chunk of up to `chunkSize` contacts, or undefined at the end of the file. */
  nextChunk(): Promise<PendingContact[] | undefined>;
  counts(): FeedCounts;
  /** Path of the rejects file once a row has been rejected. */
  rejectsFile(): string | undefined;
  /** Stops reading and flushes the rejects file. */
  close(): Promise<void>;
}

/**
 * The first chunk is small: its contacts reach Redis (and the dialing workers) after a hundred rows rather
 * than a whole chunk, so a large import starts dialing at once; the chunks after it are full size.
 */
const FIRST_CHUNK_SIZE = 100;

/** The first non-blank record is the header; an unreadable one makes the file unusable. */
async function readHeader(source: CsvSource, file: string): Promise<string[]> {
  for (;;) {
    const rec = await source.next();
    const unreadable = source.takeUnreadable()[0];
    if (unreadable)
      throw new DialerError('DIALER_ERR_CSV', `${file}: the header row is unreadable (${unreadable.reason})`, { file });
    if (!rec) throw new DialerError('DIALER_ERR_CSV', `${file} has no header row (the file is empty)`, { file });
    if (rec.values.some((v) => v.trim() !== '')) return rec.values;
  }
}

/** The feed running in this thread. */
export class LocalRowFeed implements RowFeed {
  private readonly source: CsvSource;
  private columns: ColumnMap | undefined;
  private scheme: ContactIdScheme | undefined;
  private takesUnknownZones = false;
  private mapper: RowMapper | undefined;
  private rejects: RejectsWriter | undefined;
  private rows = 0;
  private ended = false;

  constructor(private readonly options: FeedOptions) {
    this.source = new CsvSource(options.file, options.delimiter);
  }

  async open(): Promise<ColumnMap> {
    const columns = resolveColumns(
      await readHeader(this.source, this.options.file),
      this.options.file,
      this.options.phoneColumn,
    );
    this.columns = columns;
    this.rejects = new RejectsWriter(this.options.rejectsPath, () => columns.header);
    return columns;
  }

  useContactIds(scheme: ContactIdScheme, takesUnknownZones: boolean): void {
    this.scheme = scheme;
    this.takesUnknownZones = takesUnknownZones;
  }

  async nextChunk(): Promise<PendingContact[] | undefined> {
    const rejects = this.rejects;
    if (!this.columns || !rejects || !this.scheme)
      throw new Error('RowFeed.open() and useContactIds() must come first');
    const mapper = (this.mapper ??= new RowMapper(
      this.columns,
      this.options.defaultCountry,
      contactIdHasher(this.scheme),
      this.takesUnknownZones,
    ));
    if (this.ended) return undefined;
    const chunk: PendingContact[] = [];
    const size = this.rows === 0 ? Math.min(FIRST_CHUNK_SIZE, this.options.chunkSize) : this.options.chunkSize;
    while (chunk.length < size) {
      const rec = await this.source.next();
      for (const u of this.source.takeUnreadable()) {
        this.rows++;
        await rejects.write(u.row, u.reason, []);
      }
      if (!rec) {
        this.ended = true;
        break;
      }
      const mapped = mapper.map(rec.values, rec.row);
      if (mapped.kind === 'blank') continue;
      this.rows++;
      if (mapped.kind === 'reject') await rejects.write(rec.row, mapped.reason, rec.values);
      else chunk.push({ contactId: mapped.contactId, record: mapped.record, locale: mapped.locale });
    }
    return chunk.length > 0 || !this.ended ? chunk : undefined;
  }

  counts(): FeedCounts {
    return { rows: this.rows, rejected: this.rejects?.count ?? 0, bytesRead: this.source.bytesRead };
  }

  rejectsFile(): string | undefined {
    return this.rejects && this.rejects.count > 0 ? this.rejects.path : undefined;
  }

  async close(): Promise<void> {
    this.source.close();
    await this.rejects?.close();
  }
}
