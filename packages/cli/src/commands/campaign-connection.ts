import type { DialerConfig, OpenedCampaignControl } from '@dialer/core';

/** Runs `fn` with a campaign control (and the store, queues, limits) on its own Redis connection, closed afterwards. */
export async function withOpenedControl<T>(
  fn: (opened: OpenedCampaignControl, config: DialerConfig) => Promise<T>,
  name = 'dialer-campaign',
): Promise<T> {
  // Loaded on use: registering the command (and `--help`) never loads @dialer/core.
  const { loadConfig, openCampaignControl } = await import('@dialer/core');
  const config = loadConfig(process.env, 'cli');
  const opened = await openCampaignControl(config, name);
  try {
    return await fn(opened, config);
  } finally {
    await opened.close();
  }
}
