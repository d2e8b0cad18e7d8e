import { InvalidArgumentError, type Command } from 'commander';
import type { GlobalLimits, GlobalLimitsStore } from '@dialer/core';
import { withOpenedControl } from './campaign-connection.js';

/**
 * `dialer limits show | set | reset`: the global dial rate and live-call cap of every worker, changed at run
 * time (stored in Redis, read by every admission: no restart). Where nothing is set, each process's
 * DIAL_RATE_PER_SECOND and MAX_LIVE_CALLS apply.
 */
export function registerLimitsCommand(program: Command): void {
  const limits = program
    .command('limits')
    .description('Global limits of every worker at run time: the dial rate and the live-call cap (show, set, reset)');

  limits
    .command('show')
    .description('Show the effective global limits and where they come from (Redis: `limits set`, or the environment)')
    .option(
      '--json',
      'print one JSON object: {ratePerSecond, maxLiveCalls, source: {ratePerSecond, maxLiveCalls}, updatedAt}',
    )
    .action(async (flags: { json?: boolean }) => {
      await withGlobalLimits(async (store) => print(await store.get(), flags.json));
    });

  limits
    .command('set')
    .description('Change the global limits for every worker within a second, without a restart')
    .option('--rate <n>', 'dial-outs per second, every worker and campaign together (> 0, at most 10000)', number)
    .option('--max-live <n>', 'calls in progress, every worker and campaign together (integer > 0)', number)
    .option('--json', 'print the effective limits as JSON (as `limits show --json`)')
    .action(async (flags: { rate?: number; maxLive?: number; json?: boolean }, command: Command) => {
      if (flags.rate === undefined && flags.maxLive === undefined)
        command.error('error: give --rate, --max-live or both', { exitCode: 2 });
      await withGlobalLimits(async (store) =>
        print(await store.set({ ratePerSecond: flags.rate, maxLiveCalls: flags.maxLive }), flags.json),
      );
    });

  limits
    .command('reset')
    .description("Go back to each process's environment (DIAL_RATE_PER_SECOND, MAX_LIVE_CALLS)")
    .option('--json', 'print the effective limits as JSON (as `limits show --json`)')
    .action(async (flags: { json?: boolean }) => {
      await withGlobalLimits(async (store) => print(await store.reset(), flags.json));
    });
}

async function withGlobalLimits(fn: (store: GlobalLimitsStore) => Promise<void>): Promise<void> {
  await withOpenedControl(async ({ globalLimits }) => fn(globalLimits), 'dialer-limits');
}

function number(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('a number');
  return n;
}

function print(l: GlobalLimits, json?: boolean): void {
  if (json) return void process.stdout.write(`${JSON.stringify(l)}\n`);
  const from = (s: 'redis' | 'env', env: string) => (s === 'redis' ? 'set at run time (dialer limits set)' : `${env}`);
  process.stdout.write(
    `dial rate       ${l.ratePerSecond}/s  (${from(l.source.ratePerSecond, 'DIAL_RATE_PER_SECOND')})\n` +
      `max live calls  ${l.maxLiveCalls}  (${from(l.source.maxLiveCalls, 'MAX_LIVE_CALLS')})\n`,
  );
}
