// The board over HTTP (the real `dialer board` process): authentication, discovery of campaigns created
// while it runs, pause/resume meaning the same as the CLI, /healthz and /metrics. Real Redis, real ports.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignQueues,
  CampaignStore,
  NOTIFY_QUEUE,
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
} from '@dialer/core';
import { runCli, testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { AUTH_HEADER, BOARD_PASSWORD, BOARD_USER, startBoard, type BoardProcess } from './helpers.js';

const BOARD_PAUSE_REASON = 'paused in Bull Board';

let ctx: TestContext;
let store: CampaignStore;
let queues: CampaignQueues;
let board: BoardProcess;
let url: string;

beforeAll(async () => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
  board = await startBoard(ctx.env);
  url = board.url;
});
afterAll(async () => {
  await board?.close();
  await queues.close();
  await ctx.close();
});

async function createCampaign(id: string, count: number): Promise<void> {
  await store.createCampaign(id, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
  const numbers = Array.from({ length: count }, (_, i) => `+1212736${String(i).padStart(4, '0')}`);
  await store.addContacts(
    id,
    numbers.map((p, i) => [contactIdFor(p), newContactRecord({ p, r: i + 2 })]),
  );
  for (const p of numbers) await queues.addAttempt(id, contactIdFor(p), 1);
}

const api = (path: string, init: RequestInit = {}, auth = true) =>
  fetch(`${url}${path}`, {
    ...init,
    headers: { ...(auth ? { authorization: AUTH_HEADER } : {}), ...(init.headers ?? {}) },
  });

interface QueuesBody {
  queues: { name: string; counts: Record<string, number>; isPaused: boolean }[];
}

/** Waits until the board lists the campaign (it learns of new ones from the events channel). */
async function boardKnows(id: string): Promise<QueuesBody> {
  return waitUntil(
    async () => {
      const body = (await (await api('/api/queues')).json()) as QueuesBody;
      return body.queues.some((q) => q.name === id) ? body : undefined;
    },
    10_000,
    `the board to list ${id}`,
  );
}

describe('board access', () => {
  it('refuses to start without credentials, and open on a non-loopback host', async () => {
    const base = { ...ctx.env, BOARD_USER: '', BOARD_PASSWORD: '' };
    const none = await runCli(['board'], base);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/DIALER_ERR_CONFIG.*BOARD_USER and BOARD_PASSWORD are required/);
    const open = await runCli(['board'], { ...base, BOARD_OPEN: 'true', BOARD_HOST: '0.0.0.0' });
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/DIALER_ERR_BOARD_AUTH.*loopback/);
  });

  it('runs open on loopback when told to', async () => {
    const open = await startBoard({ ...ctx.env, BOARD_USER: '', BOARD_PASSWORD: '', BOARD_OPEN: 'true' });
    try {
      expect((await fetch(`${open.url}/api/queues`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('answers 401 with a login challenge without (or with wrong) credentials; /healthz is public', async () => {
    for (const path of ['/', '/api/queues', '/metrics']) {
      const res = await api(path, {}, false);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="dialer board"/);
    }
    const wrong = await fetch(`${url}/api/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`${BOARD_USER}:x${BOARD_PASSWORD}`).toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', redis: 'ready' });
    const ui = await api('/');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('Dialer campaigns');
  });
});

describe('board headers', () => {
  it('forbids framing and sets a Content-Security-Policy on every response, 401s and errors included', async () => {
    const page = await (await api('/')).text();
    const script = /<script defer src="(static\/js\/[^"]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const responses = [
      await api('/'),
      await api(`/${script}`),
      await api('/api/queues'),
      await api('/api/queues/no-such-queue/empty', { method: 'PUT' }),
      await api('/metrics'),
      await api('/', {}, false),
      await fetch(`${url}/healthz`),
    ];
    for (const res of responses) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect({ url: res.url, status: res.status, frame: res.headers.get('x-frame-options') }).toEqual({
        url: res.url,
        status: res.status,
        frame: 'DENY',
      });
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
      ])
        expect(csp).toContain(directive);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('board queues', () => {
  it('shows a campaign created while it runs, with its counts, and the notification queue', async () => {
    await createCampaign('board-new', 3);
    const body = await boardKnows('board-new');
    expect(body.queues.map((q) => q.name)).toContain('internal.notifications');
    expect(body.queues.find((q) => q.name === 'board-new')?.counts.waiting).toBe(3);
  });

  it("leaves the notify queue's event-stream length as the ingester set it (a board started later is a reader)", async () => {
    const meta = `${ctx.keys.notifyQueuePrefix()}:${NOTIFY_QUEUE}:meta`;
    await ctx.redis.hset(meta, 'opts.maxLenEvents', '1000');
    const late = await startBoard(ctx.env);
    try {
      const res = await fetch(`${late.url}/api/queues`, { headers: { authorization: AUTH_HEADER } });
      expect(res.status).toBe(200);
      expect(await ctx.redis.hget(meta, 'opts.maxLenEvents')).toBe('1000');
    } finally {
      await late.close();
    }
  });

  it('pausing and resuming in the board pause and resume the campaign', async () => {
    await createCampaign('board-pause', 1);
    await boardKnows('board-pause');
    expect((await api('/api/queues/board-pause/pause', { method: 'PUT' })).status).toBe(200);
    expect(await store.getCampaign('board-pause')).toMatchObject({ state: 'paused', pauseReason: BOARD_PAUSE_REASON });
    expect(await queues.get('board-pause').isPaused()).toBe(true);
    // An automatic pause (what a worker does on a SAVG 401) is resumed from the board too.
    await store.setState('board-pause', 'paused', { reason: 'SAVG answered 401' });
    expect((await api('/api/queues/board-pause/resume', { method: 'PUT' })).status).toBe(200);
    expect(await store.getCampaign('board-pause')).toMatchObject({ state: 'running', pauseReason: undefined });
    expect(await queues.get('board-pause').isPaused()).toBe(false);
  });

  it('refuses to empty or obliterate a campaign queue', async () => {
    await createCampaign('board-keep', 2);
    await boardKnows('board-keep');
    const res = await api('/api/queues/board-keep/empty', { method: 'PUT' });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toContain('dialer campaign cancel board-keep');
    expect((await queues.get('board-keep').getJobCounts('waiting')).waiting).toBe(2);
  });

  it('exports queue depths, live calls and campaign counters on /metrics', async () => {
    await createCampaign('board-metrics', 4);
    await boardKnows('board-metrics');
    // Scrapes within a second share one snapshot (an earlier test's may still be fresh): wait for one that has it.
    const text = await waitUntil(
      async () => {
        const res = await api('/metrics');
        expect(res.status).toBe(200);
        const body = await res.text();
        return body.includes('campaign="board-metrics"') ? body : undefined;
      },
      10_000,
      'a metrics snapshot with the new campaign',
    );
    expect(text).toContain('dialer_queue_jobs{queue="board-metrics",state="waiting"} 4');
    expect(text).toContain('dialer_queue_jobs{queue="internal.notifications",state="waiting"} 0');
    expect(text).toContain('dialer_campaign_contacts{campaign="board-metrics"} 4');
    expect(text).toContain('dialer_campaign_state{campaign="board-metrics",state="running"} 1');
    expect(text).toMatch(/^dialer_live_calls 0$/m);
  });
});
