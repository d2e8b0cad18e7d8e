// Starts the demo's processes in dependency order — simulator, ingester and board together, then the
// workers (which need both URLs) — and stops them in the reverse order: workers finish their in-flight
// dial-outs before the ingester stops, and the ingester stores what it accepted before the simulator goes.
// Every process binds 127.0.0.1 on port 0; its URL comes from its own "listening" log line.
import { DemoChild, waitForHealthy, type LogEntry } from './demo-children.js';

/** How long one process may take to become ready (the board loads a large UI bundle). */
const READY_TIMEOUT_MS = 45_000;
/** How long one process may take to stop after SIGTERM before it is killed (its SHUTDOWN_TIMEOUT_MS is 5 s). */
const STOP_GRACE_MS = 8_000;

export interface RunningProcess {
  name: string;
  pid: number;
  url: string;
  logFile: string;
}

export interface DemoStack {
  simUrl: string;
  ingesterUrl: string;
  boardUrl: string;
  processes: RunningProcess[];
  /** The first long-running process that exited (none should before the demo stops them). */
  crashed(): DemoChild | undefined;
}

export interface StackOptions {
  env: NodeJS.ProcessEnv;
  logDir: string;
  workers: number;
  /** Called as soon as a child is spawned, so an interrupted start-up can still stop it. */
  track(child: DemoChild): void;
}

function addressOf(entry: LogEntry, field: string, name: string): string {
  const value = entry[field];
  if (typeof value !== 'string' || !/^https?:\/\//.test(value)) throw new Error(`${name} logged no address (${field})`);
  return value;
}

/** Spawns `dialer <command>` and resolves once its ready line is logged and its /healthz answers 200. */
async function startOne(
  o: StackOptions,
  name: string,
  args: string[],
  ready: string,
  field: string,
  health = '/healthz',
): Promise<{ child: DemoChild; url: string }> {
  const child = new DemoChild(name, args, o.env, o.logDir);
  o.track(child);
  const entry = await child.waitForLog(ready, READY_TIMEOUT_MS);
  const url = addressOf(entry, field, name);
  await waitForHealthy(`${url}${health}`, READY_TIMEOUT_MS, name);
  return { child, url };
}

export async function startStack(o: StackOptions): Promise<DemoStack> {
  const [sim, ingester, board] = await Promise.all([
    startOne(o, 'sim', ['sim'], 'SAVG simulator listening', 'address'),
    startOne(o, 'ingester', ['ingester'], 'ingester started', 'address'),
    startOne(o, 'board', ['board'], 'board listening', 'address'),
  ]);
  const workerEnv = { ...o.env, SAVG_BASE_URL: sim.url, NOTIFY_BASE_URL: ingester.url };
  const workers = await Promise.all(
    Array.from({ length: o.workers }, (_, i) =>
      startOne({ ...o, env: workerEnv }, `worker-${i + 1}`, ['worker'], 'worker ready', 'metrics'),
    ),
  );
  const all = [sim, ingester, board, ...workers];
  return {
    simUrl: sim.url,
    ingesterUrl: ingester.url,
    boardUrl: `${board.url}/`,
    processes: all.map(({ child, url }) => ({ name: child.name, pid: child.pid, url, logFile: child.logFile })),
    crashed: () => all.find(({ child }) => child.hasExited())?.child,
  };
}

/**
 * Stops children in dependency order, each with SIGTERM then SIGKILL after a grace period: an import first,
 * then the workers, then the ingester and board, the simulator last. Works on a half-started stack too.
 */
export async function stopInOrder(children: DemoChild[]): Promise<void> {
  const rank = (c: DemoChild) =>
    c.name.startsWith('produce') ? 0 : c.name.startsWith('worker') ? 1 : c.name === 'sim' ? 3 : 2;
  for (const stage of [0, 1, 2, 3])
    await Promise.all(children.filter((c) => rank(c) === stage).map((c) => c.stop(STOP_GRACE_MS)));
}

/** Gives the simulator its per-number outcome scripts (`PUT /__sim/config`). */
export async function scriptSimulator(simUrl: string, scripts: Record<string, string>): Promise<void> {
  const res = await fetch(`${simUrl}/__sim/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scripts }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the simulator refused the outcome scripts: HTTP ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}
