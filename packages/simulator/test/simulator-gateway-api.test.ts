// The gateway's current API as the simulator serves it: per-bot rate limits (429 with the vendor's body) and
// the V2 dial-out endpoint that names the bot in the body. Real HTTP against a real simulator.
import { describe, it, expect } from '@jest/globals';
import got from 'got';
import { QUOTA_MESSAGE, type SimulatorConfig } from '../src/index.js';
import { BOT, dial, dialBody, startSim, type RunningSimulator } from './helpers.js';

const QUOTA_BODY = { errors: [{ msg: 'Rate limit for this API has been reached. Please try again later', code: 429 }] };

async function dialMany(sim: RunningSimulator, count: number, url?: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++)
    statuses.push((await dial(sim, dialBody(`tel:+1555000${String(1000 + i)}`), url ? { url } : {})).statusCode);
  return statuses;
}

function v1Url(sim: RunningSimulator, bot: string): string {
  return `${sim.url}/api/1.1/public/bot/${bot}/smartassist/dialout`;
}

function v2Url(sim: RunningSimulator, bot: string = BOT): string {
  return `${sim.url}/api/1.1/public/bot/${bot}/V2/smartassist/dialout`;
}

describe('quotas', () => {
  it('refuses the 31st dial-out of a bot within 10 s under 30/10s, and lets it in once the window rolled', async () => {
    let clock = 1_700_000_000_000;
    const sim = await startSim({ quotas: '30/10s', outcomes: 'human=1', now: () => clock });
    try {
      expect(await dialMany(sim, 30)).toEqual(Array(30).fill(200));
      clock += 5_000;
      const refused = await dial(sim, dialBody('tel:+15550002000'));
      expect(refused.statusCode).toBe(429);
      expect(refused.body).toEqual(QUOTA_BODY);
      expect(refused.headers['retry-after']).toBeUndefined();
      // Another bot has quotas of its own.
      expect(await dialMany(sim, 3, v1Url(sim, 'st-other-bot'))).toEqual([200, 200, 200]);
      // Refused requests are not counted: the window still ends 10 s after the first 30.
      clock += 4_999;
      expect((await dial(sim, dialBody('tel:+15550002001'))).statusCode).toBe(429);
      clock += 1;
      expect(await dialMany(sim, 30)).toEqual(Array(30).fill(200));
      expect((await dial(sim, dialBody('tel:+15550002002'))).statusCode).toBe(429);

      const refusals = sim.state.dialouts().items.filter((r) => r.status === 429);
      expect(refusals).toHaveLength(3);
      for (const r of refusals) expect(r).toMatchObject({ botId: BOT, error: QUOTA_MESSAGE, sid: undefined });
      expect(sim.state.stats()).toMatchObject({ placed: 63, refusedByQuota: 3, byHttpStatus: { 200: 63, 429: 3 } });
    } finally {
      await sim.close();
    }
  });

  it('rolls with the real clock too', async () => {
    const sim = await startSim({ quotas: '2/1s', outcomes: 'human=1', retryAfterSeconds: 1 });
    try {
      expect(await dialMany(sim, 2)).toEqual([200, 200]);
      let last = await dial(sim, dialBody('tel:+15550003000'));
      expect(last.statusCode).toBe(429);
      expect(last.headers['retry-after']).toBe('1');
      const deadline = Date.now() + 10_000;
      while (last.statusCode === 429 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        last = await dial(sim, dialBody('tel:+15550003000'));
      }
      expect(last.statusCode).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('is off by default, changes at runtime over PUT /__sim/config, and names a bad value', async () => {
    const sim = await startSim({ outcomes: 'human=1' });
    const config = (body: unknown) =>
      got.put(`${sim.url}/__sim/config`, { json: body, throwHttpErrors: false, retry: { limit: 0 } });
    try {
      expect(sim.state.config.quotas).toEqual([]);
      expect(await dialMany(sim, 5)).toEqual(Array(5).fill(200));
      const set = await config({ quotas: '600/60s,18000/3600s,1/1h' });
      expect(set.statusCode).toBe(200);
      expect((JSON.parse(set.body) as SimulatorConfig).quotas).toEqual([
        { limit: 600, windowMs: 60_000 },
        { limit: 18_000, windowMs: 3_600_000 },
        { limit: 1, windowMs: 3_600_000 },
      ]);
      expect(await dialMany(sim, 2)).toEqual([200, 429]);
      expect((await config({ quotas: 'off' })).statusCode).toBe(200);
      expect(await dialMany(sim, 2)).toEqual([200, 200]);
      const bad = await config({ quotas: '600/60x' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toMatch(/quotas/);
      expect((await config({ quotas: [{ limit: 0, windowMs: 1000 }] })).statusCode).toBe(400);
    } finally {
      await sim.close();
    }
  });
});

describe('V2 dial-out endpoint', () => {
  it('places a call for the bot named in the body and records which endpoint was used', async () => {
    const sim = await startSim({ outcomes: 'human=1' });
    try {
      const v2 = await dial(sim, dialBody('tel:14155550100', undefined, { botId: BOT }), { url: v2Url(sim) });
      expect(v2.statusCode).toBe(200);
      const v1 = await dial(sim, dialBody('tel:+14155550100'));
      expect(v1.statusCode).toBe(200);
      const [first, second] = sim.state.dialouts().items;
      expect(first).toMatchObject({ apiVersion: 'v2', botId: BOT, status: 200, sid: v2.body['sid'] });
      expect(first!.request).toMatchObject({ botId: BOT, target: 'tel:14155550100' });
      expect(second).toMatchObject({ apiVersion: 'v1', botId: BOT, status: 200 });
    } finally {
      await sim.close();
    }
  });

  it('answers 400 when the body lacks botId or names another bot than the path, 404 for an unknown bot', async () => {
    const sim = await startSim({ outcomes: 'human=1', botId: BOT });
    try {
      const missing = await dial(sim, dialBody('tel:+14155550100'), { url: v2Url(sim) });
      expect(missing.statusCode).toBe(400);
      expect(missing.body['error']).toMatch(/^botId\b/);
      const other = await dial(sim, dialBody('tel:+14155550100', undefined, { botId: 'st-other' }), {
        url: v2Url(sim),
      });
      expect(other.statusCode).toBe(400);
      expect(other.body['error']).toMatch(/^botId: does not match/);
      const unknown = await dial(sim, dialBody('tel:+14155550100', undefined, { botId: 'st-other' }), {
        url: v2Url(sim, 'st-other'),
      });
      expect(unknown.statusCode).toBe(404);
      const malformed = await got.post(v2Url(sim), {
        body: '{"target":',
        headers: { 'content-type': 'application/json' },
        throwHttpErrors: false,
        retry: { limit: 0 },
      });
      expect(malformed.statusCode).toBe(400);
      const records = sim.state.dialouts().items;
      expect(records.map((r) => [r.apiVersion, r.status, r.sid])).toEqual([
        ['v2', 400, undefined],
        ['v2', 400, undefined],
        ['v2', 404, undefined],
        ['v2', 400, undefined],
      ]);
      expect(sim.state.stats().placed).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('counts V1 and V2 dial-outs of a bot against the same quotas', async () => {
    let clock = 1_700_000_000_000;
    const sim = await startSim({ quotas: '2/1m', outcomes: 'human=1', now: () => clock });
    try {
      expect((await dial(sim, dialBody('tel:+14155550100'))).statusCode).toBe(200);
      const body = dialBody('tel:+14155550100', undefined, { botId: BOT });
      expect((await dial(sim, body, { url: v2Url(sim) })).statusCode).toBe(200);
      const refused = await dial(sim, body, { url: v2Url(sim) });
      expect(refused.statusCode).toBe(429);
      expect(refused.body).toEqual(QUOTA_BODY);
      clock += 60_000;
      expect((await dial(sim, body, { url: v2Url(sim) })).statusCode).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
