// The webhook port is on the internet: anyone can post forged or stale tokens. Each one is counted (by
// reason), but the log says so at most once per interval, with a count, never once per request.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { captureLogger, testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { buildIngester, type Ingester } from '@dialer/ingester';
import { listen, notifications, request, seedCampaign, spell, tokenFor, type Seeded } from './helpers.js';

const FORGED = 1000;

let ctx: TestContext;
let s: Seeded;
let forged: string[];
const body = spell.new(notifications.failed('sid-f', '486 Busy Here'));

beforeAll(async () => {
  ctx = testContext({ DEPLOYMENT_ID: 'deploy-a', INGESTER_METRICS_PORT: '0' });
  [s] = (await seedCampaign(ctx)) as [Seeded];
  // 600 signed with the wrong secret, 300 expired, 100 of another deployment.
  const bad = await tokenFor(ctx, s, 1, { secret: 'an-attacker-secret-that-is-long-enough-012345' });
  const expired = await tokenFor(ctx, s, 1, { nowMs: Date.now() - ctx.config.notify.tokenTtlMs - 60_000 });
  const foreign = await tokenFor(ctx, s, 1, { audience: 'deploy-b' });
  forged = Array.from({ length: FORGED }, (_, i) => (i % 10 < 6 ? bad : i % 10 < 9 ? expired : foreign));
});
afterAll(async () => ctx.close());

/** Posts every token, 50 at a time; returns the status codes. */
async function flood(base: string, tokens: string[]): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < tokens.length; i += 50) {
    const answers = await Promise.all(tokens.slice(i, i + 50).map((t) => request(base, 'POST', `/notify/${t}`, body)));
    codes.push(...answers.map((a) => a.statusCode));
  }
  return codes;
}

const refusedLines = (lines: string[]) =>
  lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => String(e.msg).startsWith('notify token refused'));

describe('refused notify tokens', () => {
  let ingester: Ingester;
  afterAll(async () => ingester?.close());

  it('1,000 forged requests: a counter of 1,000 and at most a couple of log lines', async () => {
    const capture = captureLogger('info');
    ingester = buildIngester({ config: ctx.config, logger: capture.logger, processor: false });
    const base = await listen(ingester.app);
    const metricsBase = await ingester.listenMetrics();

    const codes = await flood(base, forged);
    expect(codes.filter((c) => c === 401)).toHaveLength(FORGED);

    const metrics = (await request(metricsBase, 'GET', '/metrics')).body;
    const sample = (name: string, labels: string) =>
      Number(new RegExp(`${name}\\{${labels}\\} (\\d+)`).exec(metrics)?.[1]);
    expect(sample('dialer_ingester_notifications_total', 'result="unauthorized"')).toBe(FORGED);
    expect(sample('dialer_ingester_token_refused_total', 'reason="bad-signature"')).toBe(600);
    expect(sample('dialer_ingester_token_refused_total', 'reason="expired"')).toBe(300);
    expect(sample('dialer_ingester_token_refused_total', 'reason="wrong-audience"')).toBe(100);

    // Within the (default, one-minute) interval: the first refusal only, at once, with its reason.
    const during = refusedLines(capture.lines);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({ level: 40, reason: 'bad-signature' });

    // Closing says how many more came, by reason: two lines in all for 1,000 requests.
    await ingester.close();
    const all = refusedLines(capture.lines);
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({
      count: FORGED - 1,
      reasons: { 'bad-signature': 599, expired: 300, 'wrong-audience': 100 },
    });
    expect(capture.lines.join('\n')).not.toContain(forged[0]!.split('.')[2]);
  });

  it('a flood that goes on is summed up once per interval', async () => {
    const capture = captureLogger('info');
    ingester = buildIngester({
      config: ctx.config,
      logger: capture.logger,
      processor: false,
      refusedLogIntervalMs: 300,
    });
    const base = await listen(ingester.app);
    const started = Date.now();
    await flood(base, forged.slice(0, 200));
    await flood(base, forged.slice(200, 400));
    const elapsed = Date.now() - started;
    // The last window's summary comes when its interval ends.
    await waitUntil(
      async () => {
        const lines = refusedLines(capture.lines);
        return lines.length > 1 && lines.slice(1).reduce((n, l) => n + (l.count as number), 0) === 399;
      },
      10_000,
      'the summaries of the flood',
    );
    const lines = refusedLines(capture.lines);
    // One line at once, then at most one per 300 ms window while the flood lasted (plus the last one).
    expect(lines.length).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 300));
    await ingester.close();
    expect(refusedLines(capture.lines)).toHaveLength(lines.length);
  });
});
