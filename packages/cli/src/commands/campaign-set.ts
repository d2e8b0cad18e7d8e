import type { Command } from 'commander';
import type { SettingsUpdateResult } from '@dialer/core';
import { withOpenedControl } from './campaign-connection.js';

/**
 * `dialer campaign set <id> key=value…`: changes a campaign's settings while it runs (core's
 * updateCampaignSettings); the workers follow from their next dial-out, within a second.
 */
export function registerCampaignSetCommand(campaign: Command): void {
  campaign
    .command('set')
    .description(
      "Change a campaign's settings while it runs: ratePerSecond, maxLiveCalls, window, blackoutDates, caller, trunk, metadata, redial, results (from the next dial-out on)",
    )
    .argument('<id>', 'campaign id')
    .argument(
      '<key=value...>',
      'values are JSON when they parse (20, null, ["mon","tue"]), else text (08:00); dotted keys change one part (window.start=08:00, redial.maxAttempts=5); null removes',
    )
    .option('--json', 'print one JSON object: {campaign, state, changed, settings, settingsUpdatedAt, heldRechecked}')
    .action(async (id: string, args: string[], flags: { json?: boolean }) => {
      const { DialerError, createLogger, settingsAsInput, updateCampaignSettings } = await import('@dialer/core');
      const { settingsPatchFromArgs, SetArgumentError } = await import('./campaign-set-args.js');
      await withOpenedControl(async ({ store, queues }, config) => {
        const meta = await store.requireCampaign(id);
        let patch: Record<string, unknown>;
        try {
          patch = settingsPatchFromArgs(args, settingsAsInput(meta.settings));
        } catch (err) {
          if (!(err instanceof SetArgumentError)) throw err;
          throw new DialerError('DIALER_ERR_SETTINGS', `Invalid settings change: ${err.message}`);
        }
        // The change is logged (keys only) on stderr, like every process's log; stdout stays the answer.
        const logger = createLogger({ name: 'dialer-campaign', level: config.logLevel, destination: process.stderr });
        const result = await updateCampaignSettings({ store, queues, config, logger }, id, patch);
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : setText(result));
      });
    });
}

function setText(r: SettingsUpdateResult): string {
  if (r.changed.length === 0) return `Campaign "${r.campaign}": nothing changed.\n`;
  const held = r.heldRechecked > 0 ? `; ${r.heldRechecked} held contacts judged again under the new rules` : '';
  return `Campaign "${r.campaign}": changed ${r.changed.join(', ')} (from the next dial-out on)${held}.\n`;
}
