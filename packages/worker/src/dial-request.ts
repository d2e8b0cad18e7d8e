import {
  NOTIFY_TOKEN_HEADER,
  targetAs,
  type CampaignSettings,
  type ContactRecord,
  type DialoutRequest,
} from '@dialer/core';

export interface DialRequestInput {
  settings: CampaignSettings;
  contact: ContactRecord;
  /** Bot / stream id (campaign setting, else SAVG_BOT_ID). */
  botId: string;
  /** `${NOTIFY_BASE_URL}/notify/${token}`: carries the attempt's signed token. */
  notifyUrl: string;
  /**
   * The attempt's notify token (the one in `notifyUrl`): sent as `notifyHeaders` so the gateway echoes it in
   * a header of every notification, a second proof beside the URL's. Omitted: no `notifyHeaders`.
   */
  notifyToken?: string;
  /** SAVG_API_VERSION: `v2` names the bot in the body as `botId` too. @defaultValue 'v1' */
  apiVersion?: 'v1' | 'v2';
}

/**
 * The dial-out body as the vendor documents it, with every field the campaign sets. Optional fields the
 * campaign leaves unset are omitted so SAVG applies its own defaults (trunk, timers, word count, ring time).
 * Metadata: campaign defaults, then the contact's name, then the contact's own CSV columns, which win
 * (see docs/design.md (Per-contact CSV columns)). A re-dial builds the same body from the same
 * stored settings and record, so it keeps every original dial parameter.
 */
export function buildDialoutRequest(input: DialRequestInput): DialoutRequest {
  const { settings, contact, botId, notifyUrl } = input;
  const metadata: Record<string, unknown> = { ...settings.metadata };
  if (contact.nm) metadata.name = contact.nm;
  if (contact.md) Object.assign(metadata, contact.md);
  const body: DialoutRequest = {
    bot: botId,
    target: targetAs(contact.p, settings.targetFormat),
    caller: settings.caller,
    notifyurl: notifyUrl,
    machineDetection: settings.machineDetection,
  };
  if (input.apiVersion === 'v2') body.botId = botId;
  if (settings.trunk) body.trunk = settings.trunk;
  if (Object.keys(metadata).length > 0) body.metadata = metadata;
  if (settings.timers && Object.keys(settings.timers).length > 0) body.timers = { ...settings.timers };
  if (settings.thresholdWordCount !== undefined) body.thresholdWordCount = settings.thresholdWordCount;
  if (settings.ringTimeoutMs !== undefined) body.timeoutInMs = settings.ringTimeoutMs;
  if (input.notifyToken !== undefined) body.notifyHeaders = { [NOTIFY_TOKEN_HEADER]: input.notifyToken };
  return body;
}
