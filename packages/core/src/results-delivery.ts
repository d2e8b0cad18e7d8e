/**
 * The results webhook's wire format (docs/operations.md, Results webhook): the body of a delivery (the report row
 * of `dialer report`, or of `dialer report --attempts`, with `kind` and `campaignId`), its stable delivery id, its
 * signature, and the retry schedule. Pure functions: the deliverer (ingester) and the tests share them.
 */
import { createHmac } from 'node:crypto';
import { reportRow, type ReportRow } from './campaign-report.js';
import { attemptRows, type AttemptReportRow } from './attempt-report.js';
import type { OutboxEntry, ResultKind } from './store/results-outbox.js';

export const DELIVERY_HEADER = 'x-dialer-delivery';
/** Unix time in milliseconds when the request was signed (each try is signed anew). */
export const TIMESTAMP_HEADER = 'x-dialer-timestamp';
/** Hex HMAC-SHA256 of `<timestamp>.<raw body>` keyed with the campaign's `results.secret`. */
export const SIGNATURE_HEADER = 'x-dialer-signature';

export type ResultBody =
  | ({ kind: 'contact'; campaignId: string; revised?: true } & ReportRow)
  | ({ kind: 'attempt'; campaignId: string; revised?: true } & AttemptReportRow);

/** A results queue job: everything needed to send it but the URL and secret, read from the campaign at send time. */
export interface ResultJobData {
  deliveryId: string;
  campaignId: string;
  kind: ResultKind;
  /** The JSON body, exactly as sent and signed. */
  body: string;
  /** When the contact or attempt ended (ms): delivery latency is counted from it. */
  endedAt: number;
}

/**
 * The delivery's id: the same event always has the same id (a receiver de-duplicates by it), and it is the results
 * job's id, so queueing an event twice adds it once. `<campaign>/<contact>/<attempt>/<kind>`, `/revised` for the
 * late real end that replaced a `lost` one.
 */
export function deliveryId(
  entry: Pick<OutboxEntry, 'campaignId' | 'contactId' | 'attempt' | 'kind' | 'revised'>,
): string {
  const id = `${entry.campaignId}/${entry.contactId}/${entry.attempt}/${entry.kind}`;
  return entry.revised ? `${id}/revised` : id;
}

/** The body of an outbox entry's delivery; `zones` are the contact's (the contact row shows them). */
export function resultBody(entry: OutboxEntry, zones: string[] = []): ResultBody {
  const head = { campaignId: entry.campaignId, ...(entry.revised ? { revised: true as const } : {}) };
  if (entry.kind === 'contact') return { kind: 'contact', ...head, ...reportRow(entry.record, zones) };
  const rows = attemptRows(entry.record);
  const row = rows.find((r) => r.attempt === entry.attempt) ?? rows[rows.length - 1];
  if (!row) throw new Error('a contact record always has an attempt row');
  return { kind: 'attempt', ...head, ...row };
}

export function resultJobData(entry: OutboxEntry, zones: string[] = []): ResultJobData {
  return {
    deliveryId: deliveryId(entry),
    campaignId: entry.campaignId,
    kind: entry.kind,
    body: JSON.stringify(resultBody(entry, zones)),
    endedAt: entry.record.ts ?? Date.now(),
  };
}

/** `x-dialer-signature` for a body sent at `timestamp` (the header's text). */
export function resultSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The longest wait between two tries: an hour, or 512 times the base when that is shorter (tests). */
function maxDelayMs(baseMs: number): number {
  return Math.min(3_600_000, baseMs * 512);
}

/** The wait before try `n + 1` after `n` failed tries: base, doubling, capped. */
export function retryDelayMs(failedTries: number, baseMs: number): number {
  return Math.min(maxDelayMs(baseMs), baseMs * 2 ** Math.max(0, failedTries - 1));
}

/** How many tries fit in the retry window (the first try included): the job's `attempts`. */
export function retryTries(baseMs: number, windowMs: number): number {
  let tries = 1;
  let waited = 0;
  while (waited < windowMs && tries < 10_000) {
    waited += retryDelayMs(tries, baseMs);
    tries += 1;
  }
  return tries;
}
