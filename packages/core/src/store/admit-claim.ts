/**
 * A dial-out's admission and, when it may leave at once, its claim, in one round trip (lua/admit-claim.lua):
 * most dial-outs of an unthrottled or lightly paced campaign need no wait, and for them the admission and the
 * claim were two round trips in a row. Only on one Redis (on a Cluster the limits' keys and the campaign's are
 * in different slots) and only where nothing must run between the two (the worker leaves contact caps to the
 * two-step path).
 */
import type { RedisClient } from '../redis.js';
import type { AttemptRef } from '../notify-token.js';
import { claimOutcome, type AttemptStore, type BeginOptions, type BeginOutcome } from './attempts.js';
import type { Keys } from './keys.js';
import { admissionAnswer, admissionCommand, type Admission, type AdmissionRequest } from './limits.js';
import { defineStoreCommands } from './scripts.js';

/** The admission; `begun` when the instant was now and the claim ran in the same step (the slot is held either way). */
export type AdmissionClaim = Admission & { begun?: BeginOutcome };

/** What to claim when the admission's instant is now. */
export interface ClaimRequest {
  ref: AttemptRef;
  opts: BeginOptions;
}

export class AdmitClaim {
  /**
   * @param attempts - the store whose claim this runs: its command layout (and the global do-not-call list in
   *   the claim, which holds on one Redis only)
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly attempts: AttemptStore,
  ) {
    if (redis.isCluster || !attempts.globalListInClaim)
      throw new Error('AdmitClaim needs one Redis: on a Cluster the limits and the campaign are in different slots');
    defineStoreCommands(redis);
  }

  async admit(req: AdmissionRequest, claim: ClaimRequest, now = Date.now()): Promise<AdmissionClaim> {
    const a = admissionCommand(this.keys, req, now);
    const c = this.attempts.claimCommand(claim.ref, { ...claim.opts, now });
    const [code, value, answer, raw] = await this.redis.dialerAdmitClaim(
      a.keys.length + c.keys.length,
      ...a.keys,
      ...c.keys,
      ...a.args,
      ...c.args,
    );
    const admission = admissionAnswer(code, value);
    return answer === undefined ? admission : { ...admission, begun: claimOutcome(answer, raw ?? '') };
  }
}
