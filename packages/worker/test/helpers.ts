// Shared fixtures of the worker tests: campaigns with queued jobs, a tiny notification receiver that plays
// the ingester's part (end the attempt, release its live slot), a worker factory, record analysis.
import Fastify, { type FastifyInstance } from 'fastify';
import {
  CampaignQueues,
  CampaignStore,
  Limits,
  attemptKey,
  classifyNotification,
  createLogger,
  loadConfig,
  parseNotification,
  type AttemptRef,
  type CampaignSettingsInput,
  type DialerConfig,
  type Logger,
} from '@dialer/core';
import { readNotifyToken, testContext, type TestContext } from '@dialer/test-utils';
import { createCampaignWithContacts, testNumbers, type SeededContact } from '@dialer/test-utils';
import type { DialoutRecord } from '@dialer/simulator';
import { buildWorker, type WorkerDeps, type WorkerService } from '@dialer/worker';

/** A calling window open all day, every day. */
export const ANY_HOUR = { start: '00:00', end: '24:00' } as const;

/** Distinct valid-looking E.164 numbers per call. */
export const numbers = testNumbers;

/** Creates a campaign with one contact per number and the job of each contact's first attempt. */
export async function seedCampaign(
  ctx: { config: DialerConfig; store: CampaignStore; queues: CampaignQueues },
  settings: CampaignSettingsInput,
  nums: string[],
  extra: (i: number) => { nm?: string; md?: Record<string, string> } = () => ({}),
): Promise<{ campaignId: string; contacts: SeededContact[] }> {
  // Dial at any hour unless a test is about calling windows (the default window is 08:00–21:00 local).
  const seeded = await createCampaignWithContacts(
    ctx.store,
    ctx.config,
    { window: ANY_HOUR, ...settings },
    nums,
    extra,
  );
  for (const c of seeded.contacts) await ctx.queues.addAttempt(seeded.campaignId, c.contactId, 1);
  return seeded;
}

/** The ingester's part, minimal: verify the token, end the attempt on a final status, give its slot back. */
export interface NotifyReceiver {
  url: string;
  received: { ref: AttemptRef; status: string }[];
  close(): Promise<void>;
}

export async function startNotifyReceiver(
  ctx: TestContext,
  store: CampaignStore,
  limits: Limits,
): Promise<NotifyReceiver> {
  // Notify tokens are longer than Fastify's default 100-character path parameter limit. Closing drops every
  // connection: one busy with a notification at close would otherwise be kept open for the 72 s keep-alive.
  const app: FastifyInstance = Fastify({ logger: false, maxParamLength: 2048, forceCloseConnections: true });
  const received: NotifyReceiver['received'] = [];
  const tokenOpts = {
    secret: ctx.config.notify.tokenSecret as string,
    audience: ctx.config.deploymentId,
    ttlMs: ctx.config.notify.tokenTtlMs,
  };
  app.post('/notify/:token', async (request, reply) => {
    const ref = readNotifyToken((request.params as { token: string }).token, tokenOpts);
    const parsed = parseNotification(request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    received.push({ ref, status: parsed.value.status });
    const c = classifyNotification(parsed.value);
    if (!c.terminal) return reply.send({ ok: true });
    await store.attempts.end({
      campaignId: ref.campaignId,
      contactId: ref.contactId,
      attempt: ref.attempt,
      from: 'call',
      outcome: c.outcome,
      fields: { cv: parsed.value.conversationId },
    });
    const settings = (await store.getCampaign(ref.campaignId))?.settings;
    await limits.releaseLive(attemptKey(ref.campaignId, ref.contactId, ref.attempt), {
      campaignId: ref.campaignId,
      trunk: settings?.trunk,
    });
    return reply.send({ ok: true });
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, received, close: () => app.close() };
}

/** A test's world: config (unique key prefix), store, limits, queues, and a receiver at NOTIFY_BASE_URL. */
export interface World {
  ctx: TestContext;
  config: DialerConfig;
  store: CampaignStore;
  limits: Limits;
  queues: CampaignQueues;
  receiver: NotifyReceiver;
  workers: WorkerService[];
  close(): Promise<void>;
}

export async function createWorld(env: Record<string, string> = {}): Promise<World> {
  const ctx = testContext(env);
  const store = new CampaignStore(ctx.redis, ctx.keys);
  const limits = new Limits(ctx.redis, ctx.keys);
  const queues = new CampaignQueues(ctx.redis, ctx.keys);
  const receiver = await startNotifyReceiver(ctx, store, limits);
  const config = loadConfig({ ...ctx.env, NOTIFY_BASE_URL: receiver.url, ...env });
  ctx.env.NOTIFY_BASE_URL = receiver.url;
  const world: World = {
    ctx,
    config,
    store,
    limits,
    queues,
    receiver,
    workers: [],
    async close() {
      await Promise.all(world.workers.map((w) => w.close()));
      await receiver.close();
      await queues.close();
      await ctx.close();
    },
  };
  return world;
}

/** Starts an in-process worker against `savgBaseUrl`; closed by `world.close()`. */
export async function startWorker(
  world: World,
  savgBaseUrl: string,
  deps: Partial<WorkerDeps> = {},
  env: Record<string, string> = {},
): Promise<WorkerService> {
  const config = Object.keys(env).length > 0 ? loadConfig({ ...world.ctx.env, ...env }) : world.config;
  const worker = buildWorker({
    config,
    logger: silentLogger(),
    savgBaseUrl,
    rescanIntervalMs: 200,
    lockDurationMs: 2000,
    metricsServer: false,
    defaultMetrics: false,
    ...deps,
  });
  world.workers.push(worker);
  await worker.start();
  return worker;
}

export function silentLogger(): Logger {
  return createLogger({ level: 'silent' });
}

/** The attempt a dial-out record was for, from its notify token. */
export async function attemptOf(config: DialerConfig, record: DialoutRecord): Promise<AttemptRef | undefined> {
  const url = record.request?.notifyurl;
  if (!url) return undefined;
  const token = url.slice(url.lastIndexOf('/') + 1);
  return readNotifyToken(token, {
    secret: config.notify.tokenSecret as string,
    audience: config.deploymentId,
    ttlMs: config.notify.tokenTtlMs,
  });
}

/** The most dial-outs in any sliding window of `windowMs` (timestamps in ms). */
export function maxInSlidingWindow(times: number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Contacts of a campaign by state code. */
export async function contactStates(store: CampaignStore, campaignId: string): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for await (const [id, rec] of store.contacts(campaignId)) states.set(id, rec.s);
  return states;
}

export async function allTerminal(store: CampaignStore, campaignId: string): Promise<boolean> {
  return [...(await contactStates(store, campaignId)).values()].every((s) => s === 't');
}
