/**
 * One dial job's attempt as the dial processor works on it: the attempt's identity (campaign, contact, number
 * n), the delivery's claim on it, and a child logger made only when something is logged.
 */
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { AttemptRef, DialJobData, DialLocale, Logger } from '@dialer/core';

/** Everything one job is about. */
export class Attempt {
  readonly campaignId: string;
  readonly contactId: string;
  readonly n: number;
  /** Masked number, once the record is read. */
  phone: string | undefined;
  /** The zones and regions the contact may be in, once the record is read. */
  locale: DialLocale | undefined;
  #log: Logger | undefined;

  constructor(
    readonly job: Job<DialJobData>,
    readonly token: string | undefined,
    private readonly logger: Logger,
  ) {
    this.campaignId = job.queueName;
    this.contactId = job.data.c;
    this.n = job.data.n;
    this.ref = { campaignId: this.campaignId, contactId: this.contactId, attempt: this.n };
    this.claim = token ?? randomUUID();
  }

  readonly ref: AttemptRef;

  /** This delivery's claim on the attempt (BullMQ's lock token is unique per delivery). */
  readonly claim: string;

  /** The job's child logger, made on first use: most jobs log nothing at the usual level. */
  get log(): Logger {
    this.#log ??= this.logger.child({
      campaignId: this.campaignId,
      contactId: this.contactId,
      attempt: this.n,
      jobId: this.job.id,
      phone: this.phone,
    });
    return this.#log;
  }
}
