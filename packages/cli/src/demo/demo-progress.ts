// Live progress of the demo campaign: a progress bar on a terminal, one plain line every few seconds otherwise
// (CI logs, pipes). The children's output never comes here: it goes to their log files.
import cliProgress from 'cli-progress';
import type { CampaignStatus } from '@dialer/core';
import { outcomeSummary } from '../commands/campaign-view.js';

export interface ProgressView {
  update(status: CampaignStatus): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 2000;
const n = (v: number) => v.toLocaleString('en-US');

function payload(s: CampaignStatus, startedAt: number): Record<string, string> {
  return {
    elapsed: `${Math.round((Date.now() - startedAt) / 1000)}s`,
    live: n(s.live),
    dialouts: n(s.dialouts),
    redials: n(s.redials),
    outcomes: outcomeSummary(s.outcomes),
  };
}

export function createProgressView(out: NodeJS.WriteStream, startedAt: number): ProgressView {
  return out.isTTY === true ? new BarView(out, startedAt) : new PlainView(out, startedAt);
}

class BarView implements ProgressView {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(
    out: NodeJS.WriteStream,
    private readonly startedAt: number,
  ) {
    this.bar = new cliProgress.SingleBar(
      {
        format:
          'dialing {bar} {percentage}% | {value}/{total} ended | live {live} | dial-outs {dialouts} (re-dials {redials}) | {elapsed} | {outcomes}',
        stream: out,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 4,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(s: CampaignStatus): void {
    const total = Math.max(1, s.contacts);
    if (!this.started) this.bar.start(total, s.terminal, payload(s, this.startedAt));
    else {
      this.bar.setTotal(total);
      this.bar.update(s.terminal, payload(s, this.startedAt));
    }
    this.started = true;
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

class PlainView implements ProgressView {
  private lastAt = 0;
  /** The latest status not printed yet (throttled). */
  private unprinted: CampaignStatus | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly startedAt: number,
  ) {}

  update(s: CampaignStatus): void {
    if (Date.now() - this.lastAt < PLAIN_EVERY_MS && s.terminal < s.contacts) {
      this.unprinted = s;
      return;
    }
    this.print(s);
  }

  private print(s: CampaignStatus): void {
    this.lastAt = Date.now();
    this.unprinted = undefined;
    const p = payload(s, this.startedAt);
    this.out.write(
      `  [${p.elapsed!.padStart(4)}] ${n(s.terminal)}/${n(s.contacts)} ended | live ${p.live} | dial-outs ${p.dialouts} (re-dials ${p.redials}) | ${p.outcomes}\n`,
    );
  }

  stop(): void {
    // The last state is always on screen, also when it came within the throttle interval.
    if (this.unprinted) this.print(this.unprinted);
  }
}
