/**
 * The per-attempt result file (`dialer report --attempts`): one row per attempt of every contact, with all the
 * gateway said about it. Earlier attempts come from the record's history, the last from its own result fields
 * (store/lua/end.lua keeps each attempt's result once).
 */
import type { CampaignStore } from './store/campaign-store.js';
import {
  timeText,
  type AttemptHistoryEntry,
  type AttemptResultFields,
  type ContactRecord,
} from './store/contact-record.js';
import { contactState } from './store/contact-states.js';
import { unpackId } from './store/packed-id.js';
import { outcomeLabel } from './campaign-report.js';
import { escapeFormulaCell } from './safe-output.js';

/** Column order of the per-attempt CSV (part of the outside interface: add at the end, never rename or reorder). */
export const ATTEMPT_REPORT_COLUMNS = [
  'phone',
  'name',
  'row',
  'attempt',
  'outcome',
  'sip_code',
  'reason',
  'reason_code',
  'machine_detection',
  'duration_s',
  'dialed_at',
  'connected_at',
  'disconnected_at',
  'ended_at',
  'conversation_id',
  'session_id',
  'sid',
  'call_id',
] as const;

export interface AttemptReportRow {
  phone: string;
  name: string | null;
  /** The contact's line in the imported CSV (header = 1). */
  row: number;
  /** The attempt's number (1 = first call). */
  attempt: number;
  /** The attempt's outcome once it ended; for the contact's current attempt before that, its state (pending, dialing, …). */
  outcome: string;
  sip_code: number | null;
  reason: string | null;
  /** SAVG's `reasonCode` (who hung up: `caller-disconnected`, `SAVG-disconnected`; a failure's phrase). */
  reason_code: string | null;
  machine_detection: string | null;
  duration_s: number | null;
  /** When the dial-out request was sent (ISO 8601); empty for an attempt ended before its dial-out. */
  dialed_at: string | null;
  connected_at: string | null;
  disconnected_at: string | null;
  /** When the attempt ended (ISO 8601); empty while it has not. */
  ended_at: string | null;
  conversation_id: string | null;
  session_id: string | null;
  /** The dial-out answer's sid and callId. */
  sid: string | null;
  call_id: string | null;
}

type Result = AttemptResultFields & Pick<ContactRecord, 'sid' | 'cl'>;

/** Every attempt's row of one contact, oldest first (at least one: the contact's current attempt). */
export function attemptRows(record: ContactRecord): AttemptReportRow[] {
  const rows = (record.h ?? []).map((entry) => attemptRow(record, entry.n, entry.o, entry, entry.te));
  rows.push(currentAttemptRow(record));
  return rows;
}

function currentAttemptRow(record: ContactRecord): AttemptReportRow {
  if (contactState(record) !== 'ended') {
    // In progress (its dial-out time and interim fields wait in x) or not begun yet.
    return attemptRow(record, record.n, outcomeLabel(record), { ...record.x, sid: record.sid, cl: record.cl });
  }
  // Ended: its own result fields when it was dialed (or kept no history: records from before history was
  // kept); an attempt ended before its dial-out has only its reason.
  const dialed = record.dt !== undefined || record.h === undefined;
  return attemptRow(record, record.n, record.o ?? 'unknown', dialed ? record : { rs: record.rs }, record.ts);
}

function attemptRow(
  record: ContactRecord,
  attempt: number,
  outcome: string,
  result: Result | AttemptHistoryEntry,
  endedAt?: number,
): AttemptReportRow {
  return {
    phone: record.p,
    name: record.nm ?? null,
    row: record.r,
    attempt,
    outcome,
    sip_code: result.sip ?? null,
    reason: result.rs ?? null,
    reason_code: result.rc ?? null,
    machine_detection: result.amd ?? null,
    duration_s: result.du ?? null,
    dialed_at: isoTime(result.dt),
    connected_at: timeText(result.ca),
    disconnected_at: timeText(result.da),
    ended_at: isoTime(endedAt),
    conversation_id: unpackId(result.cv),
    session_id: unpackId(result.ss),
    // A stored result drops the sid when the conversation id is the same id; a call that was answered has a callId.
    sid: unpackId(result.sid ?? (result.cl !== undefined ? result.cv : undefined)),
    call_id: unpackId(result.cl),
  };
}

function isoTime(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** Streams every attempt's row, contact by contact (HSCAN order: sort by `row`, `attempt` downstream if needed). */
export async function* attemptReportRows(
  store: CampaignStore,
  campaignId: string,
  pageSize = 1000,
): AsyncGenerator<AttemptReportRow> {
  await store.requireCampaign(campaignId);
  for await (const [, record] of store.contacts(campaignId, pageSize)) yield* attemptRows(record);
}

/** The row as CSV cells in {@link ATTEMPT_REPORT_COLUMNS} order (formula-like cells defused, as in the contact report). */
export function attemptReportCells(row: AttemptReportRow): string[] {
  return ATTEMPT_REPORT_COLUMNS.map((column) => {
    const value = row[column];
    return value === null ? '' : escapeFormulaCell(String(value));
  });
}
