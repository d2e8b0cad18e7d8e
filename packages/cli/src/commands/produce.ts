import type { Command } from 'commander';
import type { SingleBar } from 'cli-progress';
import type { ImportProgress, ImportSummary } from '@dialer/producer';

interface ProduceFlags {
  campaign: string;
  settings?: string;
  rules?: string;
  phoneColumn?: string;
  defaultCountry?: string;
  delimiter?: string;
  rejects?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** `dialer produce <file.csv> --campaign <id>`: import contacts into a campaign (creates it, or adds to it). */
export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description(
      'Import contacts from a CSV file into a campaign (creates it, or adds to it) and enqueue one dial job per new contact',
    )
    .argument('<file>', 'CSV file with a header row (UTF-8; , ; or tab separated)')
    .requiredOption('--campaign <id>', 'campaign id (letters, digits, _ and -)')
    .option('--settings <file>', 'campaign settings JSON (when creating the campaign; must match an existing one)')
    .option(
      '--rules <file>',
      "region rules JSON (ISO 3166-2 code → {start, end, days}), under the settings file's regionRules (which win per region)",
    )
    .option(
      '--phone-column <name>',
      'header of the phone column (default: phone, number, phone_number, msisdn, mobile or target)',
    )
    .option('--default-country <CC>', 'country for numbers without an international prefix, e.g. US')
    .option('--delimiter <char>', 'field delimiter: , ; | or "tab" (default: detected from the header)')
    .option('--rejects <path>', 'where to write rejected rows (default: <file>.rejects.csv)')
    .option('--dry-run', 'parse, validate and count without writing anything to Redis')
    .option('--json', 'print only the summary as one JSON object on stdout')
    .action(async (file: string, flags: ProduceFlags) => {
      await produce(file, flags);
    });
}

async function produce(file: string, flags: ProduceFlags): Promise<void> {
  const tty = process.stderr.isTTY === true;
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nInterrupted: finishing the rows already read (Ctrl-C again to quit now; re-running the import is safe)\n',
    );
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = tty ? new ProgressView((await import('cli-progress')).default) : undefined;
  try {
    // Loaded on use: the other dialer commands never pay for the CSV and phone-number libraries.
    const { runImportIsolated } = await import('@dialer/producer');
    const summary = await runImportIsolated(
      {
        file,
        campaignId: flags.campaign,
        settingsFile: flags.settings,
        rulesFile: flags.rules,
        phoneColumn: flags.phoneColumn,
        defaultCountry: flags.defaultCountry,
        delimiter: flags.delimiter,
        rejectsPath: flags.rejects,
        dryRun: flags.dryRun === true,
        signal: abort.signal,
        onProgress: bar ? (p) => bar.update(p) : undefined,
      },
      // On a terminal the progress bar and the summary say it all; elsewhere (cron, CI) log for the record.
      // The configuration (REDIS_URL…) is loaded and checked by the import thread: this one never loads
      // @dialer/core, BullMQ and ioredis, which would add ~40 MB to the process.
      { log: !tty },
    );
    bar?.stop();
    process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : humanSummary(file, summary));
    if (summary.aborted) process.exitCode = 130;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The TTY progress bar (stderr): share of the file read, rows, rows/s, accepted and rejected. */
class ProgressView {
  private readonly bar: SingleBar;
  private readonly started = Date.now();
  private running = false;

  constructor(cliProgress: typeof import('cli-progress')) {
    this.bar = new cliProgress.SingleBar(
      {
        format:
          'importing {bar} {percentage}% | {rows} rows | {rate} rows/s | {accepted} accepted | {rejected} rejected | {duration_formatted}',
        stream: process.stderr,
        hideCursor: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(p: ImportProgress): void {
    const payload = {
      rows: p.rows,
      rate: Math.round(p.rows / Math.max(0.001, (Date.now() - this.started) / 1000)),
      accepted: p.accepted,
      rejected: p.rejected,
    };
    if (!this.running) {
      this.bar.start(Math.max(1, p.totalBytes), p.bytesRead, payload);
      this.running = true;
    } else this.bar.update(p.bytesRead, payload);
  }

  stop(): void {
    if (this.running) this.bar.stop();
    this.running = false;
  }
}

function humanSummary(file: string, s: ImportSummary): string {
  const seconds = s.durationMs / 1000;
  const rate = Math.round(s.rows / Math.max(0.001, seconds));
  const n = (v: number) => v.toLocaleString('en-US').padStart(12);
  const lines = [
    s.dryRun
      ? `Dry run of ${file} for campaign "${s.campaign}": nothing was written to Redis`
      : `${s.aborted ? 'Interrupted import of' : 'Imported'} ${file} into campaign "${s.campaign}" in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} rows/s)`,
    `  rows       ${n(s.rows)}`,
    `  accepted   ${n(s.accepted)}${s.dryRun ? '  (would be enqueued)' : ''}`,
    `  duplicates ${n(s.duplicates)}`,
    `  rejected   ${n(s.rejected)}${s.rejectsFile ? `  → ${s.rejectsFile}` : ''}`,
    `  suppressed ${n(s.suppressed)}`,
  ];
  if (s.aborted) lines.push('Run the same command again to finish the import: rows already imported are skipped.');
  return `${lines.join('\n')}\n`;
}
