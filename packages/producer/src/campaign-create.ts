import {
  CampaignStore,
  CONTACT_IDS_FIELD,
  checkCampaignContactIds,
  contactIdSchemeLabel,
  resolveContactIdScheme,
  type CampaignSettings,
  type ContactIdScheme,
  type DialerConfig,
  type Keys,
  type RedisClient,
} from '@dialer/core';
import { checkCampaignId, planCampaign, planSettings } from './campaign-plan.js';

export interface CampaignCreateDeps {
  redis: RedisClient;
  keys: Keys;
  config: DialerConfig;
}

/** Creates the campaign with its contact id scheme; one another import created meanwhile must have the same. */
export async function createCampaignWithIds(
  deps: CampaignCreateDeps,
  store: CampaignStore,
  campaignId: string,
  settings: CampaignSettings,
  ids: ContactIdScheme,
): Promise<boolean> {
  const label = contactIdSchemeLabel(ids);
  if (await store.createCampaign(campaignId, settings, { extra: label ? { [CONTACT_IDS_FIELD]: label } : {} }))
    return true;
  await checkCampaignContactIds(deps.redis, deps.keys, deps.config, campaignId, ids);
  return false;
}

/**
 * Creates a campaign with no contacts yet, by `dialer produce`'s rules (the HTTP API's `POST /v1/campaigns`): the
 * same id check, settings validated with the environment's defaults, and an existing campaign accepted only with
 * equal settings (DIALER_ERR_SETTINGS with `details.differing` otherwise; DIALER_ERR_CAMPAIGN_STATE if cancelled).
 * Returns whether this call created it.
 */
export async function createCampaignFromSettings(
  deps: CampaignCreateDeps,
  campaignId: string,
  settings: unknown,
): Promise<{ created: boolean }> {
  checkCampaignId(campaignId);
  // Settings always count as given (`{}` = every default), so an existing campaign is compared with them.
  const plan = await planSettings(undefined, settings ?? {}, deps.config);
  const store = new CampaignStore(deps.redis, deps.keys);
  const createWith = await planCampaign(store, campaignId, plan);
  if (!createWith) return { created: false };
  const ids = await resolveContactIdScheme(deps.redis, deps.keys, deps.config, campaignId, { create: true });
  if (await createCampaignWithIds(deps, store, campaignId, createWith, ids)) return { created: true };
  // Created by someone else in between: the same rules decide whether it is this campaign.
  await planCampaign(store, campaignId, plan);
  return { created: false };
}
