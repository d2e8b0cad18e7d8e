/**
 * Which campaign queue this process takes its next job from, and when. Every campaign it works on has a lane
 * (campaign-lane.ts); a lane is in one of these states:
 *   ready    — may have a job now: in the round-robin line;
 *   fetching — one non-blocking fetch in flight;
 *   full     — as many of its jobs in hand as it may hold: back in line when one ends;
 *   sleeping — rate-limited, or nothing waiting until its next delayed job is due: a timer wakes it;
 *   idle     — nothing waiting or delayed: only its queue's marker (or an event) wakes it.
 * Lanes take turns one job at a time, so a campaign of a million contacts never starves one of ten, and the
 * jobs in hand are bounded for the whole process (not per campaign). Sleeping and idle lanes cost no Redis
 * call: the marker watch (marker-watch.ts) and one timer cover them all. Lock renewal and BullMQ's stalled-job
 * checks run on one timer each for every lane, not one per queue.
 */
import type { Logger, RedisClient } from '@dialer/core';
import type { CampaignLane, DialJob, FetchResult } from './campaign-lane.js';
import { MarkerWatch } from './marker-watch.js';
import { WakeQueue } from './wake-queue.js';

type LaneState = 'ready' | 'fetching' | 'full' | 'sleeping' | 'idle' | 'closed';

class LaneEntry {
  state: LaneState = 'idle';
  /** Sleeping until then. */
  wakeAt = 0;
  /** Sleeping because the queue is rate-limited (a marker or a job's end does not wake it early). */
  limited = false;
  /** Jobs in hand, and a fetch in flight. */
  inHand = 0;
  /** Signalled while fetching: a fetch that finds nothing looks again. */
  again = false;
  /** The wake-up time this lane has in the timer queue (none: 0). */
  queuedAt = 0;
  readonly running = new Set<Promise<void>>();

  constructor(
    readonly lane: CampaignLane,
    public cap: number,
  ) {}

  get markerKey(): string {
    return this.lane.markerKey;
  }
}

export interface LaneSchedulerOptions {
  logger: Logger;
  /** Jobs in hand (and fetches in flight) in this process at most, across every campaign. */
  maxInHand: number;
  /** Jobs in hand of one campaign at most. */
  maxPerLane: number;
  lockDurationMs: number;
  markers: { connection: RedisClient; commands: RedisClient; wakeKey: string; clusterPollMs?: number };
  /** A lane found nothing waiting or delayed: its campaign may be finished and drained. */
  onEmpty(campaignId: string): void;
}

/** A fetch that failed (Redis unreachable) is tried again after this long. */
const FETCH_RETRY_MS = 1000;
/** Stalled-job checks running at once during a sweep. */
const SWEEP_PARALLEL = 16;

export class LaneScheduler {
  readonly #lanes = new Map<string, LaneEntry>();
  /** The round-robin line: a Set keeps insertion order, and re-adding puts a lane at the back. */
  readonly #ready = new Set<LaneEntry>();
  readonly #running = new Set<Promise<void>>();
  readonly #watch: MarkerWatch<LaneEntry>;
  readonly #timers = new WakeQueue<LaneEntry>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #inHand = 0;
  #pumpQueued = false;
  #closing = false;
  #sweeping: Promise<void> | undefined;
  #intervals: NodeJS.Timeout[] = [];

  constructor(private readonly opts: LaneSchedulerOptions) {
    this.#watch = new MarkerWatch<LaneEntry>({
      ...opts.markers,
      logger: opts.logger,
      onMarker: (entry, score) => this.onMarker(entry, score),
    });
  }

  /** Jobs in hand in this process (with fetches in flight). */
  get inHand(): number {
    return this.#inHand;
  }

  start(): void {
    this.#watch.start();
    const lock = this.opts.lockDurationMs;
    // BullMQ renews a lock when a quarter of its duration has passed since the last renewal, checking that often.
    const renew = setInterval(() => void this.renewLocks(lock / 4), lock / 4);
    const sweep = setInterval(() => void this.sweepStalled(), lock);
    renew.unref();
    sweep.unref();
    this.#intervals.push(renew, sweep);
  }

  has(campaignId: string): boolean {
    return this.#lanes.has(campaignId);
  }

  /** Starts working on a lane: it fetches at its next turn. False when closing (or a lane of that campaign is there). */
  add(lane: CampaignLane, cap = this.opts.maxPerLane): boolean {
    if (this.#closing || this.#lanes.has(lane.campaignId)) return false;
    const entry = new LaneEntry(lane, cap);
    this.#lanes.set(lane.campaignId, entry);
    // As a BullMQ worker does when it starts: jobs a dead process left active come back sooner.
    void this.checkStalled(entry);
    this.makeReady(entry);
    return true;
  }

  /** At most `cap` jobs of this campaign in hand (1 for a paused campaign: it is only looked at). */
  setCap(campaignId: string, cap: number): void {
    const entry = this.#lanes.get(campaignId);
    if (!entry || entry.cap === cap) return;
    entry.cap = Math.max(1, Math.min(cap, this.opts.maxPerLane));
    if (entry.state === 'full' && entry.inHand < entry.cap) this.makeReady(entry);
  }

  /** Something may have changed for this campaign (an event): look at its queue at its next turn. */
  signal(campaignId: string): void {
    const entry = this.#lanes.get(campaignId);
    if (entry?.state === 'fetching') entry.again = true;
    else if (entry && (entry.state === 'idle' || entry.state === 'sleeping')) this.makeReady(entry);
  }

  /** Stops working on a lane: waits for its jobs in hand, then closes it. */
  async remove(campaignId: string): Promise<void> {
    const entry = this.#lanes.get(campaignId);
    if (!entry) return;
    this.#lanes.delete(campaignId);
    this.park(entry, 'closed');
    await Promise.allSettled([...entry.running]);
    await entry.lane.close();
  }

  /** Takes no more jobs, waits for the jobs in hand to end (the processor puts waiting ones back), closes every lane. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const t of this.#intervals) clearInterval(t);
    if (this.#timer) clearTimeout(this.#timer);
    await this.#watch.close();
    await this.#sweeping;
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
    const lanes = [...this.#lanes.values()];
    this.#lanes.clear();
    await Promise.allSettled(lanes.map((e) => e.lane.close()));
  }

  /** Waits for the marker watch to stop (after its connection was closed). */
  stopped(): Promise<void> {
    return this.#watch.stopped();
  }

  private makeReady(entry: LaneEntry): void {
    if (entry.state === 'closed') return;
    this.park(entry, 'ready');
    this.#ready.add(entry);
    this.schedulePump();
  }

  /** Takes the lane out of the line, the watch and the timers (they skip entries no longer sleeping). */
  private park(entry: LaneEntry, state: LaneState): void {
    this.#ready.delete(entry);
    this.#watch.delete(entry);
    entry.state = state;
    entry.limited = false;
  }

  private sleep(entry: LaneEntry, until: number, limited: boolean): void {
    if (entry.state === 'closed') return;
    if (until <= Date.now()) return this.makeReady(entry);
    this.park(entry, 'sleeping');
    entry.wakeAt = until;
    entry.limited = limited;
    // A rate-limited queue cannot give a job before the limit ends, whatever its marker says.
    if (!limited) this.#watch.add(entry);
    if (entry.queuedAt !== until) {
      entry.queuedAt = until;
      this.#timers.push(until, entry);
      // Entries of lanes woken otherwise stay until due: rebuilt when they outnumber the lanes by far.
      if (this.#timers.size > 64 + 4 * this.#lanes.size)
        this.#timers.keep((at, e) => {
          const live = e.state === 'sleeping' && e.queuedAt === at;
          if (!live && e.queuedAt === at) e.queuedAt = 0;
          return live;
        });
      this.armTimer();
    }
  }

  private idle(entry: LaneEntry): void {
    if (entry.state === 'closed') return;
    this.park(entry, 'idle');
    this.#watch.add(entry);
    this.opts.onEmpty(entry.lane.campaignId);
  }

  private onMarker(entry: LaneEntry, score: number): void {
    if (entry.state !== 'idle' && entry.state !== 'sleeping') return;
    if (score <= Date.now()) this.makeReady(entry);
    else if (entry.state === 'idle' || score < entry.wakeAt) this.sleep(entry, score, false);
  }

  private armTimer(): void {
    const next = this.#timers.peek();
    if (next === undefined || next >= this.#timerAt || this.#closing) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(() => this.onTimer(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  private onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    for (const { at, item } of this.#timers.popDue(now)) {
      if (item.queuedAt === at) item.queuedAt = 0;
      if (item.state === 'sleeping' && item.wakeAt === at) this.makeReady(item);
    }
    this.armTimer();
  }

  private schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    const { maxInHand } = this.opts;
    while (!this.#closing && this.#inHand < maxInHand) {
      const entry = this.#ready.values().next().value;
      if (!entry) break;
      this.#ready.delete(entry);
      if (entry.inHand >= entry.cap) {
        entry.state = 'full';
        continue;
      }
      entry.state = 'fetching';
      entry.again = false;
      entry.inHand++;
      this.#inHand++;
      this.track(entry, this.fetch(entry));
    }
    this.#watch.setPaused(this.#inHand >= maxInHand);
  }

  private track(entry: LaneEntry, work: Promise<void>): void {
    const p = work.catch((err: unknown) =>
      this.opts.logger.error({ err, campaignId: entry.lane.campaignId }, 'campaign lane failed'),
    );
    entry.running.add(p);
    this.#running.add(p);
    void p.finally(() => {
      entry.running.delete(p);
      this.#running.delete(p);
    });
  }

  private async fetch(entry: LaneEntry): Promise<void> {
    const { lane } = entry;
    let result: FetchResult;
    try {
      result = await lane.fetch(lane.nextToken());
    } catch (err) {
      if (!this.#closing)
        this.opts.logger.warn({ error: (err as Error).message, campaignId: lane.campaignId }, 'fetching a job failed');
      result = { kind: 'limited', until: Date.now() + FETCH_RETRY_MS };
    }
    if (result.kind === 'job') {
      // Its turn is over: back in line (or full), while the job runs.
      if (entry.state === 'fetching') {
        if (entry.inHand >= entry.cap) entry.state = 'full';
        else this.makeReady(entry);
      }
      await this.runJob(entry, result.job, result.token);
      return;
    }
    this.release(entry);
    if (entry.state !== 'fetching') return;
    if (result.kind === 'limited') this.sleep(entry, result.until, true);
    else if (entry.again) this.makeReady(entry);
    else if (result.kind === 'delayed') this.sleep(entry, result.until, false);
    else this.idle(entry);
  }

  private async runJob(entry: LaneEntry, first: DialJob, token: string): Promise<void> {
    try {
      // While no other campaign waits for a turn, a finished job brings the lane's next one in the same call.
      const mayChain = () =>
        !this.#closing &&
        entry.state !== 'closed' &&
        entry.inHand <= entry.cap &&
        (this.#ready.size === 0 || (this.#ready.size === 1 && this.#ready.has(entry)));
      let job: DialJob | undefined = first;
      while (job) job = await entry.lane.runJob(job, token, mayChain);
    } finally {
      this.release(entry);
      // Its queue may have changed with this job (put back, delayed, retried): look again, unless rate-limited.
      if (entry.state === 'full' || entry.state === 'idle' || (entry.state === 'sleeping' && !entry.limited))
        this.makeReady(entry);
    }
  }

  private release(entry: LaneEntry): void {
    entry.inHand--;
    this.#inHand--;
    this.schedulePump();
  }

  private async renewLocks(ageMs: number): Promise<void> {
    const olderThan = Date.now() - ageMs;
    await Promise.all(
      [...this.#lanes.values()]
        .filter((e) => e.lane.held.size > 0)
        .map(async ({ lane }) => {
          try {
            const lost = await lane.renewLocks(olderThan);
            if (lost.length > 0)
              this.opts.logger.warn({ campaignId: lane.campaignId, jobIds: lost }, 'could not renew job locks');
          } catch (err) {
            this.opts.logger.warn(
              { error: (err as Error).message, campaignId: lane.campaignId },
              'renewing job locks failed',
            );
          }
        }),
    );
  }

  /** BullMQ's stalled-job check on every lane (each queue's check runs at most once per interval across processes). */
  private sweepStalled(): Promise<void> {
    this.#sweeping ??= (async () => {
      const entries = [...this.#lanes.values()];
      for (let i = 0; i < entries.length && !this.#closing; i += SWEEP_PARALLEL)
        await Promise.all(entries.slice(i, i + SWEEP_PARALLEL).map((e) => this.checkStalled(e)));
    })().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  private async checkStalled(entry: LaneEntry): Promise<void> {
    try {
      const stalled = await entry.lane.checkStalled();
      if (stalled.length === 0) return;
      this.opts.logger.info(
        { campaignId: entry.lane.campaignId, jobIds: stalled },
        'stalled jobs (a process died or stalled) put back',
      );
      if (entry.state === 'idle' || entry.state === 'sleeping') this.makeReady(entry);
    } catch (err) {
      if (!this.#closing)
        this.opts.logger.warn(
          { error: (err as Error).message, campaignId: entry.lane.campaignId },
          'stalled-job check failed',
        );
    }
  }
}
