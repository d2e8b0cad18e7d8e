import type { Outcome } from './outcomes.js';
import { KNOWN_INTERIM_STATUSES } from './savg/wire.js';

/** The parts of a notification the classifier reads (a structural subset of SavgNotification). */
export interface ClassifierInput {
  status: string;
  reason?: string;
  reasonCode?: string;
  machineDetection?: string;
}

/**
 * Interim (`terminal: false`) or final. An interim status the gateway is not known to send carries
 * `unknown: true` (it is still interim: a final one always comes, or the watchdog ends the attempt), so the
 * ingester can count what it met.
 */
export type Classification =
  { terminal: false; status: string; unknown?: true } | { terminal: true; outcome: Outcome; sipCode?: number };

const MACHINE = new Set([
  'amd_machine_detected',
  'amd_machine_stopped_speaking',
  'amd_tone_detected',
  'amd_fax_detected',
]);

// SIP final responses, by what they mean for a campaign (RFC 3261 §21 plus common carrier usage).
const BY_SIP: Record<number, Outcome> = {
  486: 'busy',
  600: 'busy',
  480: 'unavailable',
  408: 'no-answer',
  487: 'no-answer',
  404: 'rejected',
  410: 'rejected',
  484: 'rejected',
  485: 'rejected',
  416: 'rejected',
  604: 'rejected',
};

const BY_PHRASE: [RegExp, Outcome][] = [
  [/busy/i, 'busy'],
  [/temporarily unavailable|not available|unavailable temporarily/i, 'unavailable'],
  [/no[ -]?answer|request terminated|timeout|timed out/i, 'no-answer'],
  [/not found|does not exist|invalid|address incomplete|gone/i, 'rejected'],
];

/** The SIP status code at the start of `reason` (e.g. "486 Busy Here" → 486). */
export function sipCodeOf(reason: string | undefined): number | undefined {
  const m = /^\s*(\d{3})\b/.exec(reason ?? '');
  return m ? Number(m[1]) : undefined;
}

function answeredOutcome(machineDetection: string | undefined): Outcome {
  const amd = machineDetection?.toLowerCase();
  if (amd === 'amd_human_detected') return 'answered-human';
  if (amd && MACHINE.has(amd)) return 'answered-machine';
  return 'answered';
}

function failedOutcome(
  reason: string | undefined,
  reasonCode: string | undefined,
): { outcome: Outcome; sipCode?: number } {
  const sipCode = sipCodeOf(reason);
  if (sipCode !== undefined) return { outcome: BY_SIP[sipCode] ?? 'failed', sipCode };
  const phrase = `${reason ?? ''} ${reasonCode ?? ''}`;
  for (const [re, outcome] of BY_PHRASE) if (re.test(phrase)) return { outcome };
  return { outcome: 'failed' };
}

/** A final status that names its outcome itself (jambonz's): the status decides, the SIP code is kept as sent. */
function namedOutcome(outcome: Outcome, reason: string | undefined): { outcome: Outcome; sipCode?: number } {
  const sipCode = sipCodeOf(reason);
  return sipCode === undefined ? { outcome } : { outcome, sipCode };
}

/**
 * Classifies a status notification: the SIP code in `reason` first, the phrase second.
 * `completed`, `failed`, `busy` and `no-answer` end a call; anything else (`Call-In-Progress`, `answered`, and
 * statuses never seen before) is interim.
 */
export function classifyNotification(n: ClassifierInput): Classification {
  const status = n.status.trim().toLowerCase();
  if (status === 'completed') {
    const sipCode = sipCodeOf(n.reason);
    // A "completed" call with a failure code never connected (seen with some carriers).
    if (sipCode !== undefined && sipCode >= 300) return { terminal: true, ...failedOutcome(n.reason, n.reasonCode) };
    return { terminal: true, outcome: answeredOutcome(n.machineDetection), sipCode: sipCode ?? 200 };
  }
  if (status === 'failed') return { terminal: true, ...failedOutcome(n.reason, n.reasonCode) };
  if (status === 'busy') return { terminal: true, ...namedOutcome('busy', n.reason) };
  if (status === 'no-answer') return { terminal: true, ...namedOutcome('no-answer', n.reason) };
  return KNOWN_INTERIM_STATUSES.includes(status)
    ? { terminal: false, status }
    : { terminal: false, status, unknown: true };
}
