/**
 * Every Redis key and queue name in one module.
 *
 * Layout (hash tags in braces decide the Redis Cluster slot):
 * - `{<campaign>}`: the campaign's BullMQ queue and all its records, so every Lua script and
 *   transaction of one campaign touches one slot while different campaigns spread over the masters;
 * - `{global}`: the campaign registry, the global do-not-call list and the contact id key;
 * - `{limits}`: pacing and live-call semaphores, so one script can take the global, campaign and trunk
 *   limits atomically;
 * - `{notify}`: the notification hand-off queue;
 * - `{results}`: the results webhook's delivery queue;
 * - `{cap-<number key>}`: one number's dial-outs across every campaign (CONTACT_CAP), a slot per number;
 * - `{locales}`: the contacts' time-zone and region sets, shared by every campaign (contact-locale.ts).
 * The HTTP API's keys (store/api-keys.ts) live under `{global}`; its idempotency records under their campaign's tag.
 * Our own keys carry a `~` segment, which BullMQ never uses, so they cannot collide with queue keys.
 */
export const CAMPAIGN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const NOTIFY_QUEUE = 'notifications';
/** The results webhook's delivery queue (one job per delivery, its id the delivery id). */
export const RESULTS_QUEUE = 'results';

export interface Keys {
  prefix: string;
  /** BullMQ `prefix` option for a campaign's dial queue (queue name = campaign id). */
  campaignQueuePrefix(campaignId: string): string;
  campaignMeta(campaignId: string): string;
  campaignContacts(campaignId: string): string;
  campaignStats(campaignId: string): string;
  campaignDeadlines(campaignId: string): string;
  campaignSids(campaignId: string): string;
  campaignSuppress(campaignId: string): string;
  /** The reconciler's scan state (cursor, last full pass) of a campaign. */
  campaignReconcile(campaignId: string): string;
  /** Results webhook events recorded with the ends themselves, until moved into the results queue (only with `results`). */
  campaignOutbox(campaignId: string): string;
  /** Prefix of a campaign's BullMQ job keys (`<job key prefix><job id>` is the job's hash). */
  campaignJobKeyPrefix(campaignId: string): string;
  campaigns(): string;
  /** Campaigns with a results webhook: the ones whose outbox the deliverer watches. */
  resultsCampaigns(): string;
  globalSuppress(): string;
  /** The deployment's secret for contact ids (contact-ids.ts), unless CONTACT_ID_KEY sets one. */
  contactIdKey(): string;
  events(): string;
  /** A worker process's own wake-up key: it interrupts that process's wait on its campaigns' queue markers. */
  workerWake(processId: string): string;
  /** The global limits set at run time (`dialer limits set`): a hash of `ratePerSecond`, `maxLiveCalls`. */
  globalLimits(): string;
  rateGlobal(): string;
  rateCampaign(campaignId: string): string;
  /** The pacing of one bot's dial-outs under the gateway's quotas (SAVG_QUOTAS), every campaign together. */
  rateBot(botId: string): string;
  liveGlobal(): string;
  liveCampaign(campaignId: string): string;
  liveTrunk(trunk: string): string;
  /** One number's recent dial-outs across every campaign; `numberKey` is a keyed hash of it, never the number. */
  contactCap(numberKey: string): string;
  /** Locale profiles (candidate zones and regions) by their short key. */
  locales(): string;
  notifyQueuePrefix(): string;
  /** The HTTP API's keys: SHA-256 of the key → its record (never the key itself). */
  apiKeys(): string;
  /** SHA-256 of an API key → when it was last used (ms). */
  apiKeysUsed(): string;
  /** API key name → the SHA-256 field of its record in apiKeys(): keeps names unique. */
  apiKeyNames(): string;
  /** An `Idempotency-Key` of a request about a campaign (`keyHash`: SHA-256 of the key, never the key). */
  apiIdempotency(campaignId: string, keyHash: string): string;
  resultsQueuePrefix(): string;
  /** Which process moves outboxes into the results queue (one at a time). */
  resultsMoverLock(): string;
}

export function createKeys(prefix: string): Keys {
  const c = (id: string, name: string) => `${prefix}:{${id}}:~${name}`;
  return {
    prefix,
    campaignQueuePrefix: (id) => `${prefix}:{${id}}`,
    campaignMeta: (id) => c(id, 'meta'),
    campaignContacts: (id) => c(id, 'contacts'),
    campaignStats: (id) => c(id, 'stats'),
    campaignDeadlines: (id) => c(id, 'deadlines'),
    campaignSids: (id) => c(id, 'sids'),
    campaignSuppress: (id) => c(id, 'suppress'),
    campaignReconcile: (id) => c(id, 'reconcile'),
    campaignOutbox: (id) => c(id, 'outbox'),
    campaignJobKeyPrefix: (id) => `${prefix}:{${id}}:${id}:`,
    campaigns: () => `${prefix}:{global}:~campaigns`,
    resultsCampaigns: () => `${prefix}:{global}:~results-campaigns`,
    globalSuppress: () => `${prefix}:{global}:~suppress`,
    contactIdKey: () => `${prefix}:{global}:~contact-id-key`,
    events: () => `${prefix}:events`,
    workerWake: (processId) => `${prefix}:~worker-wake:${processId}`,
    globalLimits: () => `${prefix}:{limits}:~global`,
    rateGlobal: () => `${prefix}:{limits}:~rate:global`,
    rateCampaign: (id) => `${prefix}:{limits}:~rate:c:${id}`,
    rateBot: (botId) => `${prefix}:{limits}:~rate:bot:${botId}`,
    liveGlobal: () => `${prefix}:{limits}:~live:global`,
    liveCampaign: (id) => `${prefix}:{limits}:~live:c:${id}`,
    liveTrunk: (trunk) => `${prefix}:{limits}:~live:t:${trunk}`,
    contactCap: (numberKey) => `${prefix}:{cap-${numberKey}}:~cap`,
    locales: () => `${prefix}:{locales}:~locales`,
    notifyQueuePrefix: () => `${prefix}:{notify}`,
    apiKeys: () => `${prefix}:{global}:~api-keys`,
    apiKeysUsed: () => `${prefix}:{global}:~api-keys-used`,
    apiKeyNames: () => `${prefix}:{global}:~api-key-names`,
    apiIdempotency: (id, keyHash) => c(id, `idem:${keyHash}`),
    resultsQueuePrefix: () => `${prefix}:{results}`,
    resultsMoverLock: () => `${prefix}:{results}:~mover`,
  };
}

/** BullMQ job id of attempt `n` of a contact: the attempt's idempotency key inside its campaign queue. */
export function attemptJobId(contactId: string, attempt: number): string {
  return `${contactId}-${attempt}`;
}

/** The attempt's identity across the system (logs, semaphores, watchdog): `campaign/contact/n`. */
export function attemptKey(campaignId: string, contactId: string, attempt: number): string {
  return `${campaignId}/${contactId}/${attempt}`;
}
