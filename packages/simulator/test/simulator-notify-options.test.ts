// What the current dial-out request asks of the notifications (notifyHeaders, timeoutInMs), jambonz's final
// statuses and unknown interim ones. Real HTTP: a real simulator notifying a real receiver.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { classifyNotification, parseNotification, type Outcome } from '@dialer/core';
import { dial, dialBody, startReceiver, startSim, until, type Receiver } from './helpers.js';

let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
});

/** The notifications of one call once `count` arrived, with the headers each came with. */
async function notificationsOf(sid: unknown, count: number, timeoutMs = 5000) {
  return until(
    () => {
      const mine = receiver.bodies.flatMap((body, i) =>
        body['conversationId'] === sid ? [{ body, headers: receiver.headers[i]! }] : [],
      );
      return mine.length >= count ? mine : undefined;
    },
    `${count} notifications of ${String(sid)}`,
    timeoutMs,
  );
}

function outcomeOf(body: Record<string, unknown>): Outcome | 'interim' {
  const parsed = parseNotification(body);
  if (!parsed.ok) throw new Error(parsed.error);
  const c = classifyNotification(parsed.value);
  return c.terminal ? c.outcome : 'interim';
}

describe('notifyHeaders', () => {
  it('sends them with every notification of the call (interim, final, duplicate) and records them', async () => {
    const sim = await startSim({
      outcomes: 'human=1',
      interimEvents: true,
      interimStatus: 'queued',
      duplicateRate: 1,
      spelling: 'new',
    });
    try {
      const notifyHeaders = { 'X-Campaign': 'c-42', 'x-attempt': 'k/1', Authorization: 'Bearer abc' };
      const response = await dial(
        sim,
        dialBody('tel:+15550004000', receiver.url, { machineDetection: 'detect', notifyHeaders }),
      );
      expect(response.statusCode).toBe(200);
      const sid = response.body['sid'];
      const got = await notificationsOf(sid, 4);
      expect(got.map((n) => n.body['status'])).toEqual(['queued', 'Call-In-Progress', 'completed', 'completed']);
      for (const n of got)
        expect(n.headers).toMatchObject({ 'x-campaign': 'c-42', 'x-attempt': 'k/1', authorization: 'Bearer abc' });
      const records = await until(() => {
        const mine = sim.state.notifications().items.filter((r) => r.sid === sid && r.doneAt !== undefined);
        return mine.length === 4 ? mine : undefined;
      }, 'four notification records');
      expect(records.map((r) => r.kind)).toEqual(['interim', 'interim', 'final', 'duplicate']);
      for (const r of records) expect(r.headers).toEqual(notifyHeaders);
      expect(sim.state.dialouts().items[0]!.request?.notifyHeaders).toEqual(notifyHeaders);
    } finally {
      await sim.close();
    }
  });

  it('refuses bad header sets with 400 naming the field, without placing a call', async () => {
    const sim = await startSim({ outcomes: 'human=1' });
    try {
      const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v']));
      const bad: Record<string, unknown>[] = [
        { 'bad name': 'x' },
        { 'x-ok': 'line\r\nInjected: yes' },
        { 'Content-Type': 'text/plain' },
        { 'x-a': '1', 'X-A': '2' },
        { 'x-n': 5 },
        many,
        {
          'x-big': 'v'.repeat(1024),
          'x-big2': 'v'.repeat(1024),
          'x-big3': 'v'.repeat(1024),
          'x-big4': 'v'.repeat(1024),
        },
      ];
      for (const notifyHeaders of bad) {
        const response = await dial(sim, dialBody('tel:+15550004001', receiver.url, { notifyHeaders }));
        expect(response.statusCode).toBe(400);
        expect(response.body['error']).toMatch(/^notifyHeaders\b/);
      }
      expect(sim.state.stats().placed).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

describe('timeoutInMs', () => {
  it('ends an unanswered call when the ringing time is up, even if the notify delay is longer', async () => {
    const sim = await startSim({ outcomes: 'no-answer=1', notifyDelayMs: 120_000, spelling: 'old' });
    try {
      const response = await dial(sim, dialBody('tel:+15550004100', receiver.url, { timeoutInMs: 50 }));
      const [final] = await notificationsOf(response.body['sid'], 1);
      expect(outcomeOf(final!.body)).toBe('no-answer');
    } finally {
      await sim.close();
    }
  });

  it('with ringTimeouts, a call rings out when timeoutInMs is below the pickup time', async () => {
    const sim = await startSim({ outcomes: 'human=1', ringTimeouts: true, pickupMs: 5000, statusStyle: 'jambonz' });
    try {
      const short = await dial(sim, dialBody('tel:+15550004101', receiver.url, { timeoutInMs: 4999 }));
      const long = await dial(sim, dialBody('tel:+15550004102', receiver.url, { timeoutInMs: 5000 }));
      const none = await dial(sim, dialBody('tel:+15550004103', receiver.url));
      const [rangOut] = await notificationsOf(short.body['sid'], 1);
      expect(rangOut!.body).toMatchObject({ status: 'no-answer', reason: '487 Request Terminated' });
      expect(outcomeOf(rangOut!.body)).toBe('no-answer');
      expect(outcomeOf((await notificationsOf(long.body['sid'], 1))[0]!.body)).toBe('answered-human');
      expect(outcomeOf((await notificationsOf(none.body['sid'], 1))[0]!.body)).toBe('answered-human');
      expect(sim.state.dialouts().items.map((r) => r.outcome)).toEqual(['no-answer', 'human', 'human']);
    } finally {
      await sim.close();
    }
  });
});

describe('statusStyle and unknown statuses', () => {
  const SCRIPT = ['busy', 'no-answer', 'unavailable', 'failed-503', 'human'] as const;

  it("'jambonz' sends busy, no-answer, failed and completed; 'savg' only completed and failed", async () => {
    const sim = await startSim({ statusStyle: 'jambonz', spelling: 'new' });
    try {
      const results: Record<string, unknown>[][] = [];
      for (const style of ['jambonz', 'savg'] as const) {
        sim.state.updateConfig({ statusStyle: style, scripts: { 'tel:+15550004200': [...SCRIPT] } });
        const bodies: Record<string, unknown>[] = [];
        for (let i = 0; i < SCRIPT.length; i++) {
          const response = await dial(sim, dialBody('tel:+15550004200', receiver.url));
          bodies.push((await notificationsOf(response.body['sid'], 1))[0]!.body);
        }
        results.push(bodies);
        expect(bodies.map(outcomeOf)).toEqual(['busy', 'no-answer', 'unavailable', 'failed', 'answered-human']);
      }
      expect(results[0]!.map((b) => [b['status'], b['reason']])).toEqual([
        ['busy', '486 Busy Here'],
        ['no-answer', '487 Request Terminated'],
        ['failed', '480 Temporarily Unavailable'],
        ['failed', '503 Service Unavailable'],
        ['completed', '200 OK'],
      ]);
      expect(results[1]!.map((b) => b['status'])).toEqual(['failed', 'failed', 'failed', 'failed', 'completed']);
    } finally {
      await sim.close();
    }
  });

  it("'mixed' picks per call", async () => {
    const sim = await startSim({ statusStyle: 'mixed', outcomes: 'busy=1', seed: 7 });
    try {
      const sids: unknown[] = [];
      for (let i = 0; i < 30; i++) sids.push((await dial(sim, dialBody('tel:+15550004300', receiver.url))).body['sid']);
      const statuses = new Set<unknown>();
      for (const sid of sids) statuses.add((await notificationsOf(sid, 1))[0]!.body['status']);
      expect([...statuses].sort()).toEqual(['busy', 'failed']);
    } finally {
      await sim.close();
    }
  });

  it('sends an unknown interim status before the final one when interimStatus is set', async () => {
    const sim = await startSim({ outcomes: 'busy=1', interimStatus: 'queued', spelling: 'old' });
    try {
      const response = await dial(sim, dialBody('tel:+15550004400', receiver.url));
      const got = await notificationsOf(response.body['sid'], 2);
      expect(got.map((n) => n.body['status'])).toEqual(['queued', 'failed']);
      expect(got.map((n) => outcomeOf(n.body))).toEqual(['interim', 'busy']);
      sim.state.updateConfig({ interimStatus: null });
      const plain = await dial(sim, dialBody('tel:+15550004401', receiver.url));
      await notificationsOf(plain.body['sid'], 1);
      expect(sim.state.notifications().items.filter((r) => r.sid === plain.body['sid'])).toHaveLength(1);
      expect(() => sim.state.updateConfig({ interimStatus: 'two words' })).toThrow(/interimStatus/);
    } finally {
      await sim.close();
    }
  });

  it('finds a script whether the target carries the + or not', async () => {
    const sim = await startSim({ outcomes: 'human=1', scripts: { '+14155550100': 'busy,unavailable' } });
    try {
      await dial(sim, dialBody('tel:14155550100'));
      await dial(sim, dialBody('tel:+14155550100'));
      await dial(sim, dialBody('tel:+14155550199'));
      expect(sim.state.dialouts().items.map((r) => [r.status, r.outcome])).toEqual([
        [200, 'busy'],
        [200, 'unavailable'],
        [200, 'human'],
      ]);
    } finally {
      await sim.close();
    }
  });
});
