// Spawns `dialer worker` as a real process (the built CLI: run `pnpm build` first) and waits until it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = `${REPO_ROOT}packages/cli/dist/main.js`;

export interface WorkerProcess {
  child: ChildProcess;
  /** `http://host:port` of its /metrics, from its start-up log line. */
  metricsAddress: string;
  /** Log lines so far (JSON). */
  lines: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Dial-outs this process sent, from its /metrics. */
  dialouts(): Promise<number>;
  /** Sum of a counter's samples whose labels contain `match` (e.g. `result="dialed"`), from its /metrics. */
  counter(name: string, match?: string): Promise<number>;
}

export async function spawnWorker(env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<WorkerProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm build\` before the process tests`);
  const child = spawn(process.execPath, [MAIN, 'worker'], {
    cwd: REPO_ROOT,
    // Info level: the start-up line carries the metrics address (the lines are kept, not printed).
    env: { ...process.env, WORKER_METRICS_PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  // Always drain the pipes: a full pipe would block the worker's (synchronous) log writes.
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = lines
      .map((l) => JSON.parse(l) as { msg?: string; metrics?: string })
      .find((l) => l.msg === 'worker ready');
    if (ready?.metrics) {
      const metricsAddress = ready.metrics;
      return {
        child,
        metricsAddress,
        lines,
        exited,
        dialouts: () => counter(metricsAddress, 'dialer_worker_dialouts_total'),
        counter: (name, match) => counter(metricsAddress, name, match),
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker process did not start: ${stderr || lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function counter(address: string, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`${address}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(match))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
