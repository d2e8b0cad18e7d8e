// Stopping child processes the same way everywhere: SIGTERM for a graceful shutdown, SIGKILL when it takes
// too long, then wait until it is gone. A child spawned detached leads a process group of its own: signals
// go to the whole group, so nothing it started itself is left behind.
import type { ChildProcess } from 'node:child_process';

export interface StopOptions {
  /** How long the child may take after SIGTERM before SIGKILL (0: SIGKILL at once). @defaultValue 5000 */
  graceMs?: number;
  /** Signal its whole process group (the child was spawned with `detached: true`). @defaultValue false */
  group?: boolean;
  /**
   * How to ask it to stop: SIGTERM, or closing the IPC channel of a forked child that shuts down on
   * 'disconnect' (SIGTERM when it has none). @defaultValue 'signal'
   */
  via?: 'signal' | 'disconnect';
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once the child has exited (at once if it already has). */
export function processExited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Sends `signal` to the child (its process group with `group`); false when it is gone already. Synchronous,
 * so it also serves a process's 'exit' handler (the last-resort SIGKILL).
 */
export function signalProcess(child: ChildProcess, signal: NodeJS.Signals, group = false): boolean {
  if (hasExited(child) || child.pid === undefined) return false;
  if (group) {
    try {
      process.kill(-child.pid, signal);
      return true;
    } catch {
      // not a group leader after all (or gone): the child itself below
    }
  }
  try {
    return child.kill(signal);
  } catch {
    return false;
  }
}

/** SIGTERM (or see {@link StopOptions.via}), SIGKILL after `graceMs` if it is still running; resolves once it has exited. */
export async function stopProcess(child: ChildProcess, options: StopOptions = {}): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  const exited = processExited(child);
  const group = options.group ?? false;
  const graceMs = options.graceMs ?? 5000;
  if (graceMs <= 0) {
    signalProcess(child, 'SIGKILL', group);
    return exited;
  }
  if (options.via === 'disconnect' && child.connected) child.disconnect();
  else signalProcess(child, 'SIGTERM', group);
  const timer = setTimeout(() => signalProcess(child, 'SIGKILL', group), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
