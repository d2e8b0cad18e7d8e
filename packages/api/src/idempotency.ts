import { createHash } from 'node:crypto';
import { DialerError, type Keys, type RedisClient } from '@dialer/core';

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_S = 24 * 3600;
/** A first request that died half-way (the process was killed) frees its key after this long. */
const RUNNING_TTL_S = 15 * 60;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface IdemRecord {
  /** SHA-256 of what the request asked for (route, options, body). */
  f: string;
  /** running, or done with the answer to repeat. */
  s: 'running' | 'done';
  status?: number;
  body?: unknown;
}

export type Claim = { kind: 'first' } | { kind: 'repeat'; status: number; body: unknown };

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * `Idempotency-Key` records in Redis, under the campaign's hash tag with a 24 h TTL. The key itself is stored
 * only as its hash. A failed first request forgets its key, so the client's retry runs again (the import is
 * safe to repeat: a number is never added twice).
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  static check(key: string): void {
    if (!KEY_PATTERN.test(key)) {
      throw new DialerError(
        'DIALER_ERR_API_INPUT',
        'Idempotency-Key must be 1–255 visible ASCII characters (e.g. a UUID)',
      );
    }
  }

  private redisKey(campaignId: string, key: string): string {
    return this.keys.apiIdempotency(campaignId, sha256(key));
  }

  /**
   * Claims the key for a request with this fingerprint: `first` (go ahead, then `finish` or `forget`), or the
   * answer of an earlier request with the same fingerprint. Another fingerprint, or a first request still
   * running: DIALER_ERR_API_IDEMPOTENCY.
   */
  async claim(campaignId: string, key: string, fingerprint: string): Promise<Claim> {
    const at = this.redisKey(campaignId, key);
    const mine: IdemRecord = { f: fingerprint, s: 'running' };
    if ((await this.redis.set(at, JSON.stringify(mine), 'EX', RUNNING_TTL_S, 'NX')) === 'OK') return { kind: 'first' };
    const json = await this.redis.get(at);
    if (json === null) return this.claim(campaignId, key, fingerprint); // expired in between
    const theirs = JSON.parse(json) as IdemRecord;
    if (theirs.f !== fingerprint) {
      throw new DialerError(
        'DIALER_ERR_API_IDEMPOTENCY',
        'This Idempotency-Key was used with a different request (body or options) in the last 24 hours: use a new key',
        { campaignId },
      );
    }
    if (theirs.s !== 'done') {
      throw new DialerError(
        'DIALER_ERR_API_IDEMPOTENCY',
        'The first request with this Idempotency-Key is still running: retry later for its answer',
        { campaignId },
      );
    }
    return { kind: 'repeat', status: theirs.status ?? 200, body: theirs.body };
  }

  async finish(campaignId: string, key: string, fingerprint: string, status: number, body: unknown): Promise<void> {
    const done: IdemRecord = { f: fingerprint, s: 'done', status, body };
    await this.redis.set(this.redisKey(campaignId, key), JSON.stringify(done), 'EX', IDEMPOTENCY_TTL_S);
  }

  async forget(campaignId: string, key: string): Promise<void> {
    await this.redis.del(this.redisKey(campaignId, key));
  }
}
