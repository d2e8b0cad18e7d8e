/**
 * Admission and smooth pacing of dial-outs across every process: each dial-out takes its live-call slot and
 * reserves its own instant under the global and the campaign rate in one atomic step (core's
 * `Limits.admit`), sleeps until the instant, and goes. An instant is never kept when the process wakes well
 * after it (a stalled event loop, a slow Redis): a late dial-out would bunch with the ones reserved after
 * it and overshoot the rate in that second, so it takes a new instant (keeping its slot).
 */
import type { AdmissionClaim, AdmissionRequest, AdmitClaim, BeginOutcome, ClaimRequest, Limits } from '@dialer/core';
import type { DialContext } from './dial-context.js';
import { sleep } from './semaphore.js';

export type PaceResult =
  /**
   * Slot held, instant reached. `late`: instants given up so far (carried over by the caller's checks).
   * `begun`: the instant was now and the attempt was claimed in the admission's own step (see AdmitClaim).
   */
  | { kind: 'go'; instant: number; late: number; begun?: BeginOutcome }
  | { kind: 'shutdown' }
  /** A live-call cap is full (1 global, 2 campaign, 3 trunk). */
  | { kind: 'full'; scope: number }
  /** Every instant within the next second is taken: try again in `retryInMs`. */
  | { kind: 'busy'; retryInMs: number };

/**
 * How late a dial-out may leave after its instant before the instant is given up for a new one. Dial-outs
 * at most L late put at most R·(1 + L/1000) + 1 of them in any sliding second (R = the rate): 50 ms leaves
 * room under the 1.1× bound for the delay between this check and the request's arrival, while giving up
 * few instants (each one given up is capacity lost). Measured in the P4 benchmark.
 */
export const LATE_AFTER_MS = 50;
/** Late instants given up per dial-out at most (so a slow process still dials, only less smoothly). */
export const MAX_LATE_RETRIES = 3;

export class Pacer {
  constructor(
    private readonly ctx: Pick<DialContext, 'signal' | 'metrics'> & {
      admission: Pick<Limits, 'admit'>;
      admitClaim?: Pick<AdmitClaim, 'admit'> | undefined;
    },
  ) {}

  /**
   * Takes the slot and waits for this dial-out's instant. `onHeld` is called as soon as the slot is held
   * (so the caller gives it back on every later exit); `late` counts instants already given up. With `claim`
   * (and one Redis), a first admission whose instant is now claims the attempt in the same step.
   */
  async pace(req: AdmissionRequest, onHeld: () => void, late = 0, claim?: ClaimRequest): Promise<PaceResult> {
    const { signal, metrics } = this.ctx;
    const started = Date.now();
    // Only the first admission may claim: after a wait the caller checks its dial-time rules again first.
    let claimNow = claim;
    for (;;) {
      if (signal.aborted) return { kind: 'shutdown' };
      const adm = await this.admit(req, claimNow);
      claimNow = undefined;
      if (adm.kind === 'full') return adm;
      if (adm.kind === 'busy') return adm;
      onHeld();
      const instant = Date.now() + adm.waitMs;
      if (adm.begun) {
        metrics.pacingWait(Date.now() - started);
        return { kind: 'go', instant, late, begun: adm.begun };
      }
      if (!(await sleep(adm.waitMs, signal))) return { kind: 'shutdown' };
      if (isLate(instant) && late++ < MAX_LATE_RETRIES) {
        metrics.pacingLate();
        continue;
      }
      metrics.pacingWait(Date.now() - started);
      return { kind: 'go', instant, late };
    }
  }

  private admit(req: AdmissionRequest, claim: ClaimRequest | undefined): Promise<AdmissionClaim> {
    const { admission, admitClaim } = this.ctx;
    return claim && admitClaim ? admitClaim.admit(req, claim) : admission.admit(req);
  }
}

export function isLate(instant: number, now = Date.now()): boolean {
  return now - instant > LATE_AFTER_MS;
}
