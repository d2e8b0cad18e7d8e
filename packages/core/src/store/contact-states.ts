/**
 * A contact's state by name. Records store it as one letter (a million records are smaller for it); only the
 * store knows the letters: everyone else asks {@link contactState}.
 */
import type { ContactRecord } from './contact-record.js';

/**
 * - `queued`: waiting for its first attempt's dial-out
 * - `dialing`: its attempt is claimed, the dial-out request may be on its way
 * - `uncertain`: the request may have reached SAVG but no answer says so (a time-out after sending, a 500, a
 *   re-delivered job): never sent again; its notification or the watchdog ends it
 * - `in-call`: SAVG accepted the dial-out (or a notification came): waiting for the call's end
 * - `waiting`: its last attempt ended with a re-dial decision; the next attempt is due at `due`
 * - `ended`: terminal, with an outcome
 */
export type ContactState = 'queued' | 'dialing' | 'uncertain' | 'in-call' | 'waiting' | 'ended';

const BY_CODE: Record<string, ContactState> = {
  q: 'queued',
  d: 'dialing',
  u: 'uncertain',
  i: 'in-call',
  w: 'waiting',
  t: 'ended',
};

export function contactState(record: Pick<ContactRecord, 's'>): ContactState {
  const state = BY_CODE[record.s];
  if (!state) throw new Error(`contact record with an unknown state code "${record.s}"`);
  return state;
}

/** Whether a call may exist for the contact's current attempt (its live-call slot must stay held). */
export function mayHaveCall(state: ContactState): boolean {
  return state === 'dialing' || state === 'uncertain' || state === 'in-call';
}
