// Shared fixtures of the ingester tests: a seeded campaign, tokens, notification payloads.
import http from 'node:http';
import { Queue } from 'bullmq';
import {
  CampaignStore,
  Limits,
  NOTIFY_QUEUE,
  attemptKey,
  toNewSpelling,
  toOldSpelling,
  type CampaignSettingsInput,
  type ContactRecord,
  type DialJobData,
  type SavgNotification,
} from '@dialer/core';
import type { NotifyJobData } from '@dialer/ingester';
import { createCampaignWithContacts, testNumbers, type SeededContact } from '@dialer/test-utils';
import { notifyToken, type TestContext } from '@dialer/test-utils';

export interface Seeded extends SeededContact {
  campaignId: string;
}

/** A fresh campaign with one contact per number (distinct ids per call so tests never share records), no jobs. */
export async function seedCampaign(
  ctx: TestContext,
  settings: CampaignSettingsInput = {},
  count = 1,
): Promise<Seeded[]> {
  const store = new CampaignStore(ctx.redis, ctx.keys);
  const { campaignId, contacts } = await createCampaignWithContacts(
    store,
    ctx.config,
    { caller: '+15550001111', trunk: 'T1', ...settings },
    testNumbers(count),
  );
  return contacts.map((c) => ({ campaignId, ...c }));
}

/**
 * Plays the worker's part for attempt n: begin (state d, deadline), take the live-call slot, and unless
 * `stored: false` store the dial-out response (state i) the way the worker does after a 2xx.
 */
export async function dialAttempt(
  ctx: TestContext,
  s: Seeded,
  attempt = 1,
  opts: { stored?: boolean; deadline?: number; sid?: string } = {},
): Promise<{ sid: string }> {
  const store = new CampaignStore(ctx.redis, ctx.keys);
  const limits = new Limits(ctx.redis, ctx.keys);
  const begun = await store.attempts.begin(
    { campaignId: s.campaignId, contactId: s.contactId, attempt: attempt },
    { deadline: opts.deadline ?? Date.now() + ctx.config.lostAfterMs },
  );
  if (begun.kind !== 'begun') throw new Error(`begin answered ${begun.kind}`);
  await holdLiveSlot(limits, s, attempt);
  const sid = opts.sid ?? `sid-${s.contactId}-${attempt}`;
  if (opts.stored !== false)
    await store.attempts.dialed(
      { campaignId: s.campaignId, contactId: s.contactId, attempt: attempt },
      { sid: sid, callId: `call-${sid}` },
    );
  return { sid };
}

/** Takes the attempt's live-call slot the way the worker's admission does (caps and rate out of the way). */
export async function holdLiveSlot(limits: Limits, s: Seeded, attempt = 1): Promise<void> {
  const admitted = await limits.admit({
    member: attemptKey(s.campaignId, s.contactId, attempt),
    scope: { campaignId: s.campaignId, trunk: 'T1' },
    limits: { global: 1e6, campaign: 1e6, trunk: 1e6 },
    leaseMs: 600_000,
    globalRate: 1e6,
  });
  if (admitted.kind !== 'admitted') throw new Error(`live slot refused (${admitted.kind})`);
}

export async function tokenFor(
  ctx: TestContext,
  s: Seeded,
  attempt = 1,
  overrides: { secret?: string; audience?: string; nowMs?: number } = {},
): Promise<string> {
  return notifyToken(
    { campaignId: s.campaignId, contactId: s.contactId, attempt },
    {
      secret: overrides.secret ?? (ctx.config.notify.tokenSecret as string),
      audience: overrides.audience ?? ctx.config.deploymentId,
      ttlMs: ctx.config.notify.tokenTtlMs,
    },
    overrides.nowMs,
  );
}

const NOW_ISO = () => new Date().toISOString();

/** Normalized notifications of the kinds SAVG sends. */
export const notifications = {
  failed: (sid: string, reason: string): SavgNotification => ({
    conversationId: sid,
    status: 'failed',
    reason,
    reasonCode: reason.replace(/^\d+\s*/, ''),
    machineDetection: 'detect',
    callConnectTime: NOW_ISO(),
    callDisconnectTime: NOW_ISO(),
  }),
  answered: (sid: string, amd: string, seconds = 42): SavgNotification => ({
    conversationId: sid,
    status: 'completed',
    reason: '200 OK',
    reasonCode: 'caller-disconnected',
    machineDetection: amd,
    callConnectTime: new Date(Date.now() - seconds * 1000).toISOString(),
    callDisconnectTime: NOW_ISO(),
    durationSeconds: seconds,
    sessionId: `session-${sid}`,
  }),
  interim: (sid: string, amd: string): SavgNotification => ({
    conversationId: sid,
    status: 'call-in-progress',
    machineDetection: amd,
    callConnectTime: NOW_ISO(),
  }),
};

export const spell = { old: toOldSpelling, new: toNewSpelling };

export async function contact(ctx: TestContext, s: Seeded): Promise<ContactRecord> {
  const rec = await new CampaignStore(ctx.redis, ctx.keys).getContact(s.campaignId, s.contactId);
  if (!rec) throw new Error('contact missing');
  return rec;
}

/** The campaign's dial queue (read-only use: jobs and their delays). */
export function dialQueue(ctx: TestContext, campaignId: string): Queue<DialJobData> {
  return new Queue<DialJobData>(campaignId, {
    connection: ctx.redis,
    prefix: ctx.keys.campaignQueuePrefix(campaignId),
  });
}

export function notifyQueue(ctx: TestContext): Queue<NotifyJobData> {
  return new Queue<NotifyJobData>(NOTIFY_QUEUE, { connection: ctx.redis, prefix: ctx.keys.notifyQueuePrefix() });
}

export async function liveCount(ctx: TestContext, campaignId: string): Promise<number> {
  return new Limits(ctx.redis, ctx.keys).liveCount({ campaignId });
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * A real HTTP request on loopback (app.inject cannot run under Jest's ESM VM: light-my-request requires an
 * ESM-only module). `headers` replace the default JSON content-type; pass `{}` to send none at all.
 */
export function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' },
): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(payload !== undefined ? { 'content-length': String(Buffer.byteLength(payload)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: () => JSON.parse(text) as unknown,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Listens on 127.0.0.1:0 and returns the origin. */
export async function listen(app: { listen(opts: { host: string; port: number }): Promise<string> }): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}
