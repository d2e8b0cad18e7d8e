import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { REPORT_COLUMNS, reportRows, type CampaignStore, type ReportRow } from '@dialer/core';

export type ReportFormat = 'csv' | 'json';

/** Streams the report to `out` (a file) or stdout; returns the number of contacts written. */
export async function writeReport(store: CampaignStore, campaignId: string, format: ReportFormat, out?: string): Promise<number> {
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
      ? pipeline(Readable.from(counted()), stringify({ header: true, columns: [...REPORT_COLUMNS] }), sink, { end })
      : pipeline(Readable.from(jsonArray(counted())), sink, { end });
  if (!out) {
    await write(process.stdout, false);
    return count;
  }
  const partial = `${out}.partial`;
  try {
    await write(createWriteStream(partial), true);
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return count;
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
