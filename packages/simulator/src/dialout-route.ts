/**
 * `POST /api/1.1/public/bot/:botId/smartassist/dialout` — the hot path. Checks in the gateway's order
 * (auth, bot, body), then the configured faults, then places the call and schedules its notifications.
 */
import { randomUUID } from 'node:crypto';
import { describeZodError, dialoutRequestSchema, type DialoutRequest } from '@dialer/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CachedJwtVerifier } from './jwt-cache.js';
import type { Notifier, NotifiedCall } from './notifier.js';
import type { SimulatorConfig } from './options.js';
import type { SimOutcome } from './outcomes.js';
import { chance, pickInRange, sleep, type Rng } from './random.js';
import type { DialoutRecord } from './records.js';
import type { SimulatorState } from './state.js';

export const DIALOUT_ROUTE = '/api/1.1/public/bot/:botId/smartassist/dialout';

/** HTTP status recorded when no reply was ever sent (nginx's "client closed request"). */
export const NO_REPLY_STATUS = 499;

export interface DialoutContext {
  state: SimulatorState;
  notifier: Notifier;
  verifier: CachedJwtVerifier;
  rng: Rng;
  botId: string | undefined;
  /** Releases withheld replies at shutdown so closing never waits for `hangMs`. */
  hangs: Set<() => void>;
  /** The record of each request in the handler, so the error handler can finish it. */
  inHandler: WeakMap<FastifyRequest, DialoutRecord>;
}

type DialoutRequestT = FastifyRequest<{ Params: { botId: string } }>;

export function registerDialoutRoute(app: FastifyInstance, ctx: DialoutContext): void {
  app.post(DIALOUT_ROUTE, (request, reply) => handleDialout(ctx, request as DialoutRequestT, reply));
}

async function handleDialout(
  ctx: DialoutContext,
  request: DialoutRequestT,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const record = ctx.state.beginDialout(request.params.botId, Date.now());
  ctx.inHandler.set(request, record);
  // One request sees one config, even if it is changed while the request waits.
  const config = ctx.state.config;
  try {
    record.claims = await ctx.verifier.verify(request.headers['auth']);
  } catch (error) {
    return refuse(ctx, config, reply, record, 401, (error as Error).message);
  }
  if (ctx.botId !== undefined && record.botId !== ctx.botId)
    return refuse(ctx, config, reply, record, 404, 'unknown bot');
  const parsed = dialoutRequestSchema.safeParse(request.body);
  if (!parsed.success) return refuse(ctx, config, reply, record, 400, describeZodError(parsed.error));
  record.request = parsed.data;
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
    const outcome = ctx.state.nextOutcome(body.target, ctx.rng);
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
  const outcome = ctx.state.nextOutcome(body.target, ctx.rng);
  ctx.state.markPlaced(record, sid, callId, outcome);
  await notify(ctx, config, sid, outcome, body);
  if (chance(config.hangRate, ctx.rng)) {
    const end = await withhold(ctx, reply, config.hangMs);
    if (end !== 'timeout') return abandon(ctx, reply, record);
  }
  return answer(ctx, config, reply, record, 200, `{"sid":"${sid}","callId":"${callId}"}`);
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
  const call: NotifiedCall = {
    sid,
    outcome,
    mode: body.machineDetection,
    sessionId: spelling === 'new' ? compactUuid() : undefined,
    url: body.notifyurl,
    spelling,
    interim: config.interimEvents && !early,
    duplicate: chance(config.duplicateRate, ctx.rng),
  };
  if (early) await ctx.notifier.sendNow(call);
  else ctx.notifier.schedule(call, pickInRange(config.notifyDelayMs, ctx.rng));
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
