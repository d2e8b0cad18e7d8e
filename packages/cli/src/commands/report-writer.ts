import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import {
  REPORT_COLUMNS,
  createPrivateFile,
  refuseSymlink,
  reportCells,
  reportRows,
  type CampaignStore,
  type ReportRow,
} from '@dialer/core';

export type ReportFormat = 'csv' | 'json';

/** Streams the report to `out` (a file) or stdout; returns the number of contacts written. */
export async function writeReport(
  store: CampaignStore,
  campaignId: string,
  format: ReportFormat,
  out?: string,
): Promise<number> {
  // Fail on an unknown campaign before creating any file.
  await store.requireCampaign(campaignId);
  let count = 0;
  const counted = async function* (): AsyncGenerator<ReportRow> {
    for await (const row of reportRows(store, campaignId)) {
      count++;
      yield row;
    }
  };
  // pipeline() (not .pipe()) so a Redis error mid-stream fails the command instead of truncating silently.
  const write = (sink: Writable, end: boolean) =>
    format === 'csv'
      ? pipeline(Readable.from(csvRecords(counted())), stringify(), sink, { end })
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
async function* csvRecords(rows: AsyncIterable<ReportRow>): AsyncGenerator<string[]> {
  yield [...REPORT_COLUMNS];
  for await (const row of rows) yield reportCells(row);
}

/** One JSON array, streamed element by element. */
async function* jsonArray(rows: AsyncIterable<ReportRow>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const row of rows) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(row)}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
