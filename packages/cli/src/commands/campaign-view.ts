// Human renderings of campaign status for `dialer campaign list|status|watch` (JSON output needs none).
import type { CampaignStatus } from '@dialer/core';

const n = (v: number) => v.toLocaleString('en-US');

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s % 60).padStart(2, '0')}s`;
}

export function outcomeSummary(outcomes: CampaignStatus['outcomes']): string {
  const entries = Object.entries(outcomes)
    .filter(([, c]) => (c ?? 0) > 0)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  return entries.length === 0 ? '—' : entries.map(([o, c]) => `${o} ${n(c ?? 0)}`).join(' · ');
}

function bar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(share * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${Math.floor(share * 100)}%`;
}

function stateText(s: CampaignStatus): string {
  return s.pauseReason ? `${s.state} (${s.pauseReason})` : s.state;
}

const HELD_LABELS: Record<string, string> = {
  window: 'outside their calling window (in at least one of their zones)',
  blackout: 'on a blackout day',
  'region-rule': "outside their region's hours",
  cap: 'by a contact cap',
};

/** `12 outside their calling window · 3 by a contact cap`. */
function heldSummary(held: CampaignStatus['held']): string {
  return Object.entries(held)
    .map(([reason, count]) => `${n(count ?? 0)} ${HELD_LABELS[reason] ?? reason}`)
    .join(' · ');
}

function paceText(pace: NonNullable<CampaignStatus['pace']>): string {
  if (pace.by === 'quota')
    return `at most ${pace.perSecond}/s: the gateway's quotas (SAVG_QUOTAS) for bot ${pace.botId ?? '?'} hold dialing back, not the rate`;
  return `at most ${pace.perSecond}/s (${pace.by === 'global' ? 'the global rate: DIAL_RATE_PER_SECOND or dialer limits set' : "the campaign's ratePerSecond"})`;
}

export function statusText(s: CampaignStatus): string {
  const q = s.queue;
  const rate = s.dialRate === null ? 'rate not measured yet' : `${s.dialRate}/s over the last minute`;
  const rows = [
    ['campaign', s.campaign],
    ['state', stateText(s)],
    ['progress', `${bar(s.terminal, s.contacts)} (${n(s.terminal)} / ${n(s.contacts)} ended, ${n(s.pending)} pending)`],
    ['live', `${n(s.live)} calls in progress`],
    ['dial-outs', `${n(s.dialouts)} (re-dials ${n(s.redials)}), ${rate}`],
    ['eta', formatDuration(s.eta)],
    ...(s.pace ? [['pace', paceText(s.pace)]] : []),
    ['outcomes', outcomeSummary(s.outcomes)],
    ...(Object.keys(s.held).length > 0 ? [['held', heldSummary(s.held)]] : []),
    ...(s.stranded > 0
      ? [
          [
            'stranded',
            `${n(s.stranded)} contacts found with no job and no live call, given one back by the watchdog (see the ingester's log)`,
          ],
        ]
      : []),
    [
      'queue',
      `waiting ${n(q.waiting)} · active ${n(q.active)} · delayed ${n(q.delayed)} · failed ${n(q.failed)}${q.isPaused ? ' (queue paused)' : ''}`,
    ],
    ['created', s.createdAt],
  ];
  return `${rows.map(([k, v]) => `${(k as string).padEnd(10)}${v as string}`).join('\n')}\n`;
}

/** One line per campaign, aligned. */
export function listText(statuses: CampaignStatus[]): string {
  if (statuses.length === 0) return 'No campaigns yet: `dialer produce <file.csv> --campaign <id>` creates one.\n';
  const head = ['CAMPAIGN', 'STATE', 'CONTACTS', 'ENDED', 'PENDING', 'LIVE', 'CREATED'];
  const rows = statuses.map((s) => [
    s.campaign,
    s.state,
    n(s.contacts),
    n(s.terminal),
    n(s.pending),
    n(s.live),
    s.createdAt.slice(0, 19).replace('T', ' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/** The live line under the progress bar (and the whole line when not on a terminal). */
export function watchPayload(s: CampaignStatus): Record<string, string> {
  return {
    state: stateText(s),
    live: n(s.live),
    rate: s.dialRate === null ? '…' : String(s.dialRate),
    etaText: formatDuration(s.eta),
    outcomes: outcomeSummary(s.outcomes),
  };
}

export function watchLine(s: CampaignStatus): string {
  const p = watchPayload(s);
  return `${new Date().toISOString()} ${s.campaign} ${p.state} | ${n(s.terminal)}/${n(s.contacts)} ended | live ${p.live} | ${p.rate}/s | ETA ${p.etaText} | ${p.outcomes}\n`;
}
