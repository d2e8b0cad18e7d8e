// What every chaos test checks at the end, against the simulator's record of dial-outs and notifications
// (what the "gateway" experienced) and the campaign report (what the operator gets).
import {
  OUTCOMES,
  classifyNotification,
  contactIdsFor,
  createKeys,
  loadConfig,
  parseNotification,
  type ContactRecord,
  type ReportRow,
} from '@dialer/core';
import type { DialoutRecord, NotificationRecord } from '@dialer/simulator';
import { chaosNumber, type Cluster } from './chaos-cluster.js';

export interface AttemptOnWire {
  campaignId: string;
  contactId: string;
  attempt: number;
}

/** A placed call: its attempt and when the gateway received the dial-out. */
type PlacedCall = AttemptOnWire & { receivedAt: number };

export interface Verdict {
  /** Everything that is wrong (empty when the run kept every promise). */
  problems: string[];
  dialouts: number;
  placed: number;
  /** Attempts whose one request got a proxy's 502/504 without the call being placed: they must end `lost`. */
  proxyUnplaced: number;
  /** Final notifications the gateway got a 2xx for, each checked to have been applied. */
  notified2xx: number;
  outcomes: Record<string, number>;
}

/** The attempt a dial-out was for, from the notify token in its URL (our own token: decoding is enough). */
export function attemptOnWire(d: DialoutRecord): AttemptOnWire | undefined {
  const url = d.request?.notifyurl;
  if (!url) return undefined;
  const payload = url.slice(url.lastIndexOf('/') + 1).split('.')[1];
  if (!payload) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c: string; k: string; n: number };
  return { campaignId: claims.c, contactId: claims.k, attempt: claims.n };
}

function is2xx(n: NotificationRecord): boolean {
  return n.receiverStatus !== undefined && n.receiverStatus >= 200 && n.receiverStatus < 300;
}

/**
 * Checks a finished campaign of `count` contacts (numbers `chaosNumber(0..count-1)`):
 * - every contact is terminal, in the stats and in the report, with an outcome of docs/design.md, none missing or doubled;
 * - no attempt placed two calls (the simulator's records, by notify token; refused requests — 429, 502/503/504 —
 *   placed none and are retried by design);
 * - every contact that ended with a call outcome had a call placed, and no contact had more calls placed
 *   than attempts counted;
 * - every final notification the gateway got a 2xx for was applied: its attempt ended with its outcome
 *   (the contact's last outcome, or a re-dial when the policy re-dials that outcome).
 */
export async function verifyCampaign(
  c: Cluster,
  campaignId: string,
  count: number,
  redialOutcomes: string[],
): Promise<Verdict> {
  const problems: string[] = [];
  const stats = await c.store.stats(campaignId);
  const outcomeSum = Object.values(stats.outcomes).reduce((a, b) => a + (b ?? 0), 0);
  if (stats.contacts !== count || stats.terminal !== count || outcomeSum !== count) {
    problems.push(
      `stats: contacts ${stats.contacts}, terminal ${stats.terminal}, outcomes ${outcomeSum}, expected ${count}`,
    );
  }
  const rows = await c.report(campaignId);
  problems.push(...checkReport(rows, count));

  const records = new Map<string, ContactRecord>();
  for await (const [id, rec] of c.store.contacts(campaignId)) records.set(id, rec);
  const wire = await checkDialouts(c, campaignId, records, problems);
  const notified2xx = await checkNotifications(c, wire, records, redialOutcomes, problems);
  // A failed run says whether notification processing fell further behind than LOST_AFTER_MS, and how many
  // requests timed out on our side (uncertain): the gateway may still place such a call, late.
  if (problems.length > 0) problems.unshift(`ingester: ${await c.processingLag()}`, ...backlogWarnings(c));
  return {
    problems: problems.slice(0, 30),
    dialouts: wire.dialouts,
    placed: wire.placed,
    proxyUnplaced: wire.proxyUnplaced,
    notified2xx,
    outcomes: stats.outcomes as Record<string, number>,
  };
}

function backlogWarnings(c: Cluster): string[] {
  const lines = c.started.flatMap((p) => (p.stdout() + p.stderr()).split('\n'));
  const lagging = lines.filter((l) => l.includes('lags more than LOST_AFTER_MS'));
  const uncertain = lines.filter((l) => l.includes('dial-out outcome unknown')).length;
  return [
    `workers: ${uncertain} dial-outs timed out (uncertain)`,
    ...lagging.slice(0, 3).map((l) => `ingester: ${l.slice(0, 300)}`),
  ];
}

function checkReport(rows: ReportRow[], count: number): string[] {
  const problems: string[] = [];
  if (rows.length !== count) problems.push(`report has ${rows.length} rows, expected ${count}`);
  const phones = new Set(rows.map((r) => r.phone));
  if (phones.size !== rows.length) problems.push('report has a contact twice');
  for (let i = 0; i < count; i++) if (!phones.has(chaosNumber(i))) problems.push(`report misses ${chaosNumber(i)}`);
  for (const r of rows)
    if (!(OUTCOMES as readonly string[]).includes(r.outcome)) problems.push(`${r.phone}: not terminal (${r.outcome})`);
  return problems;
}

/**
 * Whether the gateway certainly did not act on a request: the refusals the dialer may re-send (429, 408, 503,
 * the gateway's own 502/504 with its JSON error) and the 4xx. Anything else (2xx, no reply, 500, a proxy's
 * 502/504) may have placed a call and must never be followed by another request for the same attempt.
 */
function certainlyRefused(d: DialoutRecord): boolean {
  if (d.status === 502 || d.status === 504) return !d.error?.startsWith('proxy:');
  return d.status === 429 || d.status === 408 || d.status === 503 || (d.status >= 400 && d.status < 500);
}

async function checkDialouts(c: Cluster, campaignId: string, records: Map<string, ContactRecord>, problems: string[]) {
  const perAttempt = new Map<string, number>();
  const ambiguousPerAttempt = new Map<string, number>();
  let proxyUnplaced = 0;
  const placedPerContact = new Map<string, number>();
  const bySid = new Map<string, PlacedCall>();
  const placedAt = new Map<string, number>();
  let dialouts = 0;
  let placed = 0;
  for (const d of await c.sim.dialouts()) {
    const a = attemptOnWire(d);
    if (!a || a.campaignId !== campaignId) continue;
    dialouts++;
    const attemptKey = `${a.contactId}/${a.attempt}`;
    if (!certainlyRefused(d)) ambiguousPerAttempt.set(attemptKey, (ambiguousPerAttempt.get(attemptKey) ?? 0) + 1);
    if (!d.sid && d.error?.startsWith('proxy:')) proxyUnplaced++;
    if (d.sid) {
      // A placed call (answered, or its reply withheld): what must happen at most once per attempt. Refusals
      // (429, 502/503/504: no call placed) are retried by design without spending the attempt.
      const key = `${a.contactId}/${a.attempt}`;
      perAttempt.set(key, (perAttempt.get(key) ?? 0) + 1);
      placed++;
      bySid.set(d.sid, { ...a, receivedAt: d.receivedAt });
      placedAt.set(key, d.receivedAt);
      placedPerContact.set(a.contactId, (placedPerContact.get(a.contactId) ?? 0) + 1);
    }
  }
  for (const [key, n] of perAttempt) if (n > 1) problems.push(`attempt ${key} placed ${n} calls`);
  for (const [key, n] of ambiguousPerAttempt)
    if (n > 1) problems.push(`attempt ${key} sent again after an answer that may have placed a call (${n} requests)`);
  const callOutcomes = new Set([
    'answered-human',
    'answered-machine',
    'answered',
    'busy',
    'unavailable',
    'no-answer',
    'failed',
  ]);
  for (const [id, rec] of records) {
    const calls = placedPerContact.get(id) ?? 0;
    if (rec.o && callOutcomes.has(rec.o) && calls === 0) problems.push(`${id}: outcome ${rec.o} without a placed call`);
    if (calls > (rec.a ?? 0)) problems.push(`${id}: ${calls} calls placed but ${rec.a ?? 0} attempts counted`);
  }
  return { bySid, placedAt, dialouts, placed, proxyUnplaced };
}

async function checkNotifications(
  c: Cluster,
  { bySid, placedAt }: { bySid: Map<string, PlacedCall>; placedAt: Map<string, number> },
  records: Map<string, ContactRecord>,
  redialOutcomes: string[],
  problems: string[],
): Promise<number> {
  let checked = 0;
  for (const n of await c.sim.notifications()) {
    const a = bySid.get(n.sid);
    if (!a || n.kind !== 'final' || !is2xx(n)) continue;
    const parsed = parseNotification(n.payload);
    const rec = records.get(a.contactId);
    if (!parsed.ok || !rec) {
      problems.push(`notification ${n.seq}: unparsable or unknown contact`);
      continue;
    }
    const cls = classifyNotification(parsed.value);
    if (!cls.terminal) continue;
    checked++;
    const applied =
      a.attempt < rec.n ? redialOutcomes.includes(cls.outcome) : rec.o === cls.outcome || rec.o === 'cancelled';
    // The timing says which side was late: the notification (sent long after the dial-out) or its application.
    const next = placedAt.get(`${a.contactId}/${a.attempt + 1}`);
    const timing =
      `dial-out received ${a.receivedAt}, notification sent +${n.sentAt - a.receivedAt} ms, answered +${(n.doneAt ?? NaN) - a.receivedAt} ms` +
      (next === undefined ? '' : `, attempt ${a.attempt + 1} received ${next - a.receivedAt} ms`);
    if (!applied)
      problems.push(
        `${a.contactId}/${a.attempt}: 2xx for ${cls.outcome} not applied (contact at attempt ${rec.n}, outcome ${rec.o}; ${timing})`,
      );
  }
  return checked;
}

/** The contact id of the i-th test number in a campaign (for spot checks): the campaign's keyed id. */
export async function chaosContactId(c: Cluster, campaignId: string, i: number): Promise<string> {
  const config = loadConfig(c.env);
  return (await contactIdsFor(c.redis, createKeys(config.keyPrefix), config, campaignId))(chaosNumber(i));
}
