/**
 * The board's Prometheus metrics: the whole deployment's view read from Redis at scrape time (queue depths,
 * live calls, campaign counters), where the worker and ingester metrics describe one process each.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import { CAMPAIGN_STATES, type CampaignControl, type CampaignStatus, type Limits } from '@dialer/core';
import { NOTIFY_BOARD_NAME } from './board-queues.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
/** Scrapes within this long share one read of Redis (every gauge's collect asks for the same snapshot). */
const SNAPSHOT_TTL_MS = 1000;

export interface BoardMetricsDeps {
  control: CampaignControl;
  limits: Limits;
  campaignIds(): string[];
  notifyQueue: Queue;
  defaultMetrics?: boolean;
}

interface Snapshot {
  campaigns: CampaignStatus[];
  notify: Record<string, number>;
  live: number;
}

export class BoardMetrics {
  readonly registry = new Registry();
  #snapshot: { at: number; value: Promise<Snapshot> } | undefined;

  constructor(private readonly deps: BoardMetricsDeps) {
    const registers = [this.registry];
    if (deps.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'dialer_board_' });
    // collect() runs with `this` bound to the gauge.
    const snapshot = () => this.snapshot();
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      fill: (g: Gauge<L>, s: Snapshot) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          fill(this, s);
        },
      });
    gauge(
      'dialer_queue_jobs',
      'Jobs per queue (campaign id, or internal.notifications) and BullMQ state',
      ['queue', 'state'],
      (g, s) => {
        for (const c of s.campaigns) for (const st of JOB_STATES) g.set({ queue: c.campaign, state: st }, c.queue[st]);
        for (const st of JOB_STATES) g.set({ queue: NOTIFY_BOARD_NAME, state: st }, s.notify[st] ?? 0);
      },
    );
    gauge('dialer_live_calls', 'Calls in progress across every campaign (live-call semaphore)', [], (g, s) =>
      g.set(s.live),
    );
    gauge('dialer_campaign_live_calls', 'Calls in progress per campaign', ['campaign'], (g, s) => {
      for (const c of s.campaigns) g.set({ campaign: c.campaign }, c.live);
    });
    gauge(
      'dialer_campaign_state',
      'Campaign state (1 for the current one; a queue paused in Bull Board counts as paused)',
      ['campaign', 'state'],
      (g, s) => {
        for (const c of s.campaigns)
          for (const st of CAMPAIGN_STATES) g.set({ campaign: c.campaign, state: st }, c.state === st ? 1 : 0);
      },
    );
    gauge('dialer_campaign_contacts', 'Contacts imported per campaign', ['campaign'], (g, s) => {
      for (const c of s.campaigns) g.set({ campaign: c.campaign }, c.contacts);
    });
    gauge('dialer_campaign_terminal_contacts', 'Contacts that have ended per campaign', ['campaign'], (g, s) => {
      for (const c of s.campaigns) g.set({ campaign: c.campaign }, c.terminal);
    });
    gauge('dialer_campaign_dialouts', 'Dial-outs made per campaign (monotonic; from Redis)', ['campaign'], (g, s) => {
      for (const c of s.campaigns) g.set({ campaign: c.campaign }, c.dialouts);
    });
    gauge(
      'dialer_campaign_redials',
      'Re-dials scheduled per campaign (monotonic; from Redis)',
      ['campaign'],
      (g, s) => {
        for (const c of s.campaigns) g.set({ campaign: c.campaign }, c.redials);
      },
    );
    gauge('dialer_campaign_outcomes', 'Contacts ended per campaign and outcome', ['campaign', 'outcome'], (g, s) => {
      for (const c of s.campaigns)
        for (const [outcome, n] of Object.entries(c.outcomes)) g.set({ campaign: c.campaign, outcome }, n ?? 0);
    });
  }

  private snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (!this.#snapshot || now - this.#snapshot.at > SNAPSHOT_TTL_MS) {
      const value = this.read();
      // A failed read must not be served to the next scrape.
      value.catch(() => {
        if (this.#snapshot?.value === value) this.#snapshot = undefined;
      });
      this.#snapshot = { at: now, value };
    }
    return this.#snapshot.value;
  }

  private async read(): Promise<Snapshot> {
    const { control, limits, notifyQueue } = this.deps;
    const [campaigns, notify, live] = await Promise.all([
      Promise.all(this.deps.campaignIds().map((id) => control.campaignStatus(id).catch(() => undefined))),
      notifyQueue.getJobCounts(...JOB_STATES),
      limits.liveCount(),
    ]);
    return { campaigns: campaigns.filter((c): c is CampaignStatus => c !== undefined), notify, live };
  }
}
