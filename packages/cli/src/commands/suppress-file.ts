import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { DialerError, normalizeSuppressed } from '@dialer/core';

/** What an import of a do-not-call file found. */
export interface SuppressFileCounts {
  /** Data lines read (header and blank lines not counted). */
  rows: number;
  /** Lines whose number could not be normalized (line numbers of the first few in `rejectedLines`). */
  rejected: number;
  rejectedLines: number[];
}

const PHONE_HEADERS = ['phone', 'phone_number', 'phonenumber', 'number', 'msisdn', 'mobile', 'tel', 'telephone'];
const MAX_REJECTED_LINES = 20;

function splitLine(line: string): string[] {
  const delimiter = [',', ';', '\t'].find((d) => line.includes(d));
  return (delimiter ? line.split(delimiter) : [line]).map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

/** A first line that names a phone column (or holds no number but letters) is a header: which column, then. */
function headerColumn(fields: string[], defaultCountry: string | undefined): number | undefined {
  const named = fields.findIndex((f) => PHONE_HEADERS.includes(f.toLowerCase().replace(/[\s-]+/g, '_')));
  if (named >= 0) return named;
  const first = fields[0] ?? '';
  return /[a-z]/i.test(first) && !normalizeSuppressed(first, defaultCountry).ok ? 0 : undefined;
}

/**
 * Streams a do-not-call file: one number per line, or a simple CSV (no quoted separators) whose header names
 * the phone column (else the first column is the number). Normalized numbers go to `sink` in batches.
 */
export async function readSuppressFile(
  file: string,
  defaultCountry: string | undefined,
  sink: (numbers: string[]) => Promise<void>,
  batchSize = 1000,
): Promise<SuppressFileCounts> {
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch (err) {
    throw new DialerError(
      'DIALER_ERR_CSV',
      `Cannot read the do-not-call file ${file}: ${(err as Error).message}`,
      { file },
      { cause: err },
    );
  }
  const counts: SuppressFileCounts = { rows: 0, rejected: 0, rejectedLines: [] };
  let column = 0;
  let batch: string[] = [];
  let lineNo = 0;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const fields = splitLine(line);
    if (lineNo === 1) {
      const header = headerColumn(fields, defaultCountry);
      if (header !== undefined) {
        column = header;
        continue;
      }
    }
    counts.rows++;
    const entry = normalizeSuppressed(fields[column] ?? '', defaultCountry);
    if (!entry.ok) {
      counts.rejected++;
      if (counts.rejectedLines.length < MAX_REJECTED_LINES) counts.rejectedLines.push(lineNo);
      continue;
    }
    batch.push(entry.number);
    if (batch.length >= batchSize) {
      await sink(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await sink(batch);
  return counts;
}
