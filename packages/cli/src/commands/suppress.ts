import type { Command } from 'commander';
import type { CampaignStore, SuppressionList, SuppressionScope } from '@dialer/core';

interface ListFlags {
  campaign?: string;
  defaultCountry?: string;
  json?: boolean;
}

const print = (text: string) => process.stdout.write(text);

/** Runs `fn` with the do-not-call lists on a Redis connection of its own, closed afterwards. */
async function withLists<T>(fn: (lists: SuppressionList, store: CampaignStore) => Promise<T>): Promise<T> {
  // Loaded on use: registering the command (and `--help`) never loads @dialer/core.
  const { loadConfig, openCampaignControl, SuppressionList } = await import('@dialer/core');
  const config = loadConfig(process.env, 'cli');
  const opened = await openCampaignControl(config, 'dialer-suppress');
  try {
    return await fn(new SuppressionList(opened.store.redis, opened.store.keys), opened.store);
  } finally {
    await opened.close();
  }
}

function listName(scope: SuppressionScope): string {
  return scope.campaignId === undefined
    ? 'the global do-not-call list'
    : `the do-not-call list of campaign "${scope.campaignId}"`;
}

/** Every argument normalized like a contact, or an error naming the ones that are not numbers (nothing changes). */
async function normalizeAll(inputs: string[], defaultCountry: string | undefined): Promise<string[]> {
  const { DialerError, normalizeSuppressed } = await import('@dialer/core');
  const entries = inputs.map((i) => normalizeSuppressed(i, defaultCountry));
  const bad = entries.filter((e) => !e.ok);
  if (bad.length > 0) {
    const what = bad.map((e) => `"${e.input}" (${e.reason})`).join(', ');
    throw new DialerError('DIALER_ERR_PHONE', `Not a phone number: ${what}; nothing was changed`, {
      count: bad.length,
    });
  }
  return [...new Set(entries.map((e) => (e.ok ? e.number : '')))];
}

/** A campaign list for a campaign that does not exist yet is allowed (load it before the import), but said. */
async function noteUnknownCampaign(store: CampaignStore, scope: SuppressionScope): Promise<void> {
  if (scope.campaignId !== undefined && !(await store.getCampaign(scope.campaignId))) {
    process.stderr.write(
      `Note: campaign "${scope.campaignId}" does not exist yet; its list applies once it is created.\n`,
    );
  }
}

const withScopeOptions = (cmd: Command) =>
  cmd
    .option('--campaign <id>', 'the list of this campaign (default: the global list, which applies to every campaign)')
    .option('--default-country <CC>', 'country for numbers written without +country code (ISO 3166 alpha-2, e.g. US)');

/**
 * `dialer suppress add | remove | import | list`: the do-not-call lists, global or per campaign. Numbers are
 * normalized like contacts; the producer skips listed numbers at import (counted `suppressed`) and the
 * worker checks again right before each dial-out, so a number listed after its import is never dialed.
 */
export function registerSuppressCommand(program: Command): void {
  const suppress = program
    .command('suppress')
    .description('Do-not-call lists (global, or per campaign with --campaign)');

  withScopeOptions(
    suppress.command('add').description('Put numbers on a do-not-call list').argument('<number...>', 'phone numbers'),
  )
    .option('--json', 'print {list, added, already}')
    .action(async (inputs: string[], flags: ListFlags) => {
      const numbers = await normalizeAll(inputs, flags.defaultCountry);
      const scope = { campaignId: flags.campaign };
      await withLists(async (lists, store) => {
        await noteUnknownCampaign(store, scope);
        const added = await lists.add(numbers, scope);
        const result = { list: scope.campaignId ?? 'global', added, already: numbers.length - added };
        print(
          flags.json
            ? `${JSON.stringify(result)}\n`
            : `Added ${added} number(s) to ${listName(scope)}${result.already ? ` (${result.already} already on it)` : ''}.\n`,
        );
      });
    });

  withScopeOptions(
    suppress
      .command('remove')
      .description('Take numbers off a do-not-call list')
      .argument('<number...>', 'phone numbers'),
  )
    .option('--json', 'print {list, removed, absent}')
    .action(async (inputs: string[], flags: ListFlags) => {
      const numbers = await normalizeAll(inputs, flags.defaultCountry);
      const scope = { campaignId: flags.campaign };
      await withLists(async (lists) => {
        const removed = await lists.remove(numbers, scope);
        const result = { list: scope.campaignId ?? 'global', removed, absent: numbers.length - removed };
        // Contacts that already ended `suppressed` stay so: removal only affects future imports and dial-outs.
        print(
          flags.json
            ? `${JSON.stringify(result)}\n`
            : `Removed ${removed} number(s) from ${listName(scope)}${result.absent ? ` (${result.absent} were not on it)` : ''}.\n`,
        );
      });
    });

  withScopeOptions(
    suppress
      .command('import')
      .description(
        'Add every number of a file: one per line, or a CSV with a phone column (header) or the number first',
      )
      .argument('<file>', 'the do-not-call file'),
  )
    .option('--json', 'print {list, rows, added, already, rejected}')
    .action(async (file: string, flags: ListFlags) => {
      const scope = { campaignId: flags.campaign };
      await withLists(async (lists, store) => {
        await noteUnknownCampaign(store, scope);
        const { readSuppressFile } = await import('./suppress-file.js');
        let added = 0;
        let valid = 0;
        const counts = await readSuppressFile(file, flags.defaultCountry, async (numbers) => {
          valid += numbers.length;
          added += await lists.add(numbers, scope);
        });
        const result = {
          list: scope.campaignId ?? 'global',
          rows: counts.rows,
          added,
          already: valid - added,
          rejected: counts.rejected,
        };
        if (flags.json) print(`${JSON.stringify(result)}\n`);
        else
          print(
            `${file}: ${counts.rows} number(s) read, ${added} added to ${listName(scope)}, ${result.already} already on it, ${counts.rejected} rejected.\n`,
          );
        if (counts.rejected > 0)
          process.stderr.write(
            `Rejected lines (not phone numbers): ${counts.rejectedLines.join(', ')}${counts.rejected > counts.rejectedLines.length ? ', …' : ''}\n`,
          );
      });
    });

  suppress
    .command('list')
    .description('Print the numbers on a do-not-call list, one per line (no particular order)')
    .option('--campaign <id>', 'the list of this campaign (default: the global list)')
    .option('--json', 'print one JSON array')
    .option('--count', 'print only how many numbers are on the list')
    .action(async (flags: ListFlags & { count?: boolean }) => {
      const scope = { campaignId: flags.campaign };
      await withLists(async (lists) => {
        if (flags.count) return print(`${await lists.size(scope)}\n`);
        let first = true;
        if (flags.json) print('[');
        for await (const n of lists.numbers(scope)) {
          print(flags.json ? `${first ? '' : ','}${JSON.stringify(n)}` : `${n}\n`);
          first = false;
        }
        if (flags.json) print(']\n');
      });
    });
}
