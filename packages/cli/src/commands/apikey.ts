import type { Command } from 'commander';
import type { ApiKeyStore } from '@dialer/core';

const print = (text: string) => process.stdout.write(text);

/** Runs `fn` with the API key store on a Redis connection of its own, closed afterwards. */
async function withKeys<T>(fn: (keys: ApiKeyStore) => Promise<T>): Promise<T> {
  // Loaded on use: registering the command (and `--help`) never loads @dialer/core.
  const { ApiKeyStore, loadConfig, openCampaignControl } = await import('@dialer/core');
  const config = loadConfig(process.env, 'cli');
  const opened = await openCampaignControl(config, 'dialer-apikey');
  try {
    return await fn(new ApiKeyStore(opened.store.redis, opened.store.keys));
  } finally {
    await opened.close();
  }
}

/**
 * `dialer apikey create | list | revoke`: keys of the HTTP API (`dialer api`). A key is printed once, at
 * creation; Redis keeps only its SHA-256. Revoking takes effect on the next request.
 */
export function registerApiKeyCommand(program: Command): void {
  const apikey = program.command('apikey').description('Keys of the HTTP API (`dialer api`): create, list, revoke');

  apikey
    .command('create')
    .description('Create a key and print it (once: it cannot be shown again)')
    .requiredOption('--name <name>', 'a unique name saying who or what uses it (letters, digits, _ . -)')
    .option('--json', 'print {id, name, key, createdAt}')
    .action(async (flags: { name: string; json?: boolean }) => {
      await withKeys(async (keys) => {
        const created = await keys.create(flags.name);
        if (flags.json) return print(`${JSON.stringify(created)}\n`);
        print(
          `Created API key "${created.name}" (${created.id}):\n\n  ${created.key}\n\n` +
            'Store it now: it cannot be shown again (only its hash is kept). Send it as `Authorization: Bearer <key>`.\n',
        );
      });
    });

  apikey
    .command('list')
    .description('List the keys (id, name, created, last used; never the keys themselves)')
    .option('--json', 'print a JSON array of {id, name, createdAt, lastUsedAt}')
    .action(async (flags: { json?: boolean }) => {
      await withKeys(async (keys) => {
        const all = await keys.list();
        if (flags.json) return print(`${JSON.stringify(all)}\n`);
        if (all.length === 0) return print('No API keys. Create one with: dialer apikey create --name <name>\n');
        const rows = all.map((k) => [k.id, k.name, k.createdAt, k.lastUsedAt ?? 'never']);
        const widths = [0, 1, 2].map((i) =>
          Math.max(...[['id', 'name', 'created'][i]!, ...rows.map((r) => r[i]!)].map((s) => s.length)),
        );
        const line = (r: string[]) => `${r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ')}\n`;
        print(line(['id', 'name', 'created', 'last used']) + rows.map(line).join(''));
      });
    });

  apikey
    .command('revoke')
    .description('Revoke a key: the next request with it is refused (401)')
    .argument('<id|name>', 'the id (key-…) or the name of the key')
    .action(async (idOrName: string) => {
      await withKeys(async (keys) => {
        const revoked = await keys.revoke(idOrName);
        print(`Revoked API key "${revoked.name}" (${revoked.id}).\n`);
      });
    });
}
