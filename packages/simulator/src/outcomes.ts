/**
 * Simulated call outcomes and the notifications each one produces. The payloads mirror the samples on the
 * vendor page (reason = SIP status line, reasonCode = its phrase, machine detection echoed on failures).
 */
import type { MachineDetectionMode, SavgNotification } from '@dialer/core';
import { pickInRange, type Rng } from './random.js';

export const SIM_OUTCOMES = [
  'human',
  'machine',
  'answered',
  'busy',
  'unavailable',
  'no-answer',
  'failed-503',
  'failed-404',
  'failed-603',
  'silent',
] as const;

/** How a simulated call ends. `silent` places the call but never notifies (a lost notification). */
export type SimOutcome = (typeof SIM_OUTCOMES)[number];

/** Relative weights; outcomes left out never happen. */
export type OutcomeWeights = Partial<Record<SimOutcome, number>>;

export function isSimOutcome(value: unknown): value is SimOutcome {
  return typeof value === 'string' && (SIM_OUTCOMES as readonly string[]).includes(value);
}

const FAILURES: Partial<Record<SimOutcome, { reason: string; reasonCode: string }>> = {
  busy: { reason: '486 Busy Here', reasonCode: 'Busy Here' },
  unavailable: { reason: '480 Temporarily Unavailable', reasonCode: 'Temporarily Unavailable' },
  'no-answer': { reason: '487 Request Terminated', reasonCode: 'Request Terminated' },
  'failed-503': { reason: '503 Service Unavailable', reasonCode: 'Service Unavailable' },
  'failed-404': { reason: '404 Not Found', reasonCode: 'Not Found' },
  'failed-603': { reason: '603 Decline', reasonCode: 'Decline' },
};

// jambonz names some failures in the status itself (486/600 busy, a ring-out no-answer); the rest are `failed`.
const JAMBONZ_STATUS: Partial<Record<SimOutcome, string>> = { busy: 'busy', 'no-answer': 'no-answer' };

/** Outcomes in which the callee picks up (a ring time-out can turn them into `no-answer`). */
export const ANSWERED_OUTCOMES: ReadonlySet<SimOutcome> = new Set<SimOutcome>(['human', 'machine', 'answered']);

// Call lengths in seconds: machines are cut short once detected.
const HUMAN_DURATION = { min: 5, max: 120 };
const MACHINE_DURATION = { min: 3, max: 30 };

/** Picks outcomes by weight in O(outcomes) with precomputed cumulative weights. */
export class OutcomePicker {
  readonly #outcomes: SimOutcome[] = [];
  readonly #cumulative: number[] = [];
  readonly #total: number;

  constructor(weights: OutcomeWeights) {
    let total = 0;
    for (const outcome of SIM_OUTCOMES) {
      const weight = weights[outcome] ?? 0;
      if (weight <= 0) continue;
      total += weight;
      this.#outcomes.push(outcome);
      this.#cumulative.push(total);
    }
    if (total <= 0) throw new Error('outcome weights must have a positive total');
    this.#total = total;
  }

  pick(rng: Rng): SimOutcome {
    const x = rng() * this.#total;
    for (let i = 0; i < this.#cumulative.length; i++) if (x < this.#cumulative[i]!) return this.#outcomes[i]!;
    return this.#outcomes[this.#outcomes.length - 1]!;
  }
}

/** What the notification builder needs to know about a placed call. */
export interface CallFacts {
  sid: string;
  outcome: SimOutcome;
  mode: MachineDetectionMode | undefined;
  sessionId: string | undefined;
  /** Final statuses of this call: the documented ones or jambonz's. */
  statusStyle: 'savg' | 'jambonz';
  /** An extra interim status sent first (e.g. an unknown `queued`); undefined for none. */
  interimStatus: string | undefined;
}

export interface NotificationPlan {
  /** Sent before the final one, in this order. */
  interim: SavgNotification[];
  final: SavgNotification | undefined;
}

function answered(call: CallFacts, nowMs: number, rng: Rng): SavgNotification {
  const machine = call.outcome === 'machine';
  const seconds = pickInRange(machine ? MACHINE_DURATION : HUMAN_DURATION, rng);
  const detection = call.outcome === 'human' ? 'amd_human_detected' : machine ? 'amd_machine_detected' : 'disabled';
  return {
    conversationId: call.sid,
    status: 'completed',
    reason: '200 OK',
    reasonCode: machine ? 'SAVG-disconnected' : 'caller-disconnected',
    machineDetection: detection,
    callConnectTime: new Date(nowMs - seconds * 1000).toISOString(),
    callDisconnectTime: new Date(nowMs).toISOString(),
    durationSeconds: seconds,
    sessionId: call.sessionId,
  };
}

function failed(call: CallFacts, nowMs: number): SavgNotification {
  const failure = FAILURES[call.outcome]!;
  const at = new Date(nowMs).toISOString();
  return {
    conversationId: call.sid,
    status: call.statusStyle === 'jambonz' ? (JAMBONZ_STATUS[call.outcome] ?? 'failed') : 'failed',
    reason: failure.reason,
    reasonCode: failure.reasonCode,
    machineDetection: call.mode,
    callConnectTime: at,
    callDisconnectTime: at,
    sessionId: call.sessionId,
  };
}

function interimFor(final: SavgNotification): SavgNotification {
  return {
    conversationId: final.conversationId,
    status: 'call-in-progress',
    machineDetection: final.machineDetection,
    callConnectTime: final.callConnectTime,
    sessionId: final.sessionId,
  };
}

function extraInterim(call: CallFacts, status: string): SavgNotification {
  return { conversationId: call.sid, status, sessionId: call.sessionId };
}

/**
 * The notifications a call sends, built when they are due so their times are current.
 * The AMD interim event only exists when detection ran (`detect`) and decided human or machine.
 */
export function planNotifications(call: CallFacts, nowMs: number, rng: Rng, interimEvents: boolean): NotificationPlan {
  if (call.outcome === 'silent') return { interim: [], final: undefined };
  const interim = call.interimStatus === undefined ? [] : [extraInterim(call, call.interimStatus)];
  if (FAILURES[call.outcome]) return { interim, final: failed(call, nowMs) };
  const final = answered(call, nowMs, rng);
  const detected = call.outcome === 'human' || call.outcome === 'machine';
  if (interimEvents && detected && call.mode === 'detect') interim.push(interimFor(final));
  return { interim, final };
}
