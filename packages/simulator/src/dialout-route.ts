/**
 * `POST /api/1.1/public/bot/:botId/smartassist/dialout` and its V2 twin `…/:botId/V2/smartassist/dialout`
 * (the bot named in the body's `botId` too) — the hot path. Checks in the gateway's order (auth, bot, body),
 * then the bot's quotas, then the configured faults, then places the call and schedules its notifications.
 */
import { randomUUID } from 'node:crypto';
import { describeZodError, dialoutRequestSchema, type DialoutRequest } from '@dialer/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CachedJwtVerifier } from './jwt-cache.js';
import type { Notifier, NotifiedCall } from './notifier.js';
import type { SimulatorConfig } from './options.js';
import { ANSWERED_OUTCOMES, type SimOutcome } from './outcomes.js';
import { QUOTA_BODY, QUOTA_MESSAGE } from './quotas.js';
import { chance, pickInRange, sleep, type Rng } from './random.js';
import type { DialoutRecord } from './records.js';
import type { SimulatorState } from './state.js';

export const DIALOUT_ROUTE = '/api/1.1/public/bot/:botId/smartassist/dialout';
export const DIALOUT_ROUTE_V2 = '/api/1.1/public/bot/:botId/V2/smartassist/dialout';

/** Which endpoint a route URL is, or undefined for any other route. */
export function dialoutApiVersion(routeUrl: string | undefined): 'v1' | 'v2' | undefined {
  return routeUrl === DIALOUT_ROUTE ? 'v1' : routeUrl === DIALOUT_ROUTE_V2 ? 'v2' : undefined;
}

/** HTTP status recorded when no reply was ever sent (nginx's "client closed request"). */
export const NO_REPLY_STATUS = 499;

export interface DialoutContext {
  state: SimulatorState;
  notifier: Notifier;
  verifier: CachedJwtVerifier;
  rng: Rng;
  botId: string | undefined;
  /** The clock of the quota windows. */
  now: () => number;
  /** Releases withheld replies at shutdown so closing never waits for `hangMs`. */
  hangs: Set<() => void>;
  /** The record of each request in the handler, so the error handler can finish it. */
  inHandler: WeakMap<FastifyRequest, DialoutRecord>;
}

type DialoutRequestT = FastifyRequest<{ Params: { botId: string } }>;

export function registerDialoutRoute(app: FastifyInstance, ctx: DialoutContext): void {
  app.post(DIALOUT_ROUTE, (request, reply) => handleDialout(ctx, 'v1', request as DialoutRequestT, reply));
  app.post(DIALOUT_ROUTE_V2, (request, reply) => handleDialout(ctx, 'v2', request as DialoutRequestT, reply));
}

async function handleDialout(
  ctx: DialoutContext,
  version: 'v1' | 'v2',
  request: DialoutRequestT,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const record = ctx.state.beginDialout(request.params.botId, Date.now(), version);
  ctx.inHandler.set(request, record);
  // One request sees one config, even if it is changed while the request waits.
  const config = ctx.state.config;
  try {
    record.claims = await ctx.verifier.verify(request.headers['auth']);
  } catch (error) {
    return refuse(ctx, config, reply, record, 401, (error as Error).message);
  }
  // V1 knows its bot from the path; V2 only once the body is read (it must name the same one).
  if (version === 'v1' && ctx.botId !== undefined && record.botId !== ctx.botId)
    return refuse(ctx, config, reply, record, 404, 'unknown bot');
  const parsed = dialoutRequestSchema.safeParse(request.body);
  if (!parsed.success) return refuse(ctx, config, reply, record, 400, describeZodError(parsed.error));
  if (version === 'v2') {
    const bodyBot = parsed.data.botId;
    if (bodyBot === undefined) return refuse(ctx, config, reply, record, 400, 'botId: is required by the V2 dial-out');
    if (bodyBot !== record.botId)
      return refuse(ctx, config, reply, record, 400, 'botId: does not match the bot in the path');
    if (ctx.botId !== undefined && bodyBot !== ctx.botId) return refuse(ctx, config, reply, record, 404, 'unknown bot');
  }
  record.request = parsed.data;
  if (!ctx.state.admitQuota(record.botId, config.quotas, ctx.now())) {
    if (config.retryAfterSeconds !== null) reply.header('retry-after', String(config.retryAfterSeconds));
    return answer(ctx, config, reply, record, 429, QUOTA_BODY, QUOTA_MESSAGE);
  }
  if (chance(config.rate429, ctx.rng)) {
    if (config.retryAfterSeconds !== null) reply.header('retry-after', String(config.retryAfterSeconds));
    return refuse(ctx, config, reply, record, 429, 'rate limit exceeded');
  }
  if (chance(config.rate5xx, ctx.rng)) {
    const status = [502, 503, 504][Math.floor(ctx.rng() * 3)]!;
    return refuse(ctx, config, reply, record, status, 'service temporarily unavailable');
  }
  if (chance(config.proxyErrorRate, ctx.rng)) return proxyError(ctx, config, reply, record, parsed.data);
  return place(ctx, config, reply, record, parsed.data);
}

/**
 * A proxy or load balancer in front of the gateway answers 502/504 with its own HTML page. Whether the request
 * had already reached the gateway is invisible to the client: sometimes it had (the call is placed and notified
 * like any other), sometimes not. The record tells which (`sid` set when placed).
 */
async function proxyError(
  ctx: DialoutContext,
  config: SimulatorConfig,
  reply: FastifyReply,
  record: DialoutRecord,
  body: DialoutRequest,
): Promise<FastifyReply> {
  const status = ctx.rng() < 0.5 ? 502 : 504;
  const text = status === 502 ? 'Bad Gateway' : 'Gateway Time-out';
  if (chance(config.proxyPlacedRate, ctx.rng)) {
    const sid = compactUuid();
    const outcome = pickOutcome(ctx, config, body);
    ctx.state.markPlaced(record, sid, compactUuid(), outcome);
    await notify(ctx, config, sid, outcome, body);
  }
  if (config.slowMs.max > 0) await sleep(pickInRange(config.slowMs, ctx.rng));
  ctx.state.finishDialout(record, status, `proxy: ${text}`);
  const page = `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return reply.code(status).type('text/html').send(page);
}

/**
 * randomUUID() returns a rope of ~20 small strings (~490 bytes); reading a character makes V8 flatten it
 * in place (~66 bytes). Records keep millions of these, so flatten before storing.
 */
function compactUuid(): string {
  const uuid = randomUUID();
  uuid.charCodeAt(0);
  return uuid;
}

async function place(
  ctx: DialoutContext,
  config: SimulatorConfig,
  reply: FastifyReply,
  record: DialoutRecord,
  body: DialoutRequest,
): Promise<FastifyReply> {
  const sid = compactUuid();
  const callId = compactUuid();
  const outcome = pickOutcome(ctx, config, body);
  ctx.state.markPlaced(record, sid, callId, outcome);
  await notify(ctx, config, sid, outcome, body);
  if (chance(config.hangRate, ctx.rng)) {
    const end = await withhold(ctx, reply, config.hangMs);
    if (end !== 'timeout') return abandon(ctx, reply, record);
  }
  return answer(ctx, config, reply, record, 200, `{"sid":"${sid}","callId":"${callId}"}`);
}

/**
 * The call's outcome: scripted or weighted, except that with `ringTimeouts` a call the callee would pick up
 * rings out (no-answer) when the request's `timeoutInMs` ends before the pickup time.
 */
function pickOutcome(ctx: DialoutContext, config: SimulatorConfig, body: DialoutRequest): SimOutcome {
  const outcome = ctx.state.nextOutcome(body.target, ctx.rng);
  if (!config.ringTimeouts || body.timeoutInMs === undefined || !ANSWERED_OUTCOMES.has(outcome)) return outcome;
  return body.timeoutInMs < pickInRange(config.pickupMs, ctx.rng) ? 'no-answer' : outcome;
}

async function notify(
  ctx: DialoutContext,
  config: SimulatorConfig,
  sid: string,
  outcome: SimOutcome,
  body: DialoutRequest,
): Promise<void> {
  if (body.notifyurl === undefined || outcome === 'silent') return;
  const early = chance(config.notifyBeforeReply, ctx.rng);
  const spelling = config.spelling === 'mixed' ? (ctx.rng() < 0.5 ? 'old' : 'new') : config.spelling;
  const statusStyle = config.statusStyle === 'mixed' ? (ctx.rng() < 0.5 ? 'savg' : 'jambonz') : config.statusStyle;
  const call: NotifiedCall = {
    sid,
    outcome,
    mode: body.machineDetection,
    sessionId: spelling === 'new' ? compactUuid() : undefined,
    statusStyle,
    interimStatus: config.interimStatus !== null && !early ? config.interimStatus : undefined,
    url: body.notifyurl,
    spelling,
    interim: config.interimEvents && !early,
    duplicate: chance(config.duplicateRate, ctx.rng),
    headers: body.notifyHeaders,
  };
  if (early) return ctx.notifier.sendNow(call);
  const delay = pickInRange(config.notifyDelayMs, ctx.rng);
  // A call nobody answers ends when the gateway stops ringing, if that comes first.
  const ringFor = outcome === 'no-answer' ? body.timeoutInMs : undefined;
  ctx.notifier.schedule(call, ringFor === undefined ? delay : Math.min(delay, ringFor));
}

type HangEnd = 'timeout' | 'gone' | 'closing';

/** Holds the reply back until `ms` pass, the client leaves, or the simulator shuts down. */
function withhold(ctx: DialoutContext, reply: FastifyReply, ms: number): Promise<HangEnd> {
  const raw = reply.raw;
  if (raw.destroyed || raw.socket?.destroyed) return Promise.resolve('gone');
  return new Promise((resolve) => {
    const end = (how: HangEnd) => {
      clearTimeout(timer);
      raw.off('close', onClose);
      ctx.hangs.delete(onShutdown);
      resolve(how);
    };
    const onClose = () => end('gone');
    const onShutdown = () => end('closing');
    const timer = setTimeout(() => end('timeout'), ms);
    raw.once('close', onClose);
    ctx.hangs.add(onShutdown);
  });
}

function abandon(ctx: DialoutContext, reply: FastifyReply, record: DialoutRecord): FastifyReply {
  ctx.state.finishDialout(record, NO_REPLY_STATUS);
  reply.hijack();
  reply.raw.destroy();
  return reply;
}

function refuse(
  ctx: DialoutContext,
  config: SimulatorConfig,
  reply: FastifyReply,
  record: DialoutRecord,
  status: number,
  error: string,
): Promise<FastifyReply> {
  return answer(ctx, config, reply, record, status, { error }, error);
}

async function answer(
  ctx: DialoutContext,
  config: SimulatorConfig,
  reply: FastifyReply,
  record: DialoutRecord,
  status: number,
  body: string | { error: string },
  error?: string,
): Promise<FastifyReply> {
  if (config.slowMs.max > 0) await sleep(pickInRange(config.slowMs, ctx.rng));
  ctx.state.finishDialout(record, status, error);
  return reply.code(status).type('application/json').send(body);
}
