// Loopback ports for processes a parent starts: a free one to hand out, and a wait until one accepts.
import type { ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { hasExited } from './stop-process.js';

/**
 * A port nothing listens on right now, from the OS (bind to port 0, read it, close). Another process may
 * take it before the caller binds it: callers that start a server on it retry once on a new one.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when a TCP connection to `host:port` is accepted within `timeoutMs`. */
export function acceptsConnections(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, host, () => finish(true));
  });
}

export interface WaitForPortOptions {
  host?: string;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  /** Pause between two tries. @defaultValue 25 */
  intervalMs?: number;
  /** The process that should listen there: once it has exited, waiting longer is pointless. */
  child?: ChildProcess;
  /**
   * What "ready" means when accepting a connection is not enough (a Redis loading its data accepts and
   * answers -LOADING): defaults to {@link acceptsConnections}.
   */
  probe?: (port: number, host: string) => Promise<boolean>;
}

/**
 * Polls until `port` is ready (see {@link WaitForPortOptions.probe}); true when it is, false when
 * `timeoutMs` passed or `child` exited first. Never throws: the caller knows what to say about it.
 */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<boolean> {
  const host = options.host ?? '127.0.0.1';
  const probe = options.probe ?? ((p: number, h: string) => acceptsConnections(p, h));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (options.child && hasExited(options.child)) return false;
    if (await probe(port, host)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}
