// One run of `dialer demo`: Redis, the processes, the import, live progress, the report and summary, and a
// clean stop of everything it started — at the end, on an error, or on Ctrl-C (SIGINT/SIGTERM).
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadConfig, openCampaignControl, type CampaignStatus, type OpenedCampaignControl } from '@dialer/core';
import { writeReport } from '../commands/report-writer.js';
import { describeExit } from '../spawn-dialer.js';
import { DemoChild } from './demo-children.js';
import {
  childEnv,
  DEMO_CAMPAIGN,
  generateSecrets,
  loadOutcomeScripts,
  resolveContacts,
  writeSettings,
  type DemoOptions,
  type DemoSecrets,
} from './demo-env.js';
import { createProgressView, type ProgressView } from './demo-progress.js';
import { chooseRedis, type DemoRedis } from './demo-redis.js';
import { deleteKeys, keysText, redisText } from './demo-keys.js';
import { scriptSimulator, startStack, stopInOrder, type DemoStack } from './demo-stack.js';
import { countResults, importText, parseImportResult, summaryText, type ImportResult } from './demo-summary.js';

const POLL_MS = 500;
/** Two deliveries of one Ctrl-C (the terminal's and a forwarding parent's) arrive within this. */
const SAME_SIGNAL_MS = 1000;

class Interrupted extends Error {}

export class DemoSession {
  private readonly children: DemoChild[] = [];
  private readonly interrupt = new AbortController();
  private readonly secrets: DemoSecrets = generateSecrets();
  private readonly runDir: string;
  private readonly logDir: string;
  private redis: DemoRedis | undefined;
  private opened: OpenedCampaignControl | undefined;
  private view: ProgressView | undefined;
  private signal: NodeJS.Signals | undefined;
  private signalAt = 0;
  private boardUrl: string | undefined;

  constructor(
    private readonly o: DemoOptions,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    this.runDir = resolve(o.dir ?? join(tmpdir(), `dialer-${this.secrets.prefix}`));
    this.logDir = join(this.runDir, 'logs');
  }

  private say(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Runs the demo; resolves with the exit code (0, or 130/143 when interrupted). Throws on a failure, after stopping everything. */
  async run(): Promise<number> {
    const startedAt = Date.now();
    const onSignal = (signal: NodeJS.Signals) => this.onSignal(signal);
    const onExit = () => this.killAll();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', onExit);
    try {
      await this.main(startedAt);
      if (this.o.keepRunning) await this.untilInterrupted();
      return 0;
    } catch (err) {
      if (err instanceof Interrupted || this.signal) return this.signal === 'SIGTERM' ? 143 : 130;
      throw err;
    } finally {
      await this.shutdown();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
    }
  }

  private async main(startedAt: number): Promise<void> {
    const contacts = resolveContacts(this.o.contacts);
    const scripts = loadOutcomeScripts(this.o);
    mkdirSync(this.logDir, { recursive: true });
    this.say('dialer demo: the whole dialer on this machine, calling the SAVG simulator (no real calls are made)');
    this.say(`  run directory   ${this.runDir}`);
    // Assigned as soon as it exists, so a Ctrl-C during start-up still stops a private redis-server.
    const choosing = chooseRedis(process.env, this.runDir, this.logDir, this.o.privateRedis);
    void choosing.then(
      (r) => (this.redis = r),
      () => undefined,
    );
    const redis = await this.step(choosing);
    this.redis = redis;
    this.say(`  redis           ${redisText(redis)}, key prefix ${this.secrets.prefix}`);
    const env = childEnv(process.env, redis.url, this.secrets, this.o);
    this.say(`Starting the simulator, the ingester, Bull Board and ${this.o.workers} workers…`);
    const stack = await this.step(
      startStack({ env, logDir: this.logDir, workers: this.o.workers, track: (c) => this.children.push(c) }),
    );
    if (scripts) await this.step(scriptSimulator(stack.simUrl, scripts));
    this.boardUrl = stack.boardUrl;
    this.printStack(stack, scripts !== undefined);
    this.opened = await this.step(openCampaignControl(loadConfig(env, 'cli'), 'dialer-demo'));
    const imported = await this.step(this.runImport(env, contacts));
    this.say(`  ${importText(imported)}`);
    this.say(
      `Dialing at ${this.o.rate}/s; busy and unavailable lines are re-dialed after ${this.o.redialDelayMs / 1000} s (3 attempts at most). ` +
        'Ctrl-C stops everything.',
    );
    const status = await this.watch(stack, startedAt);
    await this.finish(status, imported, startedAt);
  }

  private printStack(stack: DemoStack, scripted: boolean): void {
    for (const p of stack.processes)
      this.say(`  ${p.name.padEnd(10)} pid ${String(p.pid).padEnd(8)} ${p.url.padEnd(24)} log ${basename(p.logFile)}`);
    if (scripted) this.say('  the simulator plays a scripted outcome per number (packages/cli/demo/outcomes.json)');
    this.say('');
    this.say(this.boardText());
    this.say('');
  }

  /** `dialer produce` as a child process (its own worker thread and logs), resolved with its JSON summary. */
  private async runImport(env: NodeJS.ProcessEnv, contacts: string): Promise<ImportResult> {
    this.say(`Importing ${contacts} into campaign "${DEMO_CAMPAIGN}"…`);
    const settings = writeSettings(this.runDir, this.o);
    const args = [
      'produce',
      contacts,
      '--campaign',
      DEMO_CAMPAIGN,
      '--settings',
      settings,
      '--rejects',
      join(this.runDir, 'rejects.csv'),
      '--json',
    ];
    if (this.o.defaultCountry) args.push('--default-country', this.o.defaultCountry);
    const child = new DemoChild('produce', args, env, this.logDir, true);
    this.children.push(child);
    const info = await child.exited;
    const result = parseImportResult(child.stdout());
    if (info.code === 0 && result) return result;
    const reason = child
      .stderr()
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('dialer:'));
    throw new Error(`the import failed (${describeExit(info)})${reason ? `: ${reason}` : ''}; see ${child.logFile}`);
  }

  /** Shows progress until the campaign completes; fails on a crashed process or after the time-out. */
  private async watch(stack: DemoStack, startedAt: number): Promise<CampaignStatus> {
    const control = this.opened!.control;
    const deadline = Date.now() + this.o.timeoutMs;
    this.view = createProgressView(this.out, startedAt);
    try {
      for (;;) {
        const status = await this.step(control.campaignStatus(DEMO_CAMPAIGN));
        this.view.update(status);
        if (status.state === 'completed' || (status.state === 'cancelled' && status.live === 0)) return status;
        const crashed = stack.crashed();
        if (crashed)
          throw new Error(
            `${crashed.name} exited unexpectedly (${describeExit(crashed.exitInfo()!)}): see ${crashed.logFile}`,
          );
        if (Date.now() > deadline) {
          throw new Error(
            `the campaign did not finish within ${this.o.timeoutMs / 1000} s (${status.state}, ${status.terminal}/${status.contacts} ended): ` +
              `see the logs in ${this.logDir}`,
          );
        }
        await this.step(new Promise((r) => setTimeout(r, POLL_MS)));
      }
    } finally {
      this.view.stop();
      this.view = undefined;
    }
  }

  /** Writes the report (same code as `dialer report`), prints the summary, and cleans up keys if asked. */
  private async finish(status: CampaignStatus, imported: ImportResult, startedAt: number): Promise<void> {
    const { store } = this.opened!;
    const reportFile = join(this.runDir, 'report.csv');
    const reportRows = await writeReport(store, DEMO_CAMPAIGN, 'csv', reportFile);
    const counts = await countResults(store, DEMO_CAMPAIGN);
    this.out.write(
      summaryText({
        status,
        counts,
        imported,
        elapsedMs: Date.now() - startedAt,
        reportFile,
        reportRows,
        logDir: this.logDir,
      }),
    );
    if (this.o.clean) {
      const removed = await deleteKeys(store.redis, this.secrets.prefix);
      this.say(`Removed the demo's ${removed.toLocaleString('en-US')} Redis keys (prefix ${this.secrets.prefix}).`);
    } else this.say(keysText(this.redis!, this.secrets.prefix, this.o.keepRunning));
  }

  private boardText(): string {
    return `Bull Board:  ${this.boardUrl ?? '?'}   user: ${this.secrets.boardUser}   password: ${this.secrets.boardPassword}`;
  }

  private async untilInterrupted(): Promise<void> {
    this.say('');
    this.say('--keep-running: everything stays up until Ctrl-C.');
    this.say(this.boardText());
    if (this.interrupt.signal.aborted) return;
    await new Promise((r) => this.interrupt.signal.addEventListener('abort', r, { once: true }));
  }

  /** Waits for `work` unless Ctrl-C comes first (then throws {@link Interrupted}; the work is abandoned). */
  private step<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    const signal = this.interrupt.signal;
    if (signal.aborted) return Promise.reject(new Interrupted());
    return new Promise<T>((resolvePromise, reject) => {
      const onAbort = () => reject(new Interrupted());
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolvePromise(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  private onSignal(signal: NodeJS.Signals): void {
    const now = Date.now();
    if (!this.signal) {
      this.signal = signal;
      this.signalAt = now;
      this.view?.stop();
      this.view = undefined;
      this.say(`\n${signal}: stopping everything (press Ctrl-C again to kill at once)…`);
      this.interrupt.abort();
      return;
    }
    if (now - this.signalAt < SAME_SIGNAL_MS) return;
    this.say('Killing every demo process now.');
    this.killAll();
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  }

  /** Stops every child in order (SIGTERM, SIGKILL after a grace period), then a private redis-server. */
  private async shutdown(): Promise<void> {
    this.view?.stop();
    const running = this.children.filter((c) => !c.hasExited()).length;
    await this.opened?.close().catch(() => undefined);
    await stopInOrder(this.children);
    await this.redis?.stop();
    const redis = this.redis?.source === 'private' ? ' and the private redis-server' : '';
    if (running > 0 || redis) this.say(`Stopped ${running} demo processes${redis}.`);
    if (this.signal && this.redis)
      this.say(`Logs: ${this.logDir}; this run's Redis keys are under the prefix ${this.secrets.prefix}.`);
  }

  /** Last resort (a second Ctrl-C, or the process exiting): SIGKILL to everything the demo started. */
  private killAll(): void {
    for (const child of this.children) child.kill();
    this.redis?.kill();
  }
}
