// What `dialer call` shows: a line per step as it happens, or (--json) one object at the end. Never the phone
// number in full, never the notify token (events carry none; dial-out details are cleaned of it).
import type { NotificationEvent } from '@dialer/core';
import type { DialoutResult } from '@dialer/worker';

/**
 * How a test call ended, and its exit code: 0 the final notification came; 3 the dialer's own rules refused
 * it (do-not-call list, calling window, contact cap, unknown time zone); 4 the gateway did not place it
 * (refused, rejected, unreachable); 5 no final notification within the time-out; 130 interrupted.
 */
export const VERDICT_EXIT_CODES = {
  final: 0,
  refused: 3,
  'not-placed': 4,
  'no-final-notification': 5,
  interrupted: 130,
} as const;
export type Verdict = keyof typeof VERDICT_EXIT_CODES;

export interface DialoutSummary {
  /** placed, uncertain, rejected, config (credentials, bot, URL), rate-limited, unavailable. */
  kind: DialoutResult['kind'];
  status?: number;
  sid?: string;
  callId?: string;
  detail?: string;
  ms: number;
}

/** The `--json` object. Keys may be added, never renamed. */
export interface CallSummary {
  campaign: string;
  contactId?: string;
  /** Masked: the last four digits. */
  number: string;
  verdict: Verdict;
  ok: boolean;
  message: string;
  dialout?: DialoutSummary;
  notifications: Omit<NotificationEvent, 'type' | 'campaignId' | 'contactId'>[];
  outcome?: string;
  reason?: string;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

export class CallReport {
  readonly summary: CallSummary;

  constructor(
    private readonly json: boolean,
    campaign: string,
    number: string,
  ) {
    this.summary = { campaign, number, verdict: 'no-final-notification', ok: false, message: '', notifications: [] };
  }

  note(text: string): void {
    if (!this.json) out(text);
  }

  started(contactId: string): void {
    this.summary.contactId = contactId;
    this.note(`Test call to ${this.summary.number}: campaign ${this.summary.campaign}, contact ${contactId}`);
  }

  dialout(result: DialoutResult, ms: number): void {
    const d: DialoutSummary = { kind: result.kind, ms };
    if (result.status !== undefined) d.status = result.status;
    if (result.kind === 'placed') {
      d.sid = result.sid;
      d.callId = result.callId;
    } else d.detail = result.detail;
    this.summary.dialout = d;
    const http = d.status === undefined ? 'no HTTP answer' : `HTTP ${d.status}`;
    const what =
      result.kind === 'placed'
        ? `placed: sid ${result.sid}, callId ${result.callId}`
        : `${result.kind}: ${result.detail}`;
    this.note(`dial-out      ${http} in ${ms} ms, ${what}`);
  }

  notification(e: NotificationEvent): void {
    const { type: _type, campaignId: _campaign, contactId: _contact, ...rest } = e;
    this.summary.notifications.push(rest);
    const parts = [e.final ? `${e.status} (final) → ${e.outcome ?? '?'}` : e.status];
    if (e.reason) parts.push(e.reason);
    if (e.machineDetection) parts.push(`machine detection ${e.machineDetection}`);
    if (e.durationSeconds !== undefined) parts.push(`${e.durationSeconds} s`);
    if (e.result === 'noop') parts.push('(a duplicate or late one: changed nothing)');
    this.note(`notification  ${parts.join(', ')}`);
  }

  /** The last line (stdout when it went through, stderr otherwise), or the JSON object; returns the exit code. */
  finish(verdict: Verdict, message: string, outcome?: { outcome?: string; reason?: string }): number {
    Object.assign(this.summary, { verdict, ok: verdict === 'final', message });
    if (outcome?.outcome) this.summary.outcome = outcome.outcome;
    if (outcome?.reason) this.summary.reason = outcome.reason;
    if (this.json) out(JSON.stringify(this.summary));
    else if (verdict === 'final') out(message);
    if (verdict !== 'final') process.stderr.write(`dialer call: ${message}\n`);
    return VERDICT_EXIT_CODES[verdict];
  }
}
