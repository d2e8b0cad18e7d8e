// A real browser (Debian's chromium, headless, driven by playwright-core: no browser download) logs into the
// board, sees a campaign queue with its counts, and is refused without credentials.
// The init script below runs in the page: the browser's types.
/// <reference lib="dom" />
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CampaignQueues, CampaignStore, contactIdFor, newContactRecord, resolveCampaignSettings } from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';
import { BOARD_PASSWORD, BOARD_USER, startBoard, type BoardProcess } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CAMPAIGN = 'browser-campaign';

declare global {
  /** The page's side of `page.exposeFunction('__reportCspViolation', …)`. */
  interface Window {
    __reportCspViolation(violation: string): Promise<void>;
  }
}

let ctx: TestContext;
let queues: CampaignQueues;
let board: BoardProcess | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    // Never skip silently: the "done when" rests on this test.
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; .ci/run does it) or set CHROMIUM_PATH`,
    );
  }
  ctx = testContext();
  const store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
  await store.createCampaign(CAMPAIGN, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
  const numbers = ['+12127365101', '+12127365102', '+12127365103'];
  await store.addContacts(
    CAMPAIGN,
    numbers.map((p, i) => [contactIdFor(p), newContactRecord({ p, r: i + 2 })]),
  );
  for (const p of numbers) await queues.addAttempt(CAMPAIGN, contactIdFor(p), 1);
  board = await startBoard(ctx.env);
  // launch() runs the browser on a fresh temporary profile (--user-data-dir) of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
});
afterAll(async () => {
  await browser?.close();
  await board?.close();
  await queues?.close();
  await ctx?.close();
});

/**
 * Collects Content-Security-Policy violations from the page's console and its `securitypolicyviolation`
 * events (the page's own record survives navigations through the init script, re-run on every page).
 */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const seen: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) seen.push(msg.text());
  });
  await page.exposeFunction('__reportCspViolation', (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      void window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return async () => seen;
}

describe('board in a browser', () => {
  it('logs in with basic auth and shows the campaign queue with its counts', async () => {
    const context = await browser!.newContext({ httpCredentials: { username: BOARD_USER, password: BOARD_PASSWORD } });
    try {
      const page = await context.newPage();
      const violations = await watchCsp(page);
      const response = await page.goto(board!.url);
      expect(response?.status()).toBe(200);
      // The board sends its CSP, and the UI works under it (checked at the end: nothing was blocked).
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(response?.headers()['x-frame-options']).toBe('DENY');
      await expect(page.title()).resolves.toBe('Dialer campaigns');
      // The overview lists the campaign queue (and the internal notification queue).
      await page.getByText(CAMPAIGN).first().waitFor({ timeout: 15_000 });
      await page.getByText('internal.notifications').first().waitFor();
      // The queue page shows its three waiting dial jobs.
      await page.goto(`${board!.url}/queue/${CAMPAIGN}?status=waiting`);
      await page.getByText(`Campaign ${CAMPAIGN}: one dial job per attempt`).waitFor({ timeout: 15_000 });
      await page.getByText(`${contactIdFor('+12127365101')}-1`).waitFor({ timeout: 15_000 });
      const text = await page.locator('body').innerText();
      expect(text).toMatch(/WAITING\s*\n\s*3\b/i);
      // The notification queue's page (read-only: no actions offered) renders under the CSP too.
      await page.goto(`${board!.url}/queue/internal.notifications`);
      await page.getByText('Internal: notifications accepted by the ingester').waitFor({ timeout: 15_000 });
      expect(await violations()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('is refused without credentials', async () => {
    const context = await browser!.newContext();
    try {
      const page = await context.newPage();
      const statuses: number[] = [];
      page.on('response', (r) => statuses.push(r.status()));
      // Chromium answers a 401 it has no credentials for either with the 401 page or by aborting the
      // navigation (ERR_INVALID_AUTH_CREDENTIALS); either way the board's 401 is what it received.
      const outcome = await page.goto(board!.url).then(
        (r) => r?.status(),
        (e: Error) => e.message,
      );
      expect(statuses[0]).toBe(401);
      if (typeof outcome === 'number') expect(outcome).toBe(401);
      else expect(outcome).toContain('ERR_INVALID_AUTH_CREDENTIALS');
      // Nothing of the board (its page, scripts, API) was served.
      expect(statuses.every((s) => s === 401)).toBe(true);
    } finally {
      await context.close();
    }
  });
});
