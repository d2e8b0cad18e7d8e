// What the worker's and the ingester's test fixtures both do to seed a campaign: unique ids, distinct
// numbers, a campaign with one contact per number. Each package adds its own part (jobs, attempts).
import {
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
  type CampaignSettingsInput,
  type CampaignStore,
  type DialerConfig,
} from '@dialer/core';

export interface SeededContact {
  contactId: string;
  number: string;
}

let serial = 0;

/** A campaign id no other call in this test file returns. */
export function testCampaignId(): string {
  return `c${++serial}-${Math.random().toString(36).slice(2, 8)}`;
}

/** `count` valid-looking E.164 numbers in a block of their own (blocks repeat after 1000 calls in a test file). */
export function testNumbers(count: number): string[] {
  const block = String(++serial % 1000).padStart(3, '0');
  return Array.from({ length: count }, (_, i) => `+1555${block}${String(i).padStart(4, '0')}`);
}

/** Creates a campaign (settings resolved against `config`) with one contact per number, rows 2…; no jobs. */
export async function createCampaignWithContacts(
  store: CampaignStore,
  config: DialerConfig,
  settings: CampaignSettingsInput,
  numbers: string[],
  extra: (i: number) => { nm?: string; md?: Record<string, string> } = () => ({}),
): Promise<{ campaignId: string; contacts: SeededContact[] }> {
  const campaignId = testCampaignId();
  await store.createCampaign(campaignId, resolveCampaignSettings(settings, config));
  const contacts = numbers.map((number) => ({ number, contactId: contactIdFor(number) }));
  await store.addContacts(
    campaignId,
    contacts.map((c, i) => [c.contactId, newContactRecord({ p: c.number, r: i + 2, ...extra(i) })]),
  );
  return { campaignId, contacts };
}
