// Hostile webhooks: 10k notifications on the real ingester (HTTP on loopback, real Redis, the processor)
// of which 10 % are duplicates, 5 % out of order, 5 % forged or expired tokens, 5 % malformed or oversized
// bodies. Every contact must end exactly as its first terminal notification says; forged → 401,
// malformed → 400, oversized → 413, and none of them changes any state.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignStore,
  Limits,
  createLogger,
  createNotifyTokenSigner,
  type AttemptRef,
  type SavgNotification,
} from '@dialer/core';
import { notifyToken, testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { buildIngester, type Ingester } from '@dialer/ingester';
import {
  dialQueue,
  holdLiveSlot,
  listen,
  liveCount,
  notifications,
  request,
  seedCampaign,
  spell,
  type Seeded,
} from './helpers.js';

const TOTAL = 10_000;
const DUPLICATES = TOTAL * 0.1;
const LATE = TOTAL * 0.05;
const FORGED = TOTAL * 0.05;
const BAD = TOTAL * 0.05;
// Each contact gets an interim event and a terminal one: the rest of the 10k.
const CONTACTS = (TOTAL - DUPLICATES - LATE - FORGED - BAD) / 2;

type Kind = 'valid' | 'duplicate' | 'late' | 'forged' | 'malformed' | 'oversized';
interface Shot {
  kind: Kind;
  path: string;
  body: string;
}

let ctx: TestContext;
let ingester: Ingester;
let base: string;
let store: CampaignStore;
let limits: Limits;
let sign: (ref: AttemptRef) => string;

beforeAll(async () => {
  ctx = testContext();
  ingester = buildIngester({ config: ctx.config, logger: createLogger({ level: 'silent' }) });
  base = await listen(ingester.app);
  await ingester.start();
  store = new CampaignStore(ctx.redis, ctx.keys);
  limits = new Limits(ctx.redis, ctx.keys);
  const signer = createNotifyTokenSigner({
    secret: ctx.config.notify.tokenSecret as string,
    audience: ctx.config.deploymentId,
    ttlMs: ctx.config.notify.tokenTtlMs,
  });
  sign = (ref) => signer.sign(ref);
});

afterAll(async () => {
  await ingester.close();
  await ctx.close();
});

/** The terminal notification contact i gets first (busy re-dials; the others end the contact). */
function finalFor(i: number, sid: string): SavgNotification {
  switch (i % 4) {
    case 0:
      return notifications.answered(sid, 'amd_human_detected', 30 + (i % 7));
    case 1:
      return notifications.failed(sid, '486 Busy Here');
    case 2:
      return notifications.failed(sid, '487 Request Terminated');
    default:
      return notifications.answered(sid, 'amd_machine_detected', 9);
  }
}
const EXPECTED = [
  { o: 'answered-human', s: 't', sip: 200 },
  { o: 'busy', s: 'w', sip: 486 },
  { o: 'no-answer', s: 't', sip: 487 },
  { o: 'answered-machine', s: 't', sip: 200 },
] as const;

const ref = (s: Seeded): AttemptRef => ({ campaignId: s.campaignId, contactId: s.contactId, attempt: 1 });
const json = (n: SavgNotification, i: number) => JSON.stringify(i % 2 ? spell.old(n) : spell.new(n));
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;

async function forgedPath(s: Seeded, i: number): Promise<string> {
  const opts = {
    secret: ctx.config.notify.tokenSecret as string,
    audience: ctx.config.deploymentId,
    ttlMs: ctx.config.notify.tokenTtlMs,
  };
  switch (i % 4) {
    case 0:
      return `/notify/${notifyToken(ref(s), { ...opts, secret: 'an-attacker-guessed-secret-0123456789abcdef' })}`;
    case 1:
      return `/notify/${notifyToken(ref(s), opts, Date.now() - opts.ttlMs - 60_000)}`;
    case 2:
      return `/notify/${notifyToken(ref(s), { ...opts, audience: 'another-deployment' })}`;
    default: {
      const [h, p] = sign(ref(s)).split('.');
      return `/notify/${h}.${p}.${Buffer.from('forged-signature-bytes-000000000000').toString('base64url')}`;
    }
  }
}

const MALFORMED = [
  'not json at all',
  '[]',
  '{"status":"completed"}',
  '{"conversationId":7,"status":"completed"}',
  '{"conversationId":"x"}',
  '',
];

/** The hostile part: duplicates, late events, forged tokens, malformed and oversized bodies, shuffled. */
async function hostileShots(seeded: Seeded[], sids: string[]): Promise<Shot[]> {
  const shots: Shot[] = [];
  const index = () => Math.floor(Math.random() * seeded.length);
  for (let k = 0; k < DUPLICATES; k++) {
    const i = index();
    shots.push({ kind: 'duplicate', path: `/notify/${sign(ref(seeded[i]!))}`, body: json(finalFor(i, sids[i]!), k) });
  }
  for (let k = 0; k < LATE; k++) {
    const i = index();
    // A late interim event, or a terminal one that contradicts the first (a human after the busy…).
    const n = k % 2 ? notifications.interim(sids[i]!, 'amd_machine_detected') : finalFor(i + 1, sids[i]!);
    shots.push({ kind: 'late', path: `/notify/${sign(ref(seeded[i]!))}`, body: json(n, k) });
  }
  for (let k = 0; k < FORGED; k++) {
    const i = index();
    shots.push({
      kind: 'forged',
      path: await forgedPath(seeded[i]!, k),
      body: json(notifications.answered(sids[i]!, 'amd_human_detected'), k),
    });
  }
  for (let k = 0; k < BAD; k++) {
    const path = `/notify/${sign(ref(seeded[index()]!))}`;
    if (k % 2) shots.push({ kind: 'malformed', path, body: pick(MALFORMED) });
    else
      shots.push({
        kind: 'oversized',
        path,
        body: JSON.stringify({
          conversationId: 'x',
          status: 'completed',
          pad: 'x'.repeat(ctx.config.ingester.bodyLimit + 10),
        }),
      });
  }
  return shots.sort(() => Math.random() - 0.5);
}

/** Sends shots with `concurrency` requests in flight; returns each shot's status. */
async function fire(shots: Shot[], concurrency = 64): Promise<number[]> {
  const statuses = new Array<number>(shots.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < shots.length) {
        const k = next++;
        const shot = shots[k]!;
        statuses[k] = (
          await request(base, 'POST', shot.path, shot.body, { 'content-type': 'application/json' })
        ).statusCode;
      }
    }),
  );
  return statuses;
}

/** The worker's part for attempt 1: begin, a live-call slot (caps far above the test's size), the response. */
async function dial(s: Seeded): Promise<string> {
  const begun = await store.attempts.begin(
    { campaignId: s.campaignId, contactId: s.contactId, attempt: 1 },
    { deadline: Date.now() + ctx.config.lostAfterMs },
  );
  if (begun.kind !== 'begun') throw new Error(`begin answered ${begun.kind}`);
  await holdLiveSlot(limits, s);
  const sid = `sid-${s.contactId}`;
  await store.attempts.dialed(
    { campaignId: s.campaignId, contactId: s.contactId, attempt: 1 },
    { sid: sid, callId: `call-${sid}` },
  );
  return sid;
}

async function processed(): Promise<number> {
  const metric = await ingester.metrics.registry.getSingleMetric('dialer_ingester_processed_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

describe('hostile webhooks', () => {
  it('10k notifications with duplicates, late events, forged tokens and bad bodies: no state corruption', async () => {
    const seeded = await seedCampaign(
      ctx,
      { redial: { rules: { busy: { delayMs: 600_000 } }, maxAttempts: 3 } },
      CONTACTS,
    );
    const sids: string[] = [];
    for (let i = 0; i < seeded.length; i += 250) {
      sids.push(...(await Promise.all(seeded.slice(i, i + 250).map(dial))));
    }
    // In order per contact: the interim event, then the terminal one.
    const first: Shot[] = seeded.flatMap((s, i) => [
      {
        kind: 'valid' as const,
        path: `/notify/${sign(ref(s))}`,
        body: json(notifications.interim(sids[i]!, 'amd_human_detected'), i),
      },
      { kind: 'valid' as const, path: `/notify/${sign(ref(s))}`, body: json(finalFor(i, sids[i]!), i) },
    ]);
    const inOrder = await fire(first.filter((_, k) => k % 2 === 0));
    const finals = await fire(first.filter((_, k) => k % 2 === 1));
    expect([...inOrder, ...finals].every((st) => st === 202)).toBe(true);
    await waitUntil(async () => (await processed()) >= first.length, 60_000, 'valid notifications applied', 100);

    const shots = await hostileShots(seeded, sids);
    const statuses = await fire(shots);
    const expectedStatus: Record<Kind, number> = {
      valid: 202,
      duplicate: 202,
      late: 202,
      forged: 401,
      malformed: 400,
      oversized: 413,
    };
    const wrong = shots
      .map((s, k) => ({ kind: s.kind, status: statuses[k] }))
      .filter((r) => r.status !== expectedStatus[r.kind]);
    expect(wrong).toEqual([]);
    expect(first.length + shots.length).toBe(TOTAL);
    const accepted = first.length + shots.filter((s) => expectedStatus[s.kind] === 202).length;
    await waitUntil(async () => (await processed()) >= accepted, 60_000, 'every accepted notification applied', 100);

    // Every contact exactly as its first terminal notification says, with its own fields.
    const counts: Record<string, number> = {};
    for (let i = 0; i < seeded.length; i++) {
      const want = EXPECTED[i % 4]!;
      const rec = await store.getContact(seeded[i]!.campaignId, seeded[i]!.contactId);
      // A busy contact waits for its re-dial: attempt 1's result is in its history.
      const result = want.s === 'w' ? rec?.h?.[0] : rec;
      expect(rec).toMatchObject({ o: want.o, s: want.s, a: 1 });
      expect(result).toMatchObject({ sip: want.sip, cv: sids[i] });
      counts[want.o] = (counts[want.o] ?? 0) + 1;
    }
    const campaignId = seeded[0]!.campaignId;
    const busy = counts.busy ?? 0;
    const stats = await store.stats(campaignId);
    expect(stats).toMatchObject({ contacts: CONTACTS, terminal: CONTACTS - busy, dialouts: CONTACTS, redials: busy });
    expect(stats.outcomes).toEqual(Object.fromEntries(Object.entries(counts).filter(([o]) => o !== 'busy')));
    expect(await liveCount(ctx, campaignId)).toBe(0);
    const q = dialQueue(ctx, campaignId);
    try {
      expect(await q.getJobCountByTypes('delayed', 'waiting')).toBe(busy);
    } finally {
      await q.close();
    }
    const metrics = await ingester.metrics.registry.metrics();
    expect(metrics).toMatch(new RegExp(`dialer_ingester_notifications_total\\{result="unauthorized"\\} ${FORGED}\\b`));
    expect(metrics).toMatch(new RegExp(`dialer_ingester_notifications_total\\{result="too-large"\\} ${BAD / 2}\\b`));
  }, 180_000);
});
