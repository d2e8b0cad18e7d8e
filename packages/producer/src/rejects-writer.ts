import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { stringify, type Stringifier } from 'csv-stringify';
import { DialerError, createPrivateFile, escapeFormulaCells } from '@dialer/core';

/**
 * The rejects CSV: `row,reason,<the original columns…>`. The row number and reason come first so that rows
 * with the wrong number of columns still line up. Created on the first reject only, so a clean import
 * leaves no empty file behind. The rows are someone else's data opened in a spreadsheet: cells that would
 * run as formulas are defused, and the file is private (0600) and never written through a symbolic link.
 */
export class RejectsWriter {
  private csv: Stringifier | undefined;
  private file: WriteStream | undefined;
  private failure: Error | undefined;
  count = 0;

  constructor(
    readonly path: string,
    private readonly header: () => string[],
  ) {}

  /** Writes one rejected row; resolves once the file can take more (back-pressure). */
  async write(row: number, reason: string, values: string[]): Promise<void> {
    if (this.failure) throw this.failure;
    const csv = this.csv ?? this.open();
    this.count++;
    if (!csv.write([String(row), reason, ...escapeFormulaCells(values)])) await once(csv, 'drain');
  }

  private open(): Stringifier {
    const csv = stringify({ record_delimiter: 'unix' });
    // Throws DIALER_ERR_OUTPUT_FILE (a symbolic link, not a regular file, cannot create) before any row is lost.
    const file = createWriteStream(this.path, { fd: createPrivateFile(this.path, 'rejects file') });
    const fail = (err: Error) => {
      this.failure ??= new DialerError(
        'DIALER_ERR_CSV',
        `Cannot write the rejects file ${this.path}: ${err.message}`,
        { file: this.path },
        { cause: err },
      );
    };
    // A failing file stops the stringifier too, so a write waiting for 'drain' fails instead of hanging.
    file.on('error', (err) => {
      fail(err);
      csv.destroy(err);
    });
    csv.on('error', fail);
    csv.pipe(file);
    csv.write(['row', 'reason', ...escapeFormulaCells(this.header())]);
    this.csv = csv;
    this.file = file;
    return csv;
  }

  /** Flushes and closes the file (if one was opened). */
  async close(): Promise<void> {
    if (!this.csv || !this.file) return;
    if (this.failure) {
      this.file.destroy();
      throw this.failure;
    }
    const finished = once(this.file, 'close');
    this.csv.end();
    await finished.catch(() => undefined);
    // The stream's 'error' listener may have set it while we waited (tsc still narrows it to undefined).
    const failure = this.failure as Error | undefined;
    if (failure) throw failure;
  }
}
