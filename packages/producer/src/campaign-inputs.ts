import type { CampaignSettings, DialerConfig } from '@dialer/core';
import type { CampaignCreateDeps } from './campaign-create.js';

// What `dialer produce` checks before an import, for the commands that create a campaign without a CSV file
// (`dialer call`): the same rules and the same messages. Each loads @dialer/core on first use, like runImport.

/** The settings `--settings` (and `--rules`) give a new campaign: validated, defaults from the environment. */
export async function resolveSettingsFiles(
  files: { settingsFile?: string; rulesFile?: string },
  config: DialerConfig,
): Promise<CampaignSettings> {
  const { planSettings } = await import('./campaign-plan.js');
  const plan = await planSettings(files.settingsFile, undefined, config, files.rulesFile);
  if (plan.deferredError) throw plan.deferredError;
  return plan.settings as CampaignSettings;
}

/** Refuses a campaign id `dialer produce` would refuse (DIALER_ERR_SETTINGS). */
export async function checkNewCampaignId(id: string): Promise<void> {
  const { checkCampaignId } = await import('./campaign-plan.js');
  checkCampaignId(id);
}

/** `--default-country` upper-cased, or DIALER_ERR_SETTINGS when libphonenumber does not know it. */
export async function checkDefaultCountry(country: string | undefined): Promise<string | undefined> {
  const { checkCountry } = await import('./run-import.js');
  return checkCountry(country);
}

/**
 * Creates a campaign with no contacts by `dialer produce`'s rules; an existing one is accepted only with equal
 * settings (see campaign-create.ts). Returns whether this call created it.
 */
export async function createCampaign(
  deps: CampaignCreateDeps,
  campaignId: string,
  settings: unknown,
): Promise<{ created: boolean }> {
  const { createCampaignFromSettings } = await import('./campaign-create.js');
  return createCampaignFromSettings(deps, campaignId, settings);
}
