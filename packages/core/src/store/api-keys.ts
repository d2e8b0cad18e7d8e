/**
 * The HTTP API's keys (`dialer apikey`, `dialer api`). A key is shown once, when created; Redis keeps only its
 * SHA-256, so a copy of the database gives no usable key. Keys are 32 random bytes, looked up by their hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DialerError } from '../errors.js';
import type { RedisClient } from '../redis.js';
import type { Keys } from './keys.js';

/** What `list()` shows of a key: never the key, never its hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  /** ISO 8601 */
  createdAt: string;
  /** ISO 8601; null until first used. Updated at most once a minute per key and process. */
  lastUsedAt: string | null;
}

/** A new key: the one time `key` is known. */
export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  createdAt: string;
}

interface StoredKey {
  id: string;
  name: string;
  /** ms since the epoch */
  createdAt: number;
  lastUsedAt?: number;
}

export const API_KEY_PREFIX = 'dk_';
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LAST_USED_EVERY_MS = 60_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class ApiKeyStore {
  /** When this process last wrote a key's lastUsedAt (by hash): one write a minute, not one per request. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new key named `name` (unique: a second key of the same name is refused, so revoke-by-name is exact). */
  async create(name: string): Promise<CreatedApiKey> {
    if (!NAME_PATTERN.test(name)) {
      throw new DialerError(
        'DIALER_ERR_API_KEY',
        `Invalid API key name "${name}": use 1–64 letters, digits, "_", "." or "-", starting with a letter or digit`,
      );
    }
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const hash = sha256(key);
    const record: StoredKey = { id: `key-${randomBytes(6).toString('hex')}`, name, createdAt: this.now() };
    // The name is claimed first (HSETNX), so two concurrent creates of one name cannot both succeed.
    if ((await this.redis.hsetnx(this.keys.apiKeyNames(), name, hash)) !== 1) {
      throw new DialerError('DIALER_ERR_API_KEY', `An API key named "${name}" already exists: revoke it first`, {
        name,
      });
    }
    await this.redis.hset(this.keys.apiKeys(), hash, JSON.stringify(record));
    return { id: record.id, name, key, createdAt: new Date(record.createdAt).toISOString() };
  }

  /** Every key, oldest first (then by name). */
  async list(): Promise<ApiKeyInfo[]> {
    const [all, used] = await Promise.all([
      this.redis.hgetall(this.keys.apiKeys()),
      this.redis.hgetall(this.keys.apiKeysUsed()),
    ]);
    return Object.entries(all)
      .map(([hash, json]) => ({ ...(JSON.parse(json) as StoredKey), lastUsedAt: Number(used[hash]) || undefined }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1))
      .map(info);
  }

  /** Revokes the key with this id or name (at once: the next request with it is refused). */
  async revoke(idOrName: string): Promise<ApiKeyInfo> {
    const all = await this.redis.hgetall(this.keys.apiKeys());
    const found = Object.entries(all)
      .map(([hash, json]) => [hash, JSON.parse(json) as StoredKey] as const)
      .find(([, k]) => k.id === idOrName || k.name === idOrName);
    if (!found) {
      throw new DialerError('DIALER_ERR_API_KEY', `No API key has the id or name "${idOrName}"`, { idOrName });
    }
    const [hash, record] = found;
    await this.redis
      .multi()
      .hdel(this.keys.apiKeys(), hash)
      .hdel(this.keys.apiKeyNames(), record.name)
      .hdel(this.keys.apiKeysUsed(), hash)
      .exec();
    return info(record);
  }

  /** The key's record when `key` is a valid, unrevoked key; undefined otherwise. Records its use. */
  async verify(key: string): Promise<ApiKeyInfo | undefined> {
    if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return undefined;
    // Looked up by its SHA-256: what a request's timing could reveal is where a hash sits among the stored ones,
    // which says nothing of any key (no string comparison of secrets happens).
    const hash = sha256(key);
    const [[, json], [, used]] = (await this.redis
      .multi()
      .hget(this.keys.apiKeys(), hash)
      .hget(this.keys.apiKeysUsed(), hash)
      .exec()) as [[unknown, string | null], [unknown, string | null]];
    if (!json) return undefined;
    const record = JSON.parse(json) as StoredKey;
    if (used) record.lastUsedAt = Number(used);
    await this.touch(hash);
    return info(record);
  }

  /** lastUsedAt lives in a hash of its own: a use racing a revoke can never bring the key back. */
  private async touch(hash: string): Promise<void> {
    const now = this.now();
    if (now - (this.touched.get(hash) ?? 0) < LAST_USED_EVERY_MS) return;
    this.touched.set(hash, now);
    await this.redis.hset(this.keys.apiKeysUsed(), hash, String(now));
  }
}

function info(k: StoredKey): ApiKeyInfo {
  return {
    id: k.id,
    name: k.name,
    createdAt: new Date(k.createdAt).toISOString(),
    lastUsedAt: k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : null,
  };
}
