import type { Command } from 'commander';
import { withOpenedControl } from './campaign-connection.js';

/**
 * `dialer campaign delete <id>`: removes a completed or cancelled campaign for good (its records, counters,
 * queue, registry entry; core's deleteCampaign). Running it again finishes a deletion that was interrupted.
 */
export function registerCampaignDeleteCommand(campaign: Command): void {
  campaign
    .command('delete')
    .description(
      'Delete a completed or cancelled campaign for good: its contacts, results, counters and dial queue (write its report first)',
    )
    .argument('<id>', 'campaign id')
    .option('--json', 'print one JSON object: {campaign, state, keysRemoved, resumed}')
    .action(async (id: string, flags: { json?: boolean }) => {
      const { createLogger, deleteCampaign } = await import('@dialer/core');
      await withOpenedControl(async ({ store, queues }, config) => {
        const logger = createLogger({ name: 'dialer-campaign', level: config.logLevel, destination: process.stderr });
        const r = await deleteCampaign({ store, queues, logger }, id);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(r)}\n`
            : `Campaign "${id}" (${r.state}) deleted${r.resumed ? ' (an interrupted deletion finished)' : ''}.\n`,
        );
      });
    });
}
