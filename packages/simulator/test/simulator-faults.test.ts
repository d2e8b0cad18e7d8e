import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { parseNotification } from '@dialer/core';
import { NO_REPLY_STATUS } from '../src/index.js';
import { dial, dialBody, startReceiver, startSim, until, type Receiver } from './helpers.js';

describe('simulator faults', () => {
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver.close();
  });

  it('answers 429 (with Retry-After) and 5xx without placing calls or notifying', async () => {
    const sim = await startSim({ rate429: 1, retryAfterSeconds: 7 });
    try {
      const limited = await dial(sim, dialBody('tel:+15550000010', receiver.url));
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('7');
      sim.state.updateConfig({ rate429: 0, rate5xx: 1 });
      for (let i = 0; i < 5; i++) {
        const failed = await dial(sim, dialBody('tel:+15550000010', receiver.url));
        expect([502, 503, 504]).toContain(failed.statusCode);
      }
      const stats = sim.state.stats();
      expect(stats.placed).toBe(0);
      expect(stats.dialouts).toBe(6);
      expect(sim.state.dialouts().items.every((r) => r.sid === undefined && r.outcome === undefined)).toBe(true);
      expect(sim.state.dialouts().items[0]!.request?.target).toBe('tel:+15550000010');
      expect(stats.notifications.sent).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('delivers the final notification before the HTTP reply when notifyBeforeReply', async () => {
    const sim = await startSim({ notifyBeforeReply: 1, notifyDelayMs: 5000, outcomes: 'busy=1' });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await dial(sim, dialBody(`tel:+1555000002${i}`, receiver.url));
        receiver.events.push(`reply:${String(response.body['sid'])}`);
        const sid = String(response.body['sid']);
        expect(receiver.events.indexOf(`notify:${sid}`)).toBeGreaterThanOrEqual(0);
        expect(receiver.events.indexOf(`notify:${sid}`)).toBeLessThan(receiver.events.indexOf(`reply:${sid}`));
      }
    } finally {
      await sim.close();
    }
  });

  it('sends the final notification twice when duplicateRate is 1', async () => {
    const sim = await startSim({ duplicateRate: 1, outcomes: 'unavailable=1', spelling: 'old' });
    try {
      const sid = (await dial(sim, dialBody('tel:+15550000030', receiver.url))).body['sid'];
      const copies = await until(() => {
        const mine = receiver.bodies.filter((b) => b['conversationId'] === sid);
        return mine.length === 2 ? mine : undefined;
      }, 'two copies');
      expect(copies[0]).toEqual(copies[1]);
      const parsed = parseNotification(copies[0]);
      expect(parsed.ok && parsed.value.reason).toBe('480 Temporarily Unavailable');
      expect(sim.state.notifications().items.map((n) => n.kind)).toEqual(['final', 'duplicate']);
    } finally {
      await sim.close();
    }
  });

  it('places and notifies a hanging call but withholds the reply until the client gives up', async () => {
    const sim = await startSim({ hangRate: 1, hangMs: 60_000, outcomes: 'human=1' });
    try {
      await expect(dial(sim, dialBody('tel:+15550000040', receiver.url), { timeoutMs: 300 })).rejects.toThrow(
        /timeout/i,
      );
      const record = await until(() => sim.state.dialouts().items.find((r) => r.status !== 0), 'reply decided');
      expect(record.status).toBe(NO_REPLY_STATUS);
      expect(record.sid).toBeDefined();
      await until(
        () => receiver.bodies.find((b) => b['conversationId'] === record.sid),
        'notification of the hung call',
      );
      expect(sim.state.stats().placed).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it('sends a withheld reply once hangMs has passed', async () => {
    const sim = await startSim({ hangRate: 1, hangMs: 50 });
    try {
      const response = await dial(sim, dialBody('tel:+15550000041'));
      expect(response.statusCode).toBe(200);
      expect(sim.state.dialouts().items[0]!.status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('closes promptly while a reply is withheld', async () => {
    const sim = await startSim({ hangRate: 1, hangMs: 60_000 });
    const pending = dial(sim, dialBody('tel:+15550000042')).catch((error: Error) => error);
    await until(() => sim.state.dialouts().items[0]?.sid, 'call placed');
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('delays replies by slowMs', async () => {
    const sim = await startSim({ slowMs: 150 });
    try {
      const started = Date.now();
      expect((await dial(sim, dialBody('tel:+15550000050'))).statusCode).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await sim.close();
    }
  });

  it('answers 404 for another bot when botId is configured', async () => {
    const sim = await startSim({ botId: 'st-other-bot' });
    try {
      expect((await dial(sim, dialBody('tel:+15550000060'))).statusCode).toBe(404);
    } finally {
      await sim.close();
    }
  });

  it('records receiver failures and keeps counting past recordLimit', async () => {
    const failing = await startReceiver(500);
    const sim = await startSim({ recordLimit: 2, outcomes: 'busy=1' });
    try {
      for (let i = 0; i < 3; i++) await dial(sim, dialBody('tel:+15550000070', failing.url));
      await dial(sim, dialBody('tel:+15550000071', 'http://127.0.0.1:1/notify'));
      await until(
        () => sim.state.stats().notifications.inFlight === 0 && sim.state.stats().notifications.sent === 4,
        'deliveries',
      );
      const stats = sim.state.stats();
      expect(stats.dialouts).toBe(4);
      expect(stats.notifications.byReceiverStatus).toEqual({ '500': 3, error: 1 });
      expect(sim.state.dialouts().items.map((r) => r.seq)).toEqual([3, 4]);
      expect(sim.state.dialouts().dropped).toBe(2);
      expect(sim.state.notifications().items.at(-1)).toMatchObject({
        receiverStatus: undefined,
        error: 'ECONNREFUSED',
      });
    } finally {
      await sim.close();
      await failing.close();
    }
  });
});
