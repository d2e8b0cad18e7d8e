import type { ChildProcess } from 'node:child_process';
import { runDialer, spawnDialer, type ExitInfo } from '@dialer/cli';

/** Its functions are closures (no `this`): they can be passed around on their own. */
export interface CliProcess {
  child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** Resolves once `pattern` appears in stdout or stderr. */
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  kill: (signal?: NodeJS.Signals) => void;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code (or signal name) once it has ended. */
  stop: (graceMs?: number) => Promise<number | string>;
}

const codeOf = (info: ExitInfo): number | string => info.code ?? info.signal ?? -1;

/** Only PATH of the test process's environment: a test states every variable the CLI sees. */
const cliEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, ...env });

/** Starts `dialer <args>` (the built CLI: `pnpm build` first) as a real child process with the given environment. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const p = spawnDialer(args, { env: cliEnv(env) });
  return {
    child: p.child,
    stdout: p.stdout,
    stderr: p.stderr,
    exited: p.exited.then(codeOf),
    waitForOutput: p.waitForOutput,
    kill: (signal = 'SIGTERM') => void p.signal(signal),
    stop: async (graceMs) => codeOf(await p.stop(graceMs)),
  };
}

/** Runs `dialer <args>` to completion (SIGKILL after `timeoutMs`). */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const { exit, stdout, stderr } = await runDialer(args, { env: cliEnv(env), timeoutMs });
  return { code: codeOf(exit), stdout, stderr };
}
