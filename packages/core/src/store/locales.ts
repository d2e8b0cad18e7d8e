/**
 * The contacts' locale profiles (candidate zones and regions, see contact-locale.ts), stored once per distinct
 * profile in one hash shared by every campaign: a contact keeps only the profile's short key (`lk`), so a million
 * contacts of a few hundred profiles cost a few bytes each. Profiles never change (they are facts about numbers),
 * so every process caches them for good.
 */
import { hash } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import type { Keys } from './keys.js';

export interface LocaleProfile {
  zones: string[];
  regions: string[];
}

/** The profile as stored: `zone&zone|region&region`. */
export function encodeLocale(locale: LocaleProfile): string {
  return `${locale.zones.join('&')}|${locale.regions.join('&')}`;
}

export function decodeLocale(text: string): LocaleProfile {
  const [zones = '', regions = ''] = text.split('|');
  return { zones: zones ? zones.split('&') : [], regions: regions ? regions.split('&') : [] };
}

/** The short key of an encoded profile (60 bits of its SHA-256: no collision among the profiles of any deployment). */
export function localeKey(encoded: string): string {
  return hash('sha256', encoded, 'base64url').slice(0, 10);
}

export class LocaleStore {
  private readonly cache = new Map<string, LocaleProfile>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Stores profiles (key → encoded) that may be new; existing ones are left as they are. */
  async put(profiles: Map<string, string>): Promise<void> {
    if (profiles.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [key, encoded] of profiles) pipeline.hsetnx(this.keys.locales(), key, encoded);
    await pipeline.exec();
  }

  /** The profile of a key (undefined when unknown: a contact of an older import, which has none). */
  async get(key: string): Promise<LocaleProfile | undefined> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const encoded = await this.redis.hget(this.keys.locales(), key);
    if (encoded === null) return undefined;
    const profile = decodeLocale(encoded);
    this.cache.set(key, profile);
    return profile;
  }
}
