/**
 * Timers a piece of code leaves behind. A ref'd timer still pending after a test file's teardown keeps Jest's
 * worker alive past its 500 ms grace ("A worker process has failed to exit gracefully"), e.g. ioredis's 2 s
 * disconnect timer, armed by disconnect() on a connection that has already ended.
 */
import { createHook } from 'node:async_hooks';
import { waitUntil } from './fixtures.js';

interface Created {
  timer: NodeJS.Timeout;
  stack: string;
}

/**
 * Runs `fn` and returns, one line each (with where it was created), the ref'd timers it created that are still
 * pending `settleMs` later (timers that end sooner, a retry tick or a zero delay, do not count).
 */
export async function refTimersLeftBy(fn: () => Promise<unknown>, settleMs = 300): Promise<string[]> {
  const created = new Map<number, Created>();
  let recording = true;
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (recording && type === 'Timeout')
        created.set(asyncId, { timer: resource as NodeJS.Timeout, stack: new Error().stack ?? '' });
    },
    destroy(asyncId) {
      created.delete(asyncId);
    },
  });
  hook.enable();
  try {
    await fn();
  } finally {
    recording = false;
  }
  const left = () => [...created.values()].filter((c) => c.timer.hasRef());
  try {
    await waitUntil(() => left().length === 0, settleMs, 'timers to end');
  } catch {
    // reported below
  } finally {
    hook.disable();
  }
  // The frame that set the timer, and the first one of our own code under it.
  const where = (stack: string) => {
    const frames = stack
      .split('\n')
      .slice(2)
      .filter((line) => !/node:(internal|timers)/.test(line))
      .map((l) => l.trim());
    return [...new Set([frames[0], frames.find((f) => !f.includes('node_modules'))])].filter(Boolean).join(' < ');
  };
  return left().map((c) => where(c.stack));
}
