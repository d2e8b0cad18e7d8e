/**
 * How a dial job leaves the processor: done (its result counted), or put back without spending a BullMQ
 * attempt: behind a rate limit on its campaign queue, delayed until a time, or back to the wait list. The
 * put-backs throw BullMQ's control errors, which tell its worker loop the job was moved, not failed.
 */
import { DelayedError, RateLimitError, WaitingError } from 'bullmq';
import type { Outcome } from '@dialer/core';
import type { Attempt } from './dial-attempt.js';
import type { DialContext } from './dial-context.js';
import type { JobResult } from './worker-metrics.js';

export class JobControl {
  constructor(private readonly ctx: DialContext) {}

  /** The campaign queue rests `ms` (at least 50): BullMQ moves the job back to the head of the wait list. */
  async rateLimit(a: Attempt, ms: number, result: JobResult): Promise<never> {
    await this.ctx.queues.get(a.campaignId).rateLimit(Math.max(50, Math.round(ms)));
    this.ctx.metrics.job(result);
    throw new RateLimitError();
  }

  async delayUntil(a: Attempt, at: number, reason: string, result: JobResult = 'delayed'): Promise<never> {
    await a.job.moveToDelayed(Math.round(at), a.token);
    this.ctx.metrics.job(result);
    a.log.debug({ at, reason }, 'job delayed');
    throw new DelayedError();
  }

  async backToWait(a: Attempt, result: JobResult): Promise<never> {
    await a.job.moveToWait(a.token);
    this.ctx.metrics.job(result);
    throw new WaitingError();
  }

  done(a: Attempt, result: JobResult, value: string): string {
    this.ctx.metrics.job(result);
    if (this.ctx.logger.isLevelEnabled('debug')) a.log.debug({ result: value }, 'job done');
    return value;
  }

  /** Ends the contact without dialing (expired, suppressed, cancelled): nothing of this attempt was sent. */
  async endBeforeDial(a: Attempt, outcome: Outcome & JobResult, reason: string): Promise<string> {
    const { result } = await this.ctx.store.attempts.end({
      ...a.ref,
      from: 'before-dial',
      outcome,
      fields: { rs: reason },
    });
    a.log.info({ outcome, result }, 'contact ended before dialing');
    return this.done(a, outcome, `${outcome}:${result}`);
  }
}
