import { targetFor, type CampaignSettings, type ContactRecord, type DialoutRequest } from '@dialer/core';

export interface DialRequestInput {
  settings: CampaignSettings;
  contact: ContactRecord;
  /** Bot / stream id (campaign setting, else SAVG_BOT_ID). */
  botId: string;
  /** `${NOTIFY_BASE_URL}/notify/${token}`: carries the attempt's signed token. */
  notifyUrl: string;
}

/**
 * The dial-out body as the vendor documents it, with every field the campaign sets. Optional fields the
 * campaign leaves unset are omitted so SAVG applies its own defaults (trunk, timers, word count).
 * Metadata: campaign defaults, then the contact's name, then the contact's own CSV columns, which win
 * (see docs/design.md (Per-contact CSV columns)). A re-dial builds the same body from the same
 * stored settings and record, so it keeps every original dial parameter.
 */
export function buildDialoutRequest({ settings, contact, botId, notifyUrl }: DialRequestInput): DialoutRequest {
  const metadata: Record<string, unknown> = { ...settings.metadata };
  if (contact.nm) metadata.name = contact.nm;
  if (contact.md) Object.assign(metadata, contact.md);
  const body: DialoutRequest = {
    bot: botId,
    target: targetFor(contact.p),
    caller: settings.caller,
    notifyurl: notifyUrl,
    machineDetection: settings.machineDetection,
  };
  if (settings.trunk) body.trunk = settings.trunk;
  if (Object.keys(metadata).length > 0) body.metadata = metadata;
  if (settings.timers && Object.keys(settings.timers).length > 0) body.timers = { ...settings.timers };
  if (settings.thresholdWordCount !== undefined) body.thresholdWordCount = settings.thresholdWordCount;
  return body;
}
