// `dialer <args>` as a child process, the one way the demo, the tests and the bench start it: node running
// this package's built main, an environment of the caller's choosing, output captured, a graceful stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hasExited, signalProcess, stopProcess } from '@dialer/core/process';

/**
 * The built `dialer` entry point. `../dist/main.js` from this module's own URL is the same file whether it
 * runs built (dist/) or as a source under Jest (src/), so no caller needs a path into this package.
 */
export const CLI_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Longer than the CLI's default SHUTDOWN_TIMEOUT_MS (30 s), so a stop never cuts a clean shutdown short. */
const DEFAULT_STOP_GRACE_MS = 35_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnDialerOptions {
  /** The child's whole environment: nothing of the parent's is passed on that is not in it. */
  env: NodeJS.ProcessEnv;
  /** Node's own flags, before the CLI's main (e.g. `--import` of a hook). */
  nodeArgs?: string[];
  /**
   * A process group of its own: a Ctrl-C on the terminal reaches the parent only (which then stops its
   * children in its own order), and stop() / signal() reach everything the child started.
   */
  detached?: boolean;
  /** How many characters of each stream stdout() / stderr() keep (the latest). @defaultValue Infinity */
  keep?: number;
  /** Each chunk as it arrives (e.g. to a log file), whatever `keep` says. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

/** Its functions are closures (no `this`): they can be passed around on their own. */
export interface DialerProcess {
  child: ChildProcess;
  /** What it wrote so far (the last `keep` characters). */
  stdout: () => string;
  stderr: () => string;
  /** Resolves once it has ended and all its output has been read; a failure to start is code 127. */
  exited: Promise<ExitInfo>;
  hasExited: () => boolean;
  /** The first match of `pattern` in stdout or stderr; rejects after `timeoutMs` or when it exits first. */
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  /**
   * SIGTERM, SIGKILL after `graceMs`, then resolves once it has ended (its group when detached). The default
   * grace outlasts the CLI's own default SHUTDOWN_TIMEOUT_MS (30 s).
   */
  stop: (graceMs?: number) => Promise<ExitInfo>;
  /** Sends `signal` at once (to its group when detached); false when it is gone. */
  signal: (signal: NodeJS.Signals) => boolean;
}

export function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `exit code ${info.code ?? '?'}`;
}

/** Starts `dialer <args>`. */
export function spawnDialer(args: string[], options: SpawnDialerOptions): DialerProcess {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} missing: run \`pnpm build\` first`);
  const keep = options.keep ?? Infinity;
  const group = options.detached ?? false;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI_MAIN, ...args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  let out = '';
  let err = '';
  let exit: ExitInfo | undefined;
  const listeners = new Set<() => void>();
  // Trimmed only once twice `keep` has built up, so a chatty child costs no copy per chunk.
  const append = (text: string, chunk: Buffer) => {
    if (keep <= 0) return text;
    const next = text + chunk.toString('utf8');
    return next.length > 2 * keep ? next.slice(-keep) : next;
  };
  const latest = (text: string) => (text.length > keep ? text.slice(-keep) : text);
  child.stdout?.on('data', (chunk: Buffer) => {
    out = append(out, chunk);
    options.onStdout?.(chunk);
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err = append(err, chunk);
    options.onStderr?.(chunk);
    for (const l of listeners) l();
  });
  const exited = new Promise<ExitInfo>((resolve) => {
    const done = (info: ExitInfo) => {
      if (exit) return;
      exit = info;
      resolve(info);
    };
    // 'close', not 'exit': by then everything the child wrote has been read (e.g. a JSON summary).
    child.once('close', (code, signal) => done({ code, signal }));
    child.once('error', (e) => {
      const chunk = Buffer.from(`failed to start: ${e.message}\n`);
      err = append(err, chunk);
      options.onStderr?.(chunk);
      done({ code: 127, signal: null });
    });
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      const check = () => {
        const m = (out + err).match(pattern);
        if (!m) return;
        cleanup();
        resolve(m);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out waiting for ${pattern} in the output of dialer ${args[0] ?? ''}:\n${latest(out)}\n${latest(err)}`,
          ),
        );
      }, timeoutMs);
      listeners.add(check);
      check();
      void exited.then(() => {
        if (!listeners.has(check)) return;
        check();
        if (!listeners.has(check)) return;
        cleanup();
        reject(new Error(`dialer ${args[0] ?? ''} exited before ${pattern} appeared:\n${latest(out)}\n${latest(err)}`));
      });
    });

  return {
    child,
    stdout: () => latest(out),
    stderr: () => latest(err),
    exited,
    hasExited: () => exit !== undefined || hasExited(child),
    waitForOutput,
    stop: async (graceMs = DEFAULT_STOP_GRACE_MS) => {
      await stopProcess(child, { graceMs, group });
      return exited;
    },
    signal: (signal) => signalProcess(child, signal, group),
  };
}

/** Runs `dialer <args>` to its end (SIGKILL after `timeoutMs`); resolves with its exit and all its output. */
export async function runDialer(
  args: string[],
  options: SpawnDialerOptions & { timeoutMs?: number },
): Promise<{ exit: ExitInfo; stdout: string; stderr: string }> {
  const p = spawnDialer(args, options);
  const timer = setTimeout(() => p.signal('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    const exit = await p.exited;
    return { exit, stdout: p.stdout(), stderr: p.stderr() };
  } finally {
    clearTimeout(timer);
  }
}
