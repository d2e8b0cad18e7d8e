import { createHmac, hash, randomBytes } from 'node:crypto';
import type { DialerConfig } from './config.js';
import { DialerError } from './errors.js';
import type { Keys } from './store/keys.js';
import { contactIdFor } from './phone.js';
import type { RedisClient } from './redis.js';

/**
 * Contact ids: the dedupe key of a campaign and part of every job id, notify token and attempt key, so they
 * show up in logs, Bull Board and URLs. A bare digest of the number would be reversed in minutes (there are
 * only ~10^10 numbers per country): they are an HMAC of the number under a secret of the deployment.
 *
 * Each campaign records the scheme its ids were made with (meta field `ids`): `hmac:<key fingerprint>`, or
 * nothing for campaigns created before keyed ids (bare SHA-256, `contactIdFor`). Everything that computes
 * an id for a campaign uses that campaign's scheme, so re-importing into an old campaign still dedupes.
 */

/** How a campaign's contact ids are made. Plain data: it crosses to the CSV parsing thread. */
export type ContactIdScheme = { kind: 'sha256' } | { kind: 'hmac'; secret: string };

/** Normalized number → contact id (16 base64url characters). */
export type ContactIdFn = (normalizedNumber: string) => string;

/** The campaign meta field holding the scheme's label. */
export const CONTACT_IDS_FIELD = 'ids';

const HMAC_LABEL = 'hmac:';
const FINGERPRINT_INPUT = 'dialer contact id key fingerprint';
const BLOCK = 64; // SHA-256's block size
const DIGEST = 32;
/** Numbers up to this many UTF-16 units fit the scratch buffer in UTF-8 (3 bytes per unit at most). */
const SCRATCH_CHARS = 85;

/** A short public name of a key (a keyed digest of a fixed label): tells keys apart, reveals nothing of them. */
export function contactIdKeyFingerprint(secret: string): string {
  return createHmac('sha256', secret).update(FINGERPRINT_INPUT).digest('base64url').slice(0, 11);
}

/** The meta `ids` value of a scheme; undefined for the legacy scheme (the field is absent). */
export function contactIdSchemeLabel(scheme: ContactIdScheme): string | undefined {
  return scheme.kind === 'hmac' ? `${HMAC_LABEL}${contactIdKeyFingerprint(scheme.secret)}` : undefined;
}

/**
 * HMAC-SHA256 of the number, truncated like `contactIdFor`. Computed as two one-shot hashes over the
 * precomputed inner and outer key blocks (RFC 2104) rather than a `createHmac` object per number: an import
 * computes one id per row, and this takes well under half the time (contact-ids.test.ts checks that both agree).
 * Digests travel as binary (latin1) strings, one char per byte: `hash` is several times slower returning a Buffer.
 */
export function hmacContactIds(secret: string): ContactIdFn {
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
  const inner = Buffer.alloc(BLOCK + SCRATCH_CHARS * 3, 0x36);
  const outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] = 0x36 ^ key[i]!;
    outer[i] = 0x5c ^ key[i]!;
  }
  const innerPad = Buffer.from(inner.subarray(0, BLOCK));
  // One view of the scratch buffer per message length, made once: numbers come in a few lengths.
  const views: Buffer[] = [];
  return (normalizedNumber) => {
    let message: Buffer;
    if (normalizedNumber.length <= SCRATCH_CHARS) {
      const length = BLOCK + inner.write(normalizedNumber, BLOCK, 'utf8');
      message = views[length] ??= inner.subarray(0, length);
    } else message = Buffer.concat([innerPad, Buffer.from(normalizedNumber, 'utf8')]);
    outer.write(hash('sha256', message, 'binary'), BLOCK, 'latin1');
    return hash('sha256', outer, 'base64url').slice(0, 16);
  };
}

/** The id function of a scheme. */
export function contactIdHasher(scheme: ContactIdScheme): ContactIdFn {
  return scheme.kind === 'hmac' ? hmacContactIds(scheme.secret) : contactIdFor;
}

/**
 * The deployment's key: CONTACT_ID_KEY when set, else the random one kept in Redis under the prefix. With
 * `create`, the first caller stores one (SET NX, then everyone reads back the winner's); without, a
 * deployment that has none yet gets undefined.
 */
export async function deploymentContactIdKey(
  redis: RedisClient,
  keys: Keys,
  config: DialerConfig,
  create: boolean,
): Promise<string | undefined> {
  if (config.contactIdKey) return config.contactIdKey;
  const at = keys.contactIdKey();
  if (create) await redis.set(at, randomBytes(32).toString('base64url'), 'NX');
  return (await redis.get(at)) ?? undefined;
}

function keySource(config: DialerConfig): string {
  return config.contactIdKey ? 'CONTACT_ID_KEY' : 'the key kept in Redis (CONTACT_ID_KEY is unset)';
}

/**
 * The scheme of a campaign's contact ids. An existing campaign keeps the scheme it was created with; a new
 * one gets an HMAC under the deployment's key (created on first use, unless `create` is false: then a
 * deployment without a key yet gets a throwaway one, which dedupes a file as well, for a dry run that must
 * write nothing). Refuses (DIALER_ERR_CONFIG) a campaign whose key is not the deployment's current one:
 * its numbers would get other ids, and every one of them would become a second contact.
 */
export async function resolveContactIdScheme(
  redis: RedisClient,
  keys: Keys,
  config: DialerConfig,
  campaignId: string,
  options: { create?: boolean } = {},
): Promise<ContactIdScheme> {
  const create = options.create ?? true;
  const [settings, label] = await redis.hmget(keys.campaignMeta(campaignId), 'settings', CONTACT_IDS_FIELD);
  if (settings !== null && label === null) return { kind: 'sha256' };
  if (label !== null && !label.startsWith(HMAC_LABEL)) {
    throw new DialerError(
      'DIALER_ERR_CONFIG',
      `Campaign "${campaignId}" has contact ids of an unknown kind ("${label}"): was it created by a newer version of the dialer?`,
      {
        campaignId,
      },
    );
  }
  // An existing campaign's key is only ever read: a new one could not be the campaign's.
  const secret = await deploymentContactIdKey(redis, keys, config, create && label === null);
  if (label === null) return { kind: 'hmac', secret: secret ?? randomBytes(32).toString('base64url') };
  const wanted = label.slice(HMAC_LABEL.length);
  const current = secret === undefined ? undefined : contactIdKeyFingerprint(secret);
  if (current !== wanted) {
    throw new DialerError(
      'DIALER_ERR_CONFIG',
      `Campaign "${campaignId}" was created with another contact id key (fingerprint ${wanted}) than this deployment's, ` +
        `${keySource(config)}${current ? ` (fingerprint ${current})` : ', which is gone'}: its numbers would get new ids and be dialed again. ` +
        'Set CONTACT_ID_KEY to the key the campaign was created with (unset it if that was the key kept in Redis), or import into a new campaign id',
      { campaignId, variable: 'CONTACT_ID_KEY', campaignKey: wanted, deploymentKey: current ?? null },
    );
  }
  return { kind: 'hmac', secret: secret! };
}

/** The contact ids of a campaign, as it has them (or, for a campaign not created yet, as it will). */
export async function contactIdsFor(
  redis: RedisClient,
  keys: Keys,
  config: DialerConfig,
  campaignId: string,
): Promise<ContactIdFn> {
  return contactIdHasher(await resolveContactIdScheme(redis, keys, config, campaignId));
}

/**
 * After a create that found the campaign already there (another import created it in the meantime): refuses
 * to go on with ids of another scheme than the campaign's, since each would be a second contact.
 */
export async function checkCampaignContactIds(
  redis: RedisClient,
  keys: Keys,
  config: DialerConfig,
  campaignId: string,
  scheme: ContactIdScheme,
): Promise<void> {
  const theirs = await resolveContactIdScheme(redis, keys, config, campaignId, { create: false });
  if (contactIdSchemeLabel(theirs) !== contactIdSchemeLabel(scheme)) {
    throw new DialerError(
      'DIALER_ERR_CONFIG',
      `Campaign "${campaignId}" was created at the same time by an older version of the dialer, with other contact ids: run the import again`,
      { campaignId },
    );
  }
}
