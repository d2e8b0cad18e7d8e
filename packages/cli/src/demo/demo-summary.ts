// The demo's closing summary: contacts by outcome, dial-outs and re-dials, how many were answered only
// thanks to a re-dial, the import's counts, and where the report, rejects and logs are.
import { OUTCOMES, reportRows, type CampaignStatus, type CampaignStore } from '@dialer/core';

/** `dialer produce --json`'s summary (the keys of docs/design.md (Import summary) plus the rejects file). */
export interface ImportResult {
  campaign: string;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  suppressed: number;
  rejectsFile?: string;
}

export interface ResultCounts {
  /** Contacts by final outcome (or by state for a contact that has not ended). */
  byOutcome: Map<string, number>;
  /** Contacts that needed more than one attempt. */
  redialed: number;
  /** Contacts answered (human, machine or undetected) on a re-dial. */
  answeredAfterRedial: number;
}

/** Reads every contact's report row once (bounded memory) and counts what the summary shows. */
export async function countResults(store: CampaignStore, campaignId: string): Promise<ResultCounts> {
  const counts: ResultCounts = { byOutcome: new Map(), redialed: 0, answeredAfterRedial: 0 };
  for await (const row of reportRows(store, campaignId)) {
    counts.byOutcome.set(row.outcome, (counts.byOutcome.get(row.outcome) ?? 0) + 1);
    if (row.attempts > 1) {
      counts.redialed++;
      if (row.outcome.startsWith('answered')) counts.answeredAfterRedial++;
    }
  }
  return counts;
}

/** Parses the one JSON line `dialer produce --json` prints. */
export function parseImportResult(stdout: string): ImportResult | undefined {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as Partial<ImportResult>;
      if (typeof value.accepted === 'number' && typeof value.rows === 'number') return value as ImportResult;
    } catch {
      // not the summary line
    }
  }
  return undefined;
}

const n = (v: number) => v.toLocaleString('en-US');

export function importText(r: ImportResult): string {
  const rejects = r.rejected > 0 && r.rejectsFile ? ` (→ ${r.rejectsFile})` : '';
  return `${n(r.rows)} rows: ${n(r.accepted)} contacts accepted, ${n(r.duplicates)} duplicates skipped, ${n(r.rejected)} rejected${rejects}`;
}

/** The outcome table, in the order of docs/design.md (Outcomes) (states of unfinished contacts last). */
export function outcomeTable(counts: ResultCounts, total: number): string {
  const known = OUTCOMES.filter((o) => (counts.byOutcome.get(o) ?? 0) > 0);
  const others = [...counts.byOutcome.keys()].filter((o) => !(OUTCOMES as readonly string[]).includes(o));
  const share = (c: number) => (total > 0 ? `${((100 * c) / total).toFixed(1)}%` : '');
  const lines = ['  outcome                contacts   share'];
  for (const outcome of [...known, ...others]) {
    const c = counts.byOutcome.get(outcome) ?? 0;
    lines.push(`  ${outcome.padEnd(20)} ${n(c).padStart(10)} ${share(c).padStart(7)}`);
  }
  lines.push(`  ${'total'.padEnd(20)} ${n(total).padStart(10)}`);
  return lines.join('\n');
}

export interface SummaryInput {
  status: CampaignStatus;
  counts: ResultCounts;
  imported: ImportResult;
  elapsedMs: number;
  reportFile: string;
  reportRows: number;
  logDir: string;
}

export function summaryText(s: SummaryInput): string {
  const { status, counts } = s;
  const lines = [
    '',
    `Demo campaign "${status.campaign}" ${status.state} in ${(s.elapsedMs / 1000).toFixed(1)} s: ` +
      `${n(status.contacts)} contacts, ${n(status.terminal)} ended, ${n(status.dialouts)} dial-outs (${n(status.redials)} re-dials)`,
    '',
    outcomeTable(counts, status.contacts),
    '',
    `  dialed more than once      ${n(counts.redialed).padStart(6)}`,
    `  answered after a re-dial   ${n(counts.answeredAfterRedial).padStart(6)}`,
    `  import                     ${importText(s.imported)}`,
    '',
    `Report (${n(s.reportRows)} contacts): ${s.reportFile}`,
    `Logs:                   ${s.logDir}`,
  ];
  return `${lines.join('\n')}\n`;
}
