// Child processes of the demo: real `dialer <command>` processes whose output goes to log files (never to the
// demo's console), with readiness taken from their JSON log lines and a stop that escalates SIGTERM → SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built `dialer` entry point this module belongs to (dist/demo/… → dist/main.js). */
export const DIALER_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

export type LogEntry = Record<string, unknown>;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface LogWaiter {
  match: (entry: LogEntry) => boolean;
  resolve: (entry: LogEntry) => void;
}

/** A `dialer` sub-command running as a child process of the demo. */
export class DemoChild {
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<ExitInfo>;
  private exit: ExitInfo | undefined;
  private readonly log: WriteStream;
  private readonly waiters = new Set<LogWaiter>();
  private partial = '';
  private captured = '';
  private capturedErr = '';

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    logDir: string,
    private readonly capture = false,
  ) {
    this.logFile = join(logDir, `${name}.log`);
    this.log = createWriteStream(this.logFile, { flags: 'a' });
    // Own process group (detached): a Ctrl-C on the terminal reaches the demo only, which then stops the
    // children in order (workers before the ingester before the simulator) instead of all at once.
    this.child = spawn(process.execPath, [DIALER_MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.log.write(chunk);
      if (this.capture) this.capturedErr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.exit) return;
        this.exit = info;
        this.log.end();
        resolve(info);
      };
      // 'close', not 'exit': by then everything the child wrote has been read (the import's JSON summary).
      this.child.once('close', (code, signal) => done({ code, signal }));
      this.child.once('error', (err) => {
        this.log.write(`failed to start: ${err.message}\n`);
        done({ code: 127, signal: null });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  hasExited(): boolean {
    return this.exit !== undefined;
  }

  exitInfo(): ExitInfo | undefined {
    return this.exit;
  }

  /** Everything the child wrote to stdout / stderr (only when started with `capture`). */
  stdout(): string {
    return this.captured;
  }

  stderr(): string {
    return this.capturedErr;
  }

  private onStdout(chunk: Buffer): void {
    this.log.write(chunk);
    const text = chunk.toString('utf8');
    if (this.capture) this.captured += text;
    const lines = (this.partial + text).split('\n');
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
      let timer: NodeJS.Timeout | undefined;
      const waiter: LogWaiter = {
        match: (entry) => entry.msg === message,
        resolve: (entry) => {
          clearTimeout(timer);
          resolve(entry);
        },
      };
      this.waiters.add(waiter);
      timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.name} did not log "${message}" within ${Math.round(timeoutMs / 1000)} s: see ${this.logFile}`));
      }, timeoutMs);
      void this.exited.then((info) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${describeExit(info)}) before it was ready: see ${this.logFile}`));
      });
    });
  }

  /** SIGTERM (a graceful shutdown), then SIGKILL to its whole process group after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.hasExited()) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL to the child's process group, at once (a second Ctrl-C, or the demo itself exiting). */
  kill(): void {
    if (this.hasExited() || !this.child.pid) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.signal('SIGKILL');
    }
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `exit code ${info.code ?? '?'}`;
}

/** Polls `url` until it answers 200 or `timeoutMs` passes. */
export async function waitForHealthy(url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`${what} is not healthy at ${url} after ${Math.round(timeoutMs / 1000)} s (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
