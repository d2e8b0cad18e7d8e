import type { Command } from 'commander';

/**
 * The JSON Schema of the campaign settings file, generated from the same zod schema `dialer produce` validates
 * with, so it cannot drift from what the producer accepts. Refinements zod cannot express in JSON Schema (an
 * IANA zone that exists, `endAt` after `startAt`, `window.end` after `start`, region rules leaving time inside
 * the window) are left to `dialer produce`.
 */
export async function settingsJsonSchema(): Promise<Record<string, unknown>> {
  const { campaignSettingsInputSchema } = await import('@dialer/core');
  const { z } = await import('zod');
  const schema = z.toJSONSchema(campaignSettingsInputSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    title: 'Campaign settings',
    description:
      'Settings file of `dialer produce --settings <file.json>`. Every key is optional; the environment gives the ' +
      'defaults. Reference: docs/design.md#settings-reference.',
    ...schema,
  };
}

/** `dialer settings schema`: prints the JSON Schema of the campaign settings file (for editors and CI checks). */
export function registerSettingsCommand(program: Command): void {
  const settings = program.command('settings').description('Campaign settings files: their JSON Schema');

  settings
    .command('schema')
    .description('Print the JSON Schema of the campaign settings file (`dialer produce --settings`) on stdout')
    .action(async () => {
      process.stdout.write(`${JSON.stringify(await settingsJsonSchema(), null, 2)}\n`);
    });
}
