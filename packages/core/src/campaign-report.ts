/**
 * The per-contact result file (`dialer report`): one row per contact, columns fixed by docs/design.md (Report columns).
 * A pure record → row mapping plus a streaming generator over the campaign's contacts (bounded memory).
 */
import type { CampaignStore } from './store/campaign-store.js';
import { timeText, type AttemptResultFields, type ContactRecord } from './store/contact-record.js';
import { contactState, type ContactState } from './store/contact-states.js';
import { unpackId } from './store/packed-id.js';
import { escapeFormulaCell } from './safe-output.js';
import { LocaleStore } from './store/locales.js';
import { contactLocale } from './contact-locale.js';

/** Column order of the CSV (part of the outside interface: add at the end, never rename or reorder). */
export const REPORT_COLUMNS = [
  'phone',
  'name',
  'outcome',
  'attempts',
  'sip_code',
  'reason',
  'machine_detection',
  'duration_s',
  'connected_at',
  'disconnected_at',
  'conversation_id',
  'row',
  'zones',
  'held_by',
  'reason_code',
] as const;

export type ReportColumn = (typeof REPORT_COLUMNS)[number];

export interface ReportRow {
  phone: string;
  name: string | null;
  /** The last outcome (docs/design.md (Outcomes)) once terminal; before that the contact's current state (see {@link PENDING_LABELS}). */
  outcome: string;
  attempts: number;
  sip_code: number | null;
  reason: string | null;
  machine_detection: string | null;
  duration_s: number | null;
  connected_at: string | null;
  disconnected_at: string | null;
  conversation_id: string | null;
  row: number;
  /** The zones the contact may be in (space-separated), as its calling window is judged. */
  zones: string | null;
  /** Why a pending contact is held back now: window, blackout, region-rule or cap. */
  held_by: string | null;
  /** SAVG's `reasonCode` of the last ended attempt (who hung up, or the failure's phrase). */
  reason_code: string | null;
}

/** What the `outcome` column says for a contact that has not ended yet. */
export const PENDING_LABELS: Record<Exclude<ContactState, 'ended'>, string> = {
  queued: 'pending',
  waiting: 'redial-pending',
  dialing: 'dialing',
  uncertain: 'uncertain',
  'in-call': 'in-call',
};

/**
 * One contact's row. Result fields (SIP code, reason, reason code, AMD, times) are those of the last ended
 * attempt, also while a re-dial is pending. `conversation_id` falls back to the dial-out's `sid` when no notification
 * carried one (they are the same id on SAVG: see docs/design.md (SAVG API notes)).
 */
export function reportRow(record: ContactRecord, zones: string[] = []): ReportRow {
  const result = lastEndedResult(record);
  return {
    phone: record.p,
    name: record.nm ?? null,
    outcome: outcomeLabel(record),
    attempts: record.a ?? 0,
    sip_code: result.sip ?? null,
    reason: result.rs ?? null,
    machine_detection: result.amd ?? null,
    duration_s: result.du ?? null,
    connected_at: timeText(result.ca),
    disconnected_at: timeText(result.da),
    conversation_id: unpackId(result.cv ?? result.sid),
    row: record.r,
    zones: zones.length > 0 ? zones.join(' ') : null,
    held_by: contactState(record) === 'ended' ? null : (record.hb ?? null),
    reason_code: result.rc ?? null,
  };
}

/**
 * The result of the last ended attempt. The record's own result fields are attempt n's (store/lua/end.lua):
 * when it was dialed (a dial-out time) or there is no history (records from before it was kept), they are the
 * answer; else attempt n has not been dialed (a re-dial pending or under way, or ended before its dial-out,
 * which sets only the reason) and the last history entry is, with attempt n's reason when it has one.
 */
export function lastEndedResult(record: ContactRecord): AttemptResultFields & Pick<ContactRecord, 'sid'> {
  const last = record.h?.[record.h.length - 1];
  if (record.dt !== undefined || last === undefined) return record;
  return record.rs === undefined ? last : { ...last, rs: record.rs };
}

export function outcomeLabel(record: ContactRecord): string {
  const state = contactState(record);
  return state === 'ended' ? (record.o ?? 'unknown') : PENDING_LABELS[state];
}

/** Streams every contact's row (HSCAN order, not CSV order: sort by `row` downstream if needed). */
export async function* reportRows(
  store: CampaignStore,
  campaignId: string,
  pageSize = 1000,
): AsyncGenerator<ReportRow> {
  await store.requireCampaign(campaignId);
  const locales = new LocaleStore(store.redis, store.keys);
  for await (const [, record] of store.contacts(campaignId, pageSize)) {
    const stored = record.lk === undefined ? undefined : await locales.get(record.lk);
    yield reportRow(record, (stored ?? contactLocale({ number: record.p, timezone: record.tz })).zones);
  }
}

/**
 * The row as CSV cells in {@link REPORT_COLUMNS} order (empty cell for a missing value). Names and reasons
 * come from outside, so a cell a spreadsheet would run as a formula gets a leading `'`; phones (E.164) and
 * numbers are plain numbers and stay as they are.
 */
export function reportCells(row: ReportRow): string[] {
  return REPORT_COLUMNS.map((column) => {
    const value = row[column];
    return value === null || value === undefined ? '' : escapeFormulaCell(String(value));
  });
}
