import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { CampaignControl, CampaignStatus } from '@dialer/core';
import { listText, statusText, watchLine, watchPayload } from './campaign-view.js';
import { registerCampaignSetCommand } from './campaign-set.js';
import { registerCampaignDeleteCommand } from './campaign-delete.js';

/** How long a one-shot status may take to measure the dial rate when no recent sample exists. */
const STATUS_SAMPLE_MS = 1000;

/** Runs `fn` with a campaign control on its own Redis connection, closed afterwards. */
async function withControl<T>(fn: (control: CampaignControl) => Promise<T>): Promise<T> {
  // Loaded on use: registering the command (and `--help`) never loads @dialer/core.
  const { loadConfig, openCampaignControl } = await import('@dialer/core');
  const config = loadConfig(process.env, 'cli');
  const opened = await openCampaignControl(config, 'dialer-campaign');
  try {
    return await fn(opened.control);
  } finally {
    await opened.close();
  }
}

const print = (text: string) => process.stdout.write(text);

/**
 * `dialer campaign list | status | watch | pause | resume | cancel | set | delete`. Pause/resume act on the
 * campaign state (which every worker obeys) and its BullMQ queue, so they mean the same as the buttons in
 * `dialer board`; `set` and `delete` are in campaign-set.ts and campaign-delete.ts.
 */
export function registerCampaignCommand(program: Command): void {
  const campaign = program
    .command('campaign')
    .description('Campaign control: list, status, watch, pause, resume, cancel, set, delete');

  campaign
    .command('list')
    .description('List every campaign with its state and progress')
    .option('--json', 'print a JSON array of status objects')
    .action(async (flags: { json?: boolean }) => {
      await withControl(async (control) => {
        const ids = await control.listCampaigns();
        const statuses: CampaignStatus[] = [];
        for (const id of ids) statuses.push(await control.campaignStatus(id));
        print(flags.json ? `${JSON.stringify(statuses)}\n` : listText(statuses));
      });
    });

  campaign
    .command('status')
    .description('Show a campaign: state (and why it is paused), counts by outcome, live calls, dial rate, ETA')
    .argument('<id>', 'campaign id')
    .option(
      '--json',
      'print exactly one JSON object: {campaign, state, contacts, terminal, live, outcomes, pauseReason, pending, dialouts, redials, dialRate, eta, queue, createdAt, stranded, held, pace}',
    )
    .option('--watch', 'keep showing it live with a progress bar (same as `dialer campaign watch`)')
    .option('--interval <seconds>', 'refresh interval of --watch (default 1)', parseInterval)
    .action(async (id: string, flags: { json?: boolean; watch?: boolean; interval?: number }) => {
      if (flags.watch) return watch(id, flags.interval ?? 1000);
      await withControl(async (control) => {
        const status = await control.campaignStatus(id, { sampleMs: STATUS_SAMPLE_MS });
        print(flags.json ? `${JSON.stringify(status)}\n` : statusText(status));
      });
    });

  campaign
    .command('watch')
    .description('Show a campaign live with a progress bar until it ends (Ctrl-C stops watching, not the campaign)')
    .argument('<id>', 'campaign id')
    .option('--interval <seconds>', 'refresh interval (default 1)', parseInterval)
    .action(async (id: string, flags: { interval?: number }) => watch(id, flags.interval ?? 1000));

  campaign
    .command('pause')
    .description(
      'Pause a campaign: no new dial-outs within a second on every worker; calls in progress finish normally',
    )
    .argument('<id>', 'campaign id')
    .option('--reason <text>', 'why (shown by `campaign status`)', 'paused by operator')
    .action(async (id: string, flags: { reason: string }) => {
      await withControl(async (control) => {
        const r = await control.pauseCampaign(id, flags.reason);
        print(
          r.previous === 'paused'
            ? `Campaign "${id}" was already paused.\n`
            : `Campaign "${id}" paused. Resume with: dialer campaign resume ${id}\n`,
        );
      });
    });

  campaign
    .command('resume')
    .description(
      'Resume a paused campaign where it stopped (also after an automatic pause, e.g. a SAVG 401, or a pause in the board)',
    )
    .argument('<id>', 'campaign id')
    .action(async (id: string) => {
      await withControl(async (control) => {
        const r = await control.resumeCampaign(id);
        if (r.state === 'completed') print(`Campaign "${id}" had no contact left to dial: it is completed.\n`);
        else print(r.previous === 'running' ? `Campaign "${id}" is running.\n` : `Campaign "${id}" resumed.\n`);
      });
    });

  campaign
    .command('cancel')
    .description(
      'Cancel a campaign for good: every pending contact ends as `cancelled`, no one is dialed afterwards; calls in progress finish normally',
    )
    .argument('<id>', 'campaign id')
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(async (id: string, flags: { yes?: boolean }, command: Command) => {
      if (!flags.yes) await confirm(id, command);
      await withControl(async (control) => {
        const r = await control.cancelCampaign(id);
        print(
          `Campaign "${id}" cancelled: ${r.cancelled.toLocaleString('en-US')} pending contacts ended as cancelled, ` +
            `${r.jobsRemoved.toLocaleString('en-US')} dial jobs removed` +
            (r.inProgress > 0
              ? `; ${r.inProgress.toLocaleString('en-US')} calls in progress finish normally.\n`
              : '.\n'),
        );
      });
    });

  registerCampaignSetCommand(campaign);
  registerCampaignDeleteCommand(campaign);
}

/** `--interval` in seconds → ms. */
function parseInterval(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0.2 || s > 3600)
    throw new InvalidArgumentError('a number of seconds from 0.2 to 3600');
  return Math.round(s * 1000);
}

async function confirm(id: string, command: Command): Promise<void> {
  if (!process.stdin.isTTY)
    command.error(`error: cancelling "${id}" cannot be undone: pass --yes to confirm`, { exitCode: 2 });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `Cancel campaign "${id}"? Pending contacts end as cancelled; this cannot be undone. Type the campaign id to confirm: `,
    );
    if (answer.trim() !== id) command.error('error: not confirmed; nothing changed', { exitCode: 2 });
  } finally {
    rl.close();
  }
}

/** Live view until the campaign is completed/cancelled with no call left, or until Ctrl-C. */
async function watch(id: string, everyMs: number): Promise<void> {
  const { default: cliProgress } = await import('cli-progress');
  await withControl(async (control) => {
    const tty = process.stdout.isTTY === true;
    const view = tty
      ? new cliProgress.SingleBar(
          {
            // One line: cli-progress redraws a single line in place.
            format: `${id} {bar} {percentage}% | {value}/{total} ended | live {live} | {rate}/s | ETA {etaText} | {state} | {outcomes}`,
            hideCursor: true,
            clearOnComplete: false,
            stopOnComplete: false,
            fps: 4,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    let stopped = false;
    const onSignal = () => {
      stopped = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let started = false;
    let last: CampaignStatus | undefined;
    try {
      while (!stopped) {
        last = await control.campaignStatus(id);
        if (!view) print(watchLine(last));
        else if (!started) view.start(Math.max(1, last.contacts), last.terminal, watchPayload(last));
        else {
          view.setTotal(Math.max(1, last.contacts));
          view.update(last.terminal, watchPayload(last));
        }
        started = true;
        // Done: completed, or cancelled with no call left (an uncertain attempt may still await the watchdog).
        if (last.state === 'completed' || (last.state === 'cancelled' && last.live === 0)) break;
        await sleepUnless(everyMs, () => stopped);
      }
    } finally {
      view?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (last) print(`\n${statusText(last)}`);
  });
}

async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!stop() && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
}
