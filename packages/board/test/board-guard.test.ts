// The board cannot drop or forge work: the real `dialer board` on real Redis with real BullMQ queues. Every
// action that could remove, add, edit or reschedule a dial job that has not finished is refused (403, the
// job and its contact untouched), the harmless ones still work, the notification and results queues are read-only, and
// "pause all" pauses the campaigns only.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Queue, Worker } from 'bullmq';
import {
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  DIAL_JOB_NAME,
  Limits,
  NOTIFY_QUEUE,
  attemptJobId,
  contactIdFor,
  newContactRecord,
  openResultsQueue,
  resolveCampaignSettings,
} from '@dialer/core';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { AUTH_HEADER, startBoard, type BoardProcess } from './helpers.js';

const NOTIFY = 'internal.notifications';
const RESULTS = 'internal.results';
const HOUR = 3_600_000;

let ctx: TestContext;
let store: CampaignStore;
let queues: CampaignQueues;
let control: CampaignControl;
let notify: Queue;
let board: BoardProcess;
let numberSeq = 0;

/** A key prefix and a board on it (the board lists every campaign under its prefix). */
async function open(): Promise<void> {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
  control = new CampaignControl({ store, queues, limits: new Limits(ctx.redis, ctx.keys) });
  notify = new Queue(NOTIFY_QUEUE, { connection: ctx.redis, prefix: ctx.keys.notifyQueuePrefix() });
  board = await startBoard(ctx.env);
}
async function close(): Promise<void> {
  await board?.close();
  await notify?.close();
  await queues?.close();
  await ctx?.close();
}
beforeAll(open);
afterAll(close);

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${board.url}${path}`, {
    method,
    headers: { authorization: AUTH_HEADER, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A campaign whose contacts have the listed dial jobs; returns each job's id by its label. */
async function campaign(
  id: string,
  jobs: Record<string, 'completed' | 'failed' | 'waiting' | 'delayed' | 'prioritized'>,
): Promise<Record<string, string>> {
  await store.createCampaign(id, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
  const ids: Record<string, string> = {};
  for (const [label, state] of Object.entries(jobs)) {
    const phone = `+1212555${String(++numberSeq).padStart(4, '0')}`;
    const contactId = contactIdFor(phone);
    await store.addContacts(id, [[contactId, newContactRecord({ p: phone, r: numberSeq + 1 })]]);
    const jobId = attemptJobId(contactId, 1);
    ids[label] = jobId;
    if (state === 'waiting') await queues.addAttempt(id, contactId, 1);
    else if (state === 'delayed') await queues.addAttempt(id, contactId, 1, HOUR);
    else if (state === 'prioritized')
      await queues.get(id).add(DIAL_JOB_NAME, { c: contactId, n: 1 }, { jobId, priority: 5 });
    else await finish(id, contactId, jobId, state);
  }
  await waitUntil(
    async () =>
      ((await (await api('GET', '/api/queues')).json()) as { queues: { name: string }[] }).queues.some(
        (q) => q.name === id,
      ),
    10_000,
    `the board to list ${id}`,
  );
  return ids;
}

/** Takes the campaign's only waiting job as a worker would, and completes or fails it. */
async function finish(id: string, contactId: string, jobId: string, state: 'completed' | 'failed'): Promise<void> {
  // One attempt, so that a failure is final (dial jobs retry transport failures 50 times).
  await queues.get(id).add(DIAL_JOB_NAME, { c: contactId, n: 1 }, { jobId, attempts: 1 });
  const worker = new Worker(id, null, {
    connection: ctx.redis,
    prefix: ctx.keys.campaignQueuePrefix(id),
    autorun: false,
  });
  try {
    const token = `test-${jobId}`;
    const job = await worker.getNextJob(token, { block: false });
    expect(job?.id).toBe(jobId);
    if (state === 'completed') await job!.moveToCompleted('ok', token, false);
    else await job!.moveToFailed(new Error('test failure'), token, false);
  } finally {
    await worker.close();
  }
}

/** Everything the board must not change: each job's state and data, each contact, the queue's settings. */
async function snapshot(id: string) {
  const queue = queues.get(id);
  const jobs = await queue.getJobs(['completed', 'failed', 'wait', 'delayed', 'prioritized', 'active']);
  const contacts: unknown[] = [];
  for await (const entry of store.contacts(id)) contacts.push(entry);
  return {
    jobs: Object.fromEntries(
      await Promise.all(
        jobs.map(
          async (j) =>
            [
              j.id!,
              { state: await j.getState(), data: j.data as unknown, delay: j.delay, priority: j.priority },
            ] as const,
        ),
      ),
    ),
    contacts: contacts.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    paused: await queue.isPaused(),
    concurrency: await queue.getGlobalConcurrency(),
  };
}

async function expectRefused(res: Response, hint: string): Promise<void> {
  const body = JSON.stringify(await res.json());
  expect({ status: res.status, hint: body.includes(hint) }).toEqual({ status: 403, hint: true });
}

describe('campaign queues', () => {
  it('cleans completed and failed jobs, never waiting, delayed, paused, prioritized or active ones', async () => {
    const id = 'guard-clean';
    const jobs = await campaign(id, {
      done: 'completed',
      broken: 'failed',
      w1: 'waiting',
      w2: 'waiting',
      later: 'delayed',
      prio: 'prioritized',
    });
    const before = await snapshot(id);
    for (const status of ['wait', 'waiting', 'delayed', 'paused', 'prioritized', 'active', 'waiting-children']) {
      await expectRefused(await api('PUT', `/api/queues/${id}/clean/${status}`), `dialer campaign cancel ${id} --yes`);
    }
    expect(await snapshot(id)).toEqual(before);
    // Bull Board cleans only jobs that finished more than 5 s ago: ask until they have gone.
    for (const [status, jobId] of [
      ['completed', jobs.done],
      ['failed', jobs.broken],
    ] as const) {
      await waitUntil(
        async () => {
          expect((await api('PUT', `/api/queues/${id}/clean/${status}`)).status).toBe(200);
          return (await queues.get(id).getJobState(jobId as string)) === 'unknown';
        },
        20_000,
        `the ${status} job to be cleaned`,
        500,
      );
    }
    const after = await snapshot(id);
    expect(Object.keys(after.jobs).sort()).toEqual([jobs.w1, jobs.w2, jobs.later, jobs.prio].sort());
    expect(after.contacts).toEqual(before.contacts);
  });

  it('removes a completed job only; retries a failed one and promotes delayed ones', async () => {
    const id = 'guard-job';
    const jobs = await campaign(id, {
      done: 'completed',
      broken: 'failed',
      waiting: 'waiting',
      later: 'delayed',
      later2: 'delayed',
      prio: 'prioritized',
    });
    const before = await snapshot(id);
    for (const jobId of [jobs.waiting, jobs.later, jobs.prio, jobs.broken, 'no-such-job']) {
      await expectRefused(
        await api('PUT', `/api/queues/${id}/${jobId}/clean`),
        'only a completed dial job can be removed',
      );
    }
    expect(await snapshot(id)).toEqual(before);

    expect((await api('PUT', `/api/queues/${id}/${jobs.done}/clean`)).status).toBe(204);
    expect(await queues.get(id).getJobState(jobs.done as string)).toBe('unknown');
    expect((await api('PUT', `/api/queues/${id}/${jobs.broken}/retry`)).status).toBe(204);
    expect(await queues.get(id).getJobState(jobs.broken as string)).toBe('waiting');
    expect((await api('PUT', `/api/queues/${id}/${jobs.later}/promote`)).status).toBe(204);
    expect(await queues.get(id).getJobState(jobs.later as string)).toBe('waiting');
    expect((await api('PUT', `/api/queues/${id}/promote`)).status).toBe(200);
    expect(await queues.get(id).getJobState(jobs.later2 as string)).toBe('waiting');
    expect((await snapshot(id)).contacts).toEqual(before.contacts);
  });

  it('adds, edits and reschedules no job, and leaves the pace to the dialer', async () => {
    const id = 'guard-edit';
    const jobs = await campaign(id, { waiting: 'waiting', later: 'delayed' });
    const stranger = contactIdFor('+12125559999');
    const before = await snapshot(id);
    const refused: [string, string, unknown, string][] = [
      [
        'POST',
        `/api/queues/${id}/add`,
        { name: DIAL_JOB_NAME, data: { c: stranger, n: 1 }, options: { jobId: attemptJobId(stranger, 1) } },
        `dialer produce <file.csv> --campaign ${id}`,
      ],
      [
        'PATCH',
        `/api/queues/${id}/${jobs.waiting}/update-data`,
        { jobData: { c: stranger, n: 2 } },
        `dialer suppress add <number> --campaign ${id}`,
      ],
      [
        'PATCH',
        `/api/queues/${id}/${jobs.later}/delay`,
        { runAt: Date.now() + 10 * HOUR },
        `dialer campaign pause ${id}`,
      ],
      ['PATCH', `/api/queues/${id}/${jobs.waiting}/priority`, { priority: 1 }, `dialer campaign pause ${id}`],
      ['PUT', `/api/queues/${id}/concurrency`, { concurrency: 1 }, `dialer campaign pause ${id}`],
      ['PUT', `/api/queues/${id}/rate-limit`, { max: 1, duration: HOUR }, `dialer campaign pause ${id}`],
      ['PUT', `/api/queues/${id}/rate-limit/release`, undefined, `dialer campaign pause ${id}`],
      ['PUT', `/api/queues/${id}/empty`, undefined, `dialer campaign cancel ${id} --yes`],
      ['PUT', `/api/queues/${id}/obliterate`, { force: true }, `dialer campaign cancel ${id} --yes`],
      [
        'PUT',
        `/api/queues/${id}/${jobs.waiting}/remove-unprocessed-children`,
        undefined,
        `dialer campaign cancel ${id} --yes`,
      ],
      ['PUT', `/api/queues/${id}/job-schedulers/any/remove`, undefined, `dialer produce`],
      ['PATCH', `/api/queues/${id}/job-schedulers/any`, { every: 1000 }, `dialer produce`],
      ['PUT', `/api/queues/${id}/job-schedulers/any/run`, undefined, `dialer produce`],
    ];
    for (const [method, path, body, hint] of refused) await expectRefused(await api(method, path, body), hint);
    expect(await snapshot(id)).toEqual(before);
    expect(await queues.get(id).getJobState(attemptJobId(stranger, 1))).toBe('unknown');
  });

  it('refuses to pause a cancelled campaign (its late re-dials must still reach a worker)', async () => {
    const id = 'guard-cancelled';
    await campaign(id, { waiting: 'waiting' });
    await control.cancelCampaign(id);
    const res = await api('PUT', `/api/queues/${id}/pause`);
    expect(res.status).toBe(409);
    expect(JSON.stringify(await res.json())).toContain('cancelled');
    expect(await queues.get(id).isPaused()).toBe(false);
  });
});

describe('the notification queue', () => {
  it('is read-only: every action on it is refused, whatever the client sends', async () => {
    const job = await notify.add('notification', { items: [] }, { jobId: 'guard-notify-1' });
    const before = { count: await notify.count(), data: (await notify.getJob('guard-notify-1'))?.data as unknown };
    const listed = (
      (await (await api('GET', '/api/queues')).json()) as { queues: { name: string; readOnlyMode: boolean }[] }
    ).queues;
    expect(listed.find((q) => q.name === NOTIFY)?.readOnlyMode).toBe(true);
    const q = `/api/queues/${NOTIFY}`;
    const requests: [string, string, unknown?][] = [
      [
        'POST',
        `${q}/add`,
        { name: 'notification', data: { items: [{ c: 'x', k: 'y', n: 1, b: {}, r: 0 }] }, options: {} },
      ],
      ['PATCH', `${q}/${job.id}/update-data`, { jobData: { items: [{ c: 'x', k: 'y', n: 1, b: {}, r: 0 }] } }],
      ['PUT', `${q}/${job.id}/clean`],
      ['PUT', `${q}/${job.id}/retry`],
      ['PUT', `${q}/${job.id}/promote`],
      ['PATCH', `${q}/${job.id}/delay`, { runAt: Date.now() + HOUR }],
      ['PATCH', `${q}/${job.id}/priority`, { priority: 1 }],
      ['PUT', `${q}/clean/wait`],
      ['PUT', `${q}/clean/completed`],
      ['PUT', `${q}/retry/failed`],
      ['PUT', `${q}/promote`],
      ['PUT', `${q}/empty`],
      ['PUT', `${q}/obliterate`, { force: true }],
      ['PUT', `${q}/pause`],
      ['PUT', `${q}/resume`],
      ['PUT', `${q}/concurrency`, { concurrency: 1 }],
      ['PUT', `${q}/rate-limit`, { max: 1, duration: HOUR }],
    ];
    for (const [method, path, body] of requests)
      await expectRefused(await api(method, path, body), `${NOTIFY} is read-only`);
    expect({ count: await notify.count(), data: (await notify.getJob('guard-notify-1'))?.data as unknown }).toEqual(
      before,
    );
    expect(await notify.isPaused()).toBe(false);
    expect(await notify.getGlobalConcurrency()).toBeNull();
  });
});

describe('the results queue', () => {
  it('is read-only too: a delivery cannot be removed, retried or forged in the board (`dialer results redeliver` can)', async () => {
    const results = openResultsQueue(ctx.redis, ctx.keys);
    try {
      const job = await results.add(
        'contact',
        { deliveryId: 'c/x/1/contact', campaignId: 'c' },
        { jobId: 'c/x/1/contact' },
      );
      const listed = (
        (await (await api('GET', '/api/queues')).json()) as { queues: { name: string; readOnlyMode: boolean }[] }
      ).queues;
      expect(listed.find((q) => q.name === RESULTS)?.readOnlyMode).toBe(true);
      const q = `/api/queues/${RESULTS}`;
      const requests: [string, string, unknown?][] = [
        ['POST', `${q}/add`, { name: 'contact', data: {}, options: {} }],
        ['PATCH', `${q}/${encodeURIComponent(job.id!)}/update-data`, { jobData: {} }],
        ['PUT', `${q}/${encodeURIComponent(job.id!)}/clean`],
        ['PUT', `${q}/retry/failed`],
        ['PUT', `${q}/clean/failed`],
        ['PUT', `${q}/empty`],
        ['PUT', `${q}/obliterate`, { force: true }],
        ['PUT', `${q}/pause`],
      ];
      for (const [method, path, body] of requests) {
        const res = await api(method, path, body);
        await expectRefused(res, `${RESULTS} is read-only`);
      }
      expect(await results.count()).toBe(1);
      expect(await results.isPaused()).toBe(false);
    } finally {
      await results.close();
    }
  });
});

describe('pause all and resume all', () => {
  // A prefix and board of its own: "pause all" pauses every campaign under the prefix, and must neither reach
  // the other tests' campaigns nor depend on running last.
  beforeAll(async () => {
    await close();
    await open();
  });

  it('pause every campaign, never the notification queue nor a cancelled campaign, and resume them', async () => {
    await campaign('guard-all', { waiting: 'waiting' });
    await campaign('guard-all-cancelled', { waiting: 'waiting' });
    await control.cancelCampaign('guard-all-cancelled');

    expect((await api('PUT', '/api/queues/pause')).status).toBe(200);
    expect(await store.getCampaign('guard-all')).toMatchObject({
      state: 'paused',
      pauseReason: 'paused in Bull Board',
    });
    expect(await queues.get('guard-all').isPaused()).toBe(true);
    expect(await notify.isPaused()).toBe(false);
    expect(await queues.get('guard-all-cancelled').isPaused()).toBe(false);
    expect(await store.getState('guard-all-cancelled')).toBe('cancelled');

    expect((await api('PUT', '/api/queues/resume')).status).toBe(200);
    expect(await store.getCampaign('guard-all')).toMatchObject({ state: 'running' });
    expect(await queues.get('guard-all').isPaused()).toBe(false);
    expect(await notify.isPaused()).toBe(false);
  });
});
