import { createReadStream, type ReadStream } from 'node:fs';
import { parse, type CsvError, type Parser } from 'csv-parse';
import { DialerError } from '@dialer/core';

/** A row the CSV parser could not read (e.g. an unclosed quote): it becomes a reject, the import goes on. */
export interface UnreadableRow {
  row: number;
  reason: string;
}

/**
 * One CSV record at a time with its row number as a spreadsheet shows it (header = row 1; a quoted
 * newline stays within its row; empty lines count as rows but come back as blank records for the caller
 * to skip). Streams: memory is bounded by the parser's buffers, whatever the file size.
 */
export class CsvSource {
  private readonly stream: ReadStream;
  private readonly parser: Parser;
  private readonly iterator: AsyncIterator<string[]>;
  private records = 0;
  private skipped = 0;
  /** Rows the parser skipped since the last `takeUnreadable()`. */
  private unreadable: UnreadableRow[] = [];

  constructor(
    private readonly path: string,
    delimiter: string,
  ) {
    // 64 KiB reads: the parser parses a whole read before the first record of it comes out, so a smaller one
    // brings the first contacts sooner (measured: no slower overall than 256 KiB).
    this.stream = createReadStream(path, { highWaterMark: 64 * 1024 });
    this.parser = parse({
      delimiter,
      bom: true,
      // Files assembled from several sources mix line endings; each record may end in any of them.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      skip_records_with_error: true,
      // An unclosed quote would otherwise buffer the rest of the file as one field.
      max_record_size: 1 << 20,
      on_skip: (err: CsvError | undefined) => {
        this.skipped++;
        const records = typeof err?.records === 'number' ? err.records : this.records;
        this.unreadable.push({
          row: records + this.skipped,
          reason: `unreadable CSV: ${err?.message ?? 'parse error'}`,
        });
      },
    });
    this.stream.on('error', (err) => this.parser.destroy(err));
    this.stream.pipe(this.parser);
    this.iterator = this.parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  }

  /** The next record and its row number, or undefined at the end of the file. */
  async next(): Promise<{ values: string[]; row: number } | undefined> {
    let r: IteratorResult<string[]>;
    try {
      r = await this.iterator.next();
    } catch (err) {
      // The file vanished or became unreadable mid-import: what was imported stays, a re-run finishes it.
      throw new DialerError(
        'DIALER_ERR_CSV',
        `Cannot read ${this.path} (row ${this.records + this.skipped + 1}): ${(err as Error).message}`,
        { file: this.path },
        { cause: err },
      );
    }
    if (r.done) return undefined;
    this.records++;
    return { values: r.value, row: this.records + this.skipped };
  }

  /** Rows skipped as unreadable since the last call. */
  takeUnreadable(): UnreadableRow[] {
    if (this.unreadable.length === 0) return this.unreadable;
    const taken = this.unreadable;
    this.unreadable = [];
    return taken;
  }

  get bytesRead(): number {
    return this.stream.bytesRead;
  }

  close(): void {
    this.stream.destroy();
    this.parser.destroy();
  }
}
