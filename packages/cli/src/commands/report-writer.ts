import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import {
  ATTEMPT_REPORT_COLUMNS,
  REPORT_COLUMNS,
  attemptReportCells,
  attemptReportRows,
  createPrivateFile,
  refuseSymlink,
  reportCells,
  reportRows,
  type AttemptReportRow,
  type CampaignStore,
  type ReportRow,
} from '@dialer/core';

export type ReportFormat = 'csv' | 'json';
/** One row per contact (the default) or one per attempt (`--attempts`). */
export type ReportKind = 'contacts' | 'attempts';

interface ReportShape<Row> {
  columns: readonly string[];
  rows: (store: CampaignStore, campaignId: string) => AsyncIterable<Row>;
  cells: (row: Row) => string[];
}

const CONTACTS: ReportShape<ReportRow> = { columns: REPORT_COLUMNS, rows: reportRows, cells: reportCells };
const ATTEMPTS: ReportShape<AttemptReportRow> = {
  columns: ATTEMPT_REPORT_COLUMNS,
  rows: attemptReportRows,
  cells: attemptReportCells,
};

/** Streams the report to `out` (a file) or stdout; returns the number of rows written. */
export async function writeReport(
  store: CampaignStore,
  campaignId: string,
  format: ReportFormat,
  out?: string,
  kind: ReportKind = 'contacts',
): Promise<number> {
  // Fail on an unknown campaign before creating any file.
  await store.requireCampaign(campaignId);
  return kind === 'attempts'
    ? writeShaped(ATTEMPTS, store, campaignId, format, out)
    : writeShaped(CONTACTS, store, campaignId, format, out);
}

async function writeShaped<Row>(
  shape: ReportShape<Row>,
  store: CampaignStore,
  campaignId: string,
  format: ReportFormat,
  out: string | undefined,
): Promise<number> {
  let count = 0;
  const counted = async function* (): AsyncGenerator<Row> {
    for await (const row of shape.rows(store, campaignId)) {
      count++;
      yield row;
    }
  };
  // pipeline() (not .pipe()) so a Redis error mid-stream fails the command instead of truncating silently.
  const write = (sink: Writable, end: boolean) =>
    format === 'csv'
      ? pipeline(Readable.from(csvRecords(shape, counted())), stringify(), sink, { end })
      : pipeline(Readable.from(jsonArray(counted())), sink, { end });
  if (!out) {
    await write(process.stdout, false);
    return count;
  }
  // The report names people and numbers: private to its owner, and never written through a symbolic link
  // (the partial file is created exclusively; a link at the final name is refused rather than replaced).
  refuseSymlink(out, 'report file');
  const partial = `${out}.partial`;
  const fd = createPrivateFile(partial, 'report file');
  try {
    await write(createWriteStream(partial, { fd }), true);
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return count;
}

/** The header, then each row's cells (formula-like cells defused by reportCells). */
async function* csvRecords<Row>(shape: ReportShape<Row>, rows: AsyncIterable<Row>): AsyncGenerator<string[]> {
  yield [...shape.columns];
  for await (const row of rows) yield shape.cells(row);
}

/** One JSON array, streamed element by element. */
async function* jsonArray<Row>(rows: AsyncIterable<Row>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const row of rows) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(row)}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
