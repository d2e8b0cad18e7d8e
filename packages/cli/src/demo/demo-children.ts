// Child processes of the demo: real `dialer <command>` processes whose output goes to log files (never to the
// demo's console), with readiness taken from their JSON log lines and a stop that escalates SIGTERM → SIGKILL.
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { describeExit, spawnDialer, type DialerProcess, type ExitInfo } from '../spawn-dialer.js';

export type LogEntry = Record<string, unknown>;

interface LogWaiter {
  match: (entry: LogEntry) => boolean;
  resolve: (entry: LogEntry) => void;
}

/** A `dialer` sub-command running as a child process of the demo. */
export class DemoChild {
  readonly logFile: string;
  readonly exited: Promise<ExitInfo>;
  private readonly process: DialerProcess;
  private exit: ExitInfo | undefined;
  private readonly log: WriteStream;
  private readonly waiters = new Set<LogWaiter>();
  private partial = '';

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    logDir: string,
    capture = false,
  ) {
    this.logFile = join(logDir, `${name}.log`);
    this.log = createWriteStream(this.logFile, { flags: 'a' });
    // Own process group (detached): a Ctrl-C on the terminal reaches the demo only, which then stops the
    // children in order (workers before the ingester before the simulator) instead of all at once.
    this.process = spawnDialer(args, {
      env,
      detached: true,
      keep: capture ? Infinity : 0,
      onStdout: (chunk) => this.onStdout(chunk),
      onStderr: (chunk) => this.log.write(chunk),
    });
    this.exited = this.process.exited.then((info) => {
      this.exit = info;
      this.log.end();
      return info;
    });
  }

  get pid(): number {
    return this.process.child.pid ?? 0;
  }

  hasExited(): boolean {
    return this.exit !== undefined;
  }

  exitInfo(): ExitInfo | undefined {
    return this.exit;
  }

  /** Everything the child wrote to stdout / stderr (only when started with `capture`). */
  stdout(): string {
    return this.process.stdout();
  }

  stderr(): string {
    return this.process.stderr();
  }

  private onStdout(chunk: Buffer): void {
    this.log.write(chunk);
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) return;
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      return;
    }
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(entry)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(entry);
    }
  }

  /**
   * Resolves with the first JSON log line whose `msg` is `message`; rejects when the child exits first or
   * `timeoutMs` passes (the error names the log file to read).
   */
  waitForLog(message: string, timeoutMs: number): Promise<LogEntry> {
    return new Promise((resolve, reject) => {
      const waiter: LogWaiter = {
        match: (entry) => entry.msg === message,
        resolve: (entry) => {
          clearTimeout(timer);
          resolve(entry);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `${this.name} did not log "${message}" within ${Math.round(timeoutMs / 1000)} s: see ${this.logFile}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
      void this.exited.then((info) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${describeExit(info)}) before it was ready: see ${this.logFile}`));
      });
    });
  }

  /** SIGTERM (a graceful shutdown), then SIGKILL after `graceMs`, to its whole process group. */
  async stop(graceMs: number): Promise<void> {
    if (this.hasExited()) return;
    await this.process.stop(graceMs);
    await this.exited;
  }

  /** SIGKILL to the child's process group, at once (a second Ctrl-C, or the demo itself exiting). */
  kill(): void {
    if (!this.hasExited()) this.process.signal('SIGKILL');
  }
}

/** Polls `url` until it answers 200 or `timeoutMs` passes. */
export async function waitForHealthy(url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`${what} is not healthy at ${url} after ${Math.round(timeoutMs / 1000)} s (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
