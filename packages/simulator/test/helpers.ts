// Shared by the simulator's tests: a real simulator, a real notification receiver, a real HTTP client.
import { SavgAuthToken } from '@dialer/core';
import Fastify from 'fastify';
import got, { type Response } from 'got';
import { createSimulator, type Simulator, type SimulatorOptions } from '../src/index.js';

export const CREDS = { clientId: 'cs-sim-test', clientSecret: 'sim-test-secret-0123456789abcdef' };
export const BOT = 'st-test-bot';

export interface RunningSimulator extends Simulator {
  url: string;
  dialoutUrl: string;
  close(): Promise<void>;
}

export async function startSim(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  const sim = createSimulator({ ...CREDS, notifyDelayMs: 0, logLevel: 'silent', ...options });
  await sim.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = sim.app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    ...sim,
    url,
    dialoutUrl: `${url}/api/1.1/public/bot/${BOT}/smartassist/dialout`,
    close: () => sim.app.close(),
  };
}

const auth = new SavgAuthToken(CREDS);

export async function dial(
  sim: RunningSimulator,
  body: unknown,
  options: { token?: string | null; timeoutMs?: number; url?: string } = {},
): Promise<Response<Record<string, unknown>>> {
  const token = options.token === undefined ? await auth.get() : options.token;
  return got.post(options.url ?? sim.dialoutUrl, {
    json: body,
    headers: token === null ? {} : { auth: token },
    throwHttpErrors: false,
    retry: { limit: 0 },
    responseType: 'json',
    ...(options.timeoutMs ? { timeout: { request: options.timeoutMs } } : {}),
  });
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  return got(url, { retry: { limit: 0 } }).json<T>();
}

/** Polls `check` until truthy or the deadline passes (no fixed sleeps). */
export async function until<T>(check: () => T, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface Receiver {
  url: string;
  bodies: Array<Record<string, unknown>>;
  /** The request headers of each notification, in the order of `bodies`. */
  headers: Array<Record<string, string | string[] | undefined>>;
  /** Ordered markers shared with the test (e.g. to see a notification arrive before a reply). */
  events: string[];
  close(): Promise<void>;
}

/** A real notification receiver on 127.0.0.1:0. */
export async function startReceiver(status = 200): Promise<Receiver> {
  const app = Fastify();
  const bodies: Array<Record<string, unknown>> = [];
  const headers: Array<Record<string, string | string[] | undefined>> = [];
  const events: string[] = [];
  app.post('/notify', async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    bodies.push(body);
    headers.push(request.headers);
    events.push(`notify:${String(body['conversationId'])}`);
    return reply.code(status).send({ ok: true });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/notify`, bodies, headers, events, close: () => app.close() };
}

export function dialBody(
  target: string,
  notifyurl?: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { target, caller: '+15550009999', ...(notifyurl ? { notifyurl } : {}), ...extra };
}
