/**
 * Contact frequency caps across every campaign of the deployment (CONTACT_CAP, e.g. `3/24h,7/7d`): at most that
 * many dial-outs to one number in any rolling window. Each dial-out is counted in the same atomic step that
 * checks the caps (lua/cap-reserve.lua), so two workers cannot both take the last place; one that never left is
 * taken back. The number itself never appears in a key: its log is keyed by a keyed hash of it.
 */
import type { RedisClient } from '../redis.js';
import type { ContactCapRule } from '../contact-cap-rules.js';
import type { Keys } from './keys.js';
import { defineStoreCommands } from './scripts.js';

export type CapReservation = { ok: true } | { ok: false; until: number };

export class ContactCaps {
  private readonly longest: number;

  /**
   * @param numberKey - a keyed hash of a number (the same for every campaign of the deployment)
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    readonly rules: readonly ContactCapRule[],
    private readonly numberKey: (number: string) => string,
  ) {
    defineStoreCommands(redis);
    this.longest = Math.max(0, ...rules.map((r) => r.windowMs));
  }

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  /** Counts a dial-out of `attemptKey` to `number`, or says until when a cap is full (nothing counted then). */
  async reserve(number: string, attemptKey: string, now = Date.now()): Promise<CapReservation> {
    if (!this.enabled) return { ok: true };
    const pairs = this.rules.flatMap((r) => [r.count, r.windowMs]);
    const [ok, until] = await this.redis.dialerCapReserve(
      this.keys.contactCap(this.numberKey(number)),
      now,
      attemptKey,
      this.longest,
      ...pairs,
    );
    return ok === 1 ? { ok: true } : { ok: false, until: Number(until) };
  }

  /** Takes back a dial-out that never left (idempotent). */
  async release(number: string, attemptKey: string): Promise<void> {
    if (!this.enabled) return;
    await this.redis.dialerCapRelease(this.keys.contactCap(this.numberKey(number)), attemptKey);
  }
}
