// The results webhook end to end (real `dialer produce`, `worker`, `ingester` and `results redeliver` processes, the
// SAVG simulator, a receiver on 127.0.0.1): each finished contact (and, with `attempts`, each ended attempt) is
// POSTed once per delivery id, signed with the campaign's secret; a receiver that is down gets everything once it
// is back, across restarts of the processes that deliver; what finally failed is sent again by `dialer results redeliver`; a campaign without `results` stores
// nothing for it.
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { openResultsQueue, type ContactRecord } from '@dialer/core';
import { runCli, spawnCli, waitUntil, type CliProcess } from '@dialer/test-utils';
import { startCluster, type Cluster } from './chaos-cluster.js';
import { startResultsReceiver, type ResultsReceiver } from './results-receiver.js';

const SECRET = 'results-secret-for-the-tests-0123';
const BUSY_THEN_HUMAN = '+12122004001';
const HUMAN = '+12122004002';
const SUPPRESSED = '+12122004003';

/** Contact id by phone number (the delivery ids name contacts by id). */
async function contactIds(c: Cluster, campaignId: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for await (const [id, record] of c.store.contacts(campaignId, 100)) ids.set((record as ContactRecord).p, id);
  return ids;
}

function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))) sum += Number(m[1]);
  return sum;
}

/** A metric summed over the processes that deliver results (the ingester, and `dialer results deliver` ones). */
async function deliveryMetric(c: Cluster, name: string, deliverers: CliProcess[] = []): Promise<number> {
  let sum = 0;
  for (const p of [c.ingester!, ...deliverers]) {
    const url = /"metrics":"([^"]+)"/.exec(p.stdout())?.[1];
    sum += metricValue(await (await fetch(`${url}/metrics`)).text(), name);
  }
  return sum;
}

async function queueIdle(c: Cluster): Promise<boolean> {
  const queue = openResultsQueue(c.redis, c.store.keys);
  try {
    const counts = await queue.getJobCounts('wait', 'delayed', 'active', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  } finally {
    await queue.close();
  }
}

describe('the results webhook', () => {
  let c: Cluster;
  let receiver: ResultsReceiver;

  beforeAll(async () => {
    receiver = await startResultsReceiver(SECRET);
    c = await startCluster({
      env: { DIAL_RATE_PER_SECOND: '50', LOST_AFTER_MS: '600000', RESULTS_RETRY_BASE_MS: '200' },
      sim: { outcomes: 'human=1' },
    });
    c.sim.state.setScript(`tel:${BUSY_THEN_HUMAN}`, ['busy', 'human']);
    await c.startIngester();
    await c.startWorker();
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await receiver?.close();
  });

  it('posts one signed delivery per contact and per attempt: busy → human gives 2 attempts and 1 contact', async () => {
    expect((await runCli(['suppress', 'add', SUPPRESSED], c.env)).code).toBe(0);
    const csv = `${c.dir}/signed.csv`;
    const settings = `${c.dir}/signed.json`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(csv, `phone,name\n${BUSY_THEN_HUMAN},Ada\n${HUMAN},Bob\n${SUPPRESSED},Cy\n`);
    writeFileSync(
      settings,
      JSON.stringify({
        caller: '+15550001111',
        window: { start: '00:00', end: '24:00' },
        redial: { maxAttempts: 3, rules: { busy: { delayMs: 200 } } },
        results: { url: receiver.url, secret: SECRET, attempts: true },
      }),
    );
    const produced = await runCli(['produce', csv, '--campaign', 'signed', '--settings', settings, '--json'], c.env);
    expect(JSON.parse(produced.stdout)).toMatchObject({ accepted: 2, suppressed: 1 });
    await c.waitTerminal('signed', 60_000);

    const ids = await contactIds(c, 'signed');
    const [ada, bob, cy] = [BUSY_THEN_HUMAN, HUMAN, SUPPRESSED].map((p) => ids.get(p)!);
    const expected = [
      `signed/${ada}/1/attempt`,
      `signed/${ada}/2/attempt`,
      `signed/${ada}/2/contact`,
      `signed/${bob}/1/attempt`,
      `signed/${bob}/1/contact`,
      `signed/${cy}/1/attempt`,
      `signed/${cy}/1/contact`,
    ].sort();
    await waitUntil(() => receiver.acknowledged().size >= expected.length, 30_000, 'every delivery', 100);
    await waitUntil(() => queueIdle(c), 10_000, 'the results queue idle', 100);
    const mine = receiver.requests.filter((r) => r.delivery.startsWith('signed/'));
    expect([...receiver.acknowledged().keys()].sort()).toEqual(expected);
    expect(mine).toHaveLength(expected.length);
    expect(mine.every((r) => r.signatureValid && /^\d{13}$/.test(r.timestamp))).toBe(true);

    // The bodies are the report rows, with kind and campaignId.
    const byId = new Map(mine.map((r) => [r.delivery, r.body]));
    const report = await c.report('signed');
    for (const [phone, id, n] of [
      [BUSY_THEN_HUMAN, ada, 2],
      [HUMAN, bob, 1],
      [SUPPRESSED, cy, 1],
    ] as const) {
      expect(byId.get(`signed/${id}/${n}/contact`)).toEqual({
        kind: 'contact',
        campaignId: 'signed',
        ...report.find((r) => r.phone === phone),
      });
    }
    expect(byId.get(`signed/${ada}/1/attempt`)).toMatchObject({
      kind: 'attempt',
      campaignId: 'signed',
      phone: BUSY_THEN_HUMAN,
      attempt: 1,
      outcome: 'busy',
      sip_code: 486,
    });
    expect(byId.get(`signed/${ada}/2/attempt`)).toMatchObject({ attempt: 2, outcome: 'answered-human' });
    expect(byId.get(`signed/${cy}/1/contact`)).toMatchObject({ outcome: 'suppressed', attempts: 0 });

    // The outbox is emptied as deliveries are queued; the secret is in no process's output.
    expect(await c.redis.llen(c.store.keys.campaignOutbox('signed'))).toBe(0);
    for (const p of c.started) expect(p.stdout() + p.stderr()).not.toContain(SECRET);
  }, 120_000);

  it('stores nothing for a campaign without results', async () => {
    await c.produce('plain', 3, {});
    await c.waitTerminal('plain', 60_000);
    expect(await c.redis.exists(c.store.keys.campaignOutbox('plain'))).toBe(0);
    expect(await c.redis.hget(c.store.keys.campaignMeta('plain'), 'results')).toBeNull();
    expect(await c.redis.sismember(c.store.keys.resultsCampaigns(), 'plain')).toBe(0);
    expect(receiver.requests.some((r) => r.delivery.startsWith('plain/'))).toBe(false);
  }, 120_000);

  it('delivers everything once the receiver is back after answering 503 and then not listening: none lost, none twice', async () => {
    const count = 20;
    // A second process delivers too (`dialer results deliver`): two movers and two deliverers send nothing twice.
    const deliverer = spawnCli(['results', 'deliver'], c.env);
    c.started.push(deliverer);
    await deliverer.waitForOutput(/results deliverer started/, 60_000);
    const both = [deliverer];
    receiver.answer(503);
    const downSince = Date.now();
    await c.produce('outage', count, { results: { url: receiver.url, secret: SECRET } });
    await c.waitTerminal('outage', 60_000);
    const ids = await contactIds(c, 'outage');
    const expected = [...ids.values()].map((id) => `outage/${id}/1/contact`).sort();
    const refused = () => new Set(receiver.requests.filter((r) => r.status === 503).map((r) => r.delivery));
    // Every delivery was refused at least once, then the receiver stops listening while tries go on.
    await waitUntil(() => expected.every((id) => refused().has(id)), 30_000, 'every delivery refused once', 100);
    await receiver.stopListening();
    const retried = await deliveryMetric(c, 'dialer_results_retried_total', both);
    await waitUntil(
      // Down (503, then not listening) for 10 s at least, as a receiver's deploy or restart would be.
      async () =>
        Date.now() - downSince >= 10_000 &&
        (await deliveryMetric(c, 'dialer_results_retried_total', both)) >= retried + count,
      40_000,
      'tries against a closed port, 10 s down',
      200,
    );
    receiver.answer(200);
    await receiver.listen();
    await waitUntil(
      () => expected.every((id) => receiver.acknowledged().has(id)),
      60_000,
      'every delivery acknowledged',
      200,
    );
    await waitUntil(() => queueIdle(c), 10_000, 'the results queue idle', 100);
    const acknowledged = [...receiver.acknowledged()].filter(([id]) => id.startsWith('outage/'));
    expect(acknowledged.map(([id]) => id).sort()).toEqual(expected);
    expect(acknowledged.every(([, times]) => times === 1)).toBe(true);
    expect(receiver.requests.filter((r) => r.delivery.startsWith('outage/')).every((r) => r.signatureValid)).toBe(true);
    expect(await deliveryMetric(c, 'dialer_results_failed_total', both)).toBe(0);
    expect(await deliveryMetric(c, 'dialer_results_delivered_total', both)).toBeGreaterThanOrEqual(count);
    expect(await deliverer.stop(5000)).toBe(0);
  }, 180_000);

  it("loses nothing across restarts: the outbox waits for a deliverer, a killed deliverer's deliveries come back", async () => {
    const count = 10;
    // Ingesters that deliver nothing (`--no-results`): the results wait in the campaign's outbox.
    c.ingester!.kill('SIGKILL');
    await c.ingester!.exited;
    const ingester = spawnCli(['ingester', '--no-results'], c.env);
    c.started.push(ingester);
    await ingester.waitForOutput(/ingester started/, 60_000);
    await c.produce('restart', count, { results: { url: receiver.url, secret: SECRET } });
    await c.waitTerminal('restart', 60_000);
    const outboxKey = c.store.keys.campaignOutbox('restart');
    expect(await c.redis.llen(outboxKey)).toBe(count);
    const expected = [...(await contactIds(c, 'restart')).values()].map((id) => `restart/${id}/1/contact`).sort();

    // A deliverer queues them and tries; killed (-9) while they are refused, then another one sends them all.
    receiver.answer(503);
    const first = spawnCli(['results', 'deliver'], c.env);
    c.started.push(first);
    const refused = () => new Set(receiver.requests.filter((r) => r.status === 503).map((r) => r.delivery));
    await waitUntil(() => expected.every((id) => refused().has(id)), 60_000, 'every delivery refused once', 100);
    expect(await c.redis.llen(outboxKey)).toBe(0);
    first.kill('SIGKILL');
    await first.exited;
    receiver.answer(200);
    const second = spawnCli(['results', 'deliver'], c.env);
    c.started.push(second);
    await waitUntil(
      () => expected.every((id) => receiver.acknowledged().has(id)),
      60_000,
      'every delivery acknowledged after the restart',
      200,
    );
    await waitUntil(() => queueIdle(c), 30_000, 'the results queue idle', 100);
    const acknowledged = [...receiver.acknowledged()].filter(([id]) => id.startsWith('restart/'));
    expect(acknowledged.map(([id]) => id).sort()).toEqual(expected);
    expect(acknowledged.every(([, times]) => times === 1)).toBe(true);
  }, 180_000);
});

describe('dialer results redeliver', () => {
  let c: Cluster;
  let receiver: ResultsReceiver;

  beforeAll(async () => {
    receiver = await startResultsReceiver(SECRET);
    c = await startCluster({
      // Tries for 1 s only: deliveries fail for good within seconds.
      env: { DIAL_RATE_PER_SECOND: '50', RESULTS_RETRY_BASE_MS: '100', RESULTS_RETRY_WINDOW_MS: '1000' },
      sim: { outcomes: 'human=1' },
    });
    await c.startIngester();
    await c.startWorker();
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await receiver?.close();
  });

  it('sends again, under the same delivery ids, what failed for good', async () => {
    const count = 5;
    receiver.answer(500);
    await c.produce('gave-up', count, { results: { url: receiver.url, secret: SECRET } });
    await c.waitTerminal('gave-up', 60_000);
    await waitUntil(
      async () => (await deliveryMetric(c, 'dialer_results_failed_total')) === count,
      30_000,
      'every delivery failed for good',
      200,
    );
    expect(receiver.acknowledged().size).toBe(0);
    const tries = receiver.requests.length;
    expect(tries).toBeGreaterThanOrEqual(count * 2);

    receiver.answer(200);
    const res = await runCli(['results', 'redeliver', 'gave-up', '--json'], c.env);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ campaign: 'gave-up', redelivered: count });
    const ids = await contactIds(c, 'gave-up');
    const expected = [...ids.values()].map((id) => `gave-up/${id}/1/contact`).sort();
    await waitUntil(() => receiver.acknowledged().size === count, 30_000, 'the redeliveries', 100);
    expect([...receiver.acknowledged().keys()].sort()).toEqual(expected);

    // Nothing failed is left: a second redeliver sends nothing.
    const again = await runCli(['results', 'redeliver', 'gave-up', '--json'], c.env);
    expect(JSON.parse(again.stdout)).toEqual({ campaign: 'gave-up', redelivered: 0 });
    const unknown = await runCli(['results', 'redeliver', 'no-such-campaign'], c.env);
    expect(unknown.code).not.toBe(0);
  }, 120_000);
});
