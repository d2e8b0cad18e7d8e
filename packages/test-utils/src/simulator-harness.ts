/**
 * Starts the SAVG simulator on 127.0.0.1:0 for a test. Credentials default to {@link TEST_SECRETS}, so a
 * worker configured with `testEnv()` authenticates; notifications default to a short delay and logs to silent.
 */
import {
  createSimulator,
  type DialoutRecord,
  type NotificationRecord,
  type SimulatorOptions,
  type SimulatorState,
} from '@dialer/simulator';
import type { FastifyInstance } from 'fastify';
import { TEST_SECRETS } from './fixtures.js';

export interface SimulatorHarness {
  /** Origin to use as `SAVG_BASE_URL`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** `url` + the dial-out path for `botId` (default {@link TEST_SECRETS}.SAVG_BOT_ID). */
  dialoutUrl(botId?: string): string;
  clientId: string;
  clientSecret: string;
  app: FastifyInstance;
  state: SimulatorState;
  /** Closes the server: scheduled notifications are dropped, withheld replies released. */
  close(): Promise<void>;
  /** Every stored dial-out record, oldest first. */
  dialouts(): Promise<DialoutRecord[]>;
  /** Every stored notification record, oldest first. */
  notifications(): Promise<NotificationRecord[]>;
  /**
   * Resolves once `predicate(state)` holds, re-checking on every dial-out reply and finished notification
   * and at least every 20 ms; rejects after `timeoutMs`.
   */
  waitFor(predicate: (state: SimulatorState) => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
}

const TEST_DEFAULTS: Partial<SimulatorOptions> = {
  clientId: TEST_SECRETS.SAVG_CLIENT_ID,
  clientSecret: TEST_SECRETS.SAVG_CLIENT_SECRET,
  notifyDelayMs: { min: 5, max: 20 },
  logLevel: 'silent',
};

export async function startSimulator(options: Partial<SimulatorOptions> = {}): Promise<SimulatorHarness> {
  const merged = { ...TEST_DEFAULTS, ...withoutUndefined(options) } as SimulatorOptions;
  const { app, state } = createSimulator(merged);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator did not bind a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    dialoutUrl: (botId = TEST_SECRETS.SAVG_BOT_ID) => `${url}/api/1.1/public/bot/${botId}/smartassist/dialout`,
    clientId: merged.clientId,
    clientSecret: merged.clientSecret,
    app,
    state,
    close: () => app.close(),
    dialouts: async () => state.dialouts().items,
    notifications: async () => state.notifications().items,
    waitFor: (predicate, timeoutMs = 10_000) => waitForState(state, predicate, timeoutMs),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function waitForState(
  state: SimulatorState,
  predicate: (state: SimulatorState) => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let checking = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(deadline);
      offDialout();
      offNotification();
      if (error) reject(error);
      else resolve();
    };
    const check = async () => {
      if (settled || checking) return;
      checking = true;
      try {
        if (await predicate(state)) finish();
      } catch (error) {
        finish(error as Error);
      } finally {
        checking = false;
      }
    };
    const poll = setInterval(() => void check(), 20);
    const deadline = setTimeout(
      () => finish(new Error(`simulator condition not met within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const offDialout = state.onDialout(() => void check());
    const offNotification = state.onNotification(() => void check());
    void check();
  });
}
