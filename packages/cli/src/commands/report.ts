import { InvalidArgumentError, type Command } from 'commander';
import type { ReportFormat as Format } from './report-writer.js';

/**
 * @dialer/core's REPORT_COLUMNS, for the help text: importing core just to print help would cost more than
 * the rest of the CLI. test/cli.test.ts checks the two agree.
 */
const REPORT_COLUMN_NAMES =
  'phone,name,outcome,attempts,sip_code,reason,machine_detection,duration_s,connected_at,disconnected_at,conversation_id,row,zones,held_by,reason_code';
/** @dialer/core's ATTEMPT_REPORT_COLUMNS, for the same reason (the same test checks them). */
const ATTEMPT_COLUMN_NAMES =
  'phone,name,row,attempt,outcome,sip_code,reason,reason_code,machine_detection,duration_s,dialed_at,connected_at,disconnected_at,ended_at,conversation_id,session_id,sid,call_id';

/**
 * `dialer report <id>`: one row per contact (rejected, suppressed, cancelled and expired ones included),
 * streamed from Redis page by page, so a campaign of millions exports in bounded memory.
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Export per-contact results as CSV (default) or JSON, one row per contact (or per attempt)')
    .argument('<id>', 'campaign id')
    .option(
      '--out <file>',
      'write to this file (written under a temporary name, renamed when complete); default: stdout',
    )
    .option('--format <format>', 'csv or json (one JSON array)', parseFormat, 'csv' as Format)
    .option('--attempts', 'one row per attempt (every dial-out and what the gateway said about it)')
    .addHelpText(
      'after',
      `
Columns: ${REPORT_COLUMN_NAMES}
  phone       E.164 number (or the SIP URI dialed)
  outcome     the last outcome once the contact has ended (answered-human, busy, rejected, suppressed,
              cancelled, expired, …); for a contact that has not ended yet its current state:
              pending, redial-pending, dialing, uncertain or in-call
  attempts    dial-outs made; the result columns are those of the last ended attempt
  row         the contact's line in the imported CSV (header = 1); rows come in storage order, sort by it
  reason_code the gateway's reasonCode of the last ended attempt (who hung up, or the failure's phrase)
With --attempts, one row per attempt: ${ATTEMPT_COLUMN_NAMES}
  attempt     1 = the first call; a contact's current attempt is its last row (outcome pending,
              redial-pending, dialing, uncertain or in-call until it ends)
  dialed_at   when the dial-out request was sent; ended_at when the attempt ended (ISO 8601, UTC)
While contacts are still being imported a contact may appear twice (Redis HSCAN); export after the import.`,
    )
    .action(async (id: string, flags: { out?: string; format: Format; attempts?: boolean }) => {
      const { loadConfig, openCampaignControl } = await import('@dialer/core');
      const { writeReport } = await import('./report-writer.js');
      const config = loadConfig(process.env, 'cli');
      const opened = await openCampaignControl(config, 'dialer-report');
      try {
        const kind = flags.attempts ? 'attempts' : 'contacts';
        const rows = await writeReport(opened.store, id, flags.format, flags.out, kind);
        if (flags.out)
          process.stderr.write(`Wrote ${rows.toLocaleString('en-US')} ${kind} of "${id}" to ${flags.out}\n`);
      } finally {
        await opened.close();
      }
    });
}

function parseFormat(text: string): Format {
  if (text !== 'csv' && text !== 'json') throw new InvalidArgumentError('csv or json');
  return text;
}
