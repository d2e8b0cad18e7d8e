import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'csv-stringify';
import { REPORT_COLUMNS, loadConfig, openCampaignControl, reportRows, type CampaignStore, type ReportRow } from '@dialer/core';

type Format = 'csv' | 'json';

/**
 * `dialer report <id>`: one row per contact (rejected, suppressed, cancelled and expired ones included),
 * streamed from Redis page by page, so a campaign of millions exports in bounded memory.
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Export per-contact results as CSV (default) or JSON, one row per contact')
    .argument('<id>', 'campaign id')
    .option('--out <file>', 'write to this file (written under a temporary name, renamed when complete); default: stdout')
    .option('--format <format>', 'csv or json (one JSON array)', parseFormat, 'csv' as Format)
    .addHelpText(
      'after',
      `
Columns: ${REPORT_COLUMNS.join(',')}
  phone       E.164 number (or the SIP URI dialed)
  outcome     the last outcome once the contact has ended (answered-human, busy, rejected, suppressed,
              cancelled, expired, …); for a contact that has not ended yet its current state:
              pending, redial-pending, dialing, uncertain or in-call
  attempts    dial-outs made; the result columns are those of the last ended attempt
  row         the contact's line in the imported CSV (header = 1); rows come in storage order, sort by it
While contacts are still being imported a contact may appear twice (Redis HSCAN); export after the import.`,
    )
    .action(async (id: string, flags: { out?: string; format: Format }) => {
      const config = loadConfig(process.env, 'cli');
      const opened = await openCampaignControl(config, 'dialer-report');
      try {
        const rows = await writeReport(opened.store, id, flags.format, flags.out);
        if (flags.out) process.stderr.write(`Wrote ${rows.toLocaleString('en-US')} contacts of "${id}" to ${flags.out}\n`);
      } finally {
        await opened.close();
      }
    });
}

function parseFormat(text: string): Format {
  if (text !== 'csv' && text !== 'json') throw new InvalidArgumentError('csv or json');
  return text;
}

/** Streams the report to `out` (a file) or stdout; returns the number of contacts written. */
export async function writeReport(store: CampaignStore, campaignId: string, format: Format, out?: string): Promise<number> {
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
