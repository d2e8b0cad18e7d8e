// What the demo's processes share: generated credentials, the environment every child gets, the campaign
// settings file, and the bundled sample (contacts + the simulator's outcome scripts for them).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES, DialerError, type CampaignSettingsInput } from '@dialer/core';

/** The bundled sample: packages/cli/demo/ (found from dist/demo/ and from src/demo/ alike). */
export const SAMPLE_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));
export const SAMPLE_CONTACTS = join(SAMPLE_DIR, 'contacts.csv');
/** number → the simulator's outcome sequence for it (`busy,human`: busy on the first call, answered on the re-dial). */
export const SAMPLE_OUTCOMES = join(SAMPLE_DIR, 'outcomes.json');

export const DEMO_CAMPAIGN = 'demo';

export interface DemoOptions {
  contacts: string;
  outcomes?: string;
  rate: number;
  workers: number;
  redialDelayMs: number;
  lostAfterMs: number;
  keepRunning: boolean;
  /** Start a private redis-server even when REDIS_URL is set or one answers on localhost. */
  privateRedis: boolean;
  /** Delete the run's Redis keys at the end (default: keep them for `dialer report` / `dialer board`). */
  clean: boolean;
  timeoutMs: number;
  /** Country of numbers written without an international prefix. */
  defaultCountry?: string;
  dir?: string;
}

export interface DemoSecrets {
  prefix: string;
  clientId: string;
  clientSecret: string;
  notifyTokenSecret: string;
  boardUser: string;
  boardPassword: string;
  botId: string;
  caller: string;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

/** Fresh credentials per run, consistent between the simulator (which checks the JWT) and the workers. */
export function generateSecrets(now = new Date()): DemoSecrets {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return {
    prefix: `demo-${stamp}-${randomBytes(2).toString('hex')}`,
    clientId: `cs-demo-${randomBytes(4).toString('hex')}`,
    clientSecret: token(32),
    notifyTokenSecret: token(36),
    boardUser: 'demo',
    boardPassword: token(12),
    botId: 'st-demo-bot',
    caller: '+15550001111',
  };
}

/**
 * The environment of every child: the user's environment without any dialer setting (so a SAVG_BASE_URL
 * pointing at the real gateway can never leak into the demo), plus the demo's own settings.
 */
export function childEnv(base: NodeJS.ProcessEnv, redisUrl: string, s: DemoSecrets, o: DemoOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!CONFIG_VARIABLES.includes(key)) env[key] = value;
  return {
    ...env,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: s.prefix,
    LOG_LEVEL: 'info',
    SAVG_BOT_ID: s.botId,
    SAVG_CLIENT_ID: s.clientId,
    SAVG_CLIENT_SECRET: s.clientSecret,
    SAVG_CALLER: s.caller,
    NOTIFY_TOKEN_SECRET: s.notifyTokenSecret,
    INGESTER_HOST: '127.0.0.1',
    INGESTER_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    WORKER_METRICS_PORT: '0',
    INGESTER_METRICS_PORT: '0',
    BOARD_HOST: '127.0.0.1',
    BOARD_PORT: '0',
    BOARD_USER: s.boardUser,
    BOARD_PASSWORD: s.boardPassword,
    DIAL_RATE_PER_SECOND: String(o.rate),
    // The demo's simulator keeps the same quotas the dialer keeps (Kore.ai's are 600/60s and 18000/3600s per bot,
    // which would make a demo take minutes): the dialer stays under them, so the simulator never answers 429.
    SAVG_QUOTAS: `${Math.max(60, o.rate * 60)}/60s`,
    SIM_QUOTAS: `${Math.max(60, o.rate * 60)}/60s`,
    MAX_LIVE_CALLS: '200',
    REDIAL_DELAY_MS: String(o.redialDelayMs),
    LOST_AFTER_MS: String(o.lostAfterMs),
    WATCHDOG_INTERVAL_MS: '500',
    SHUTDOWN_TIMEOUT_MS: '5000',
    SIM_HOST: '127.0.0.1',
    SIM_PORT: '0',
    // Calls last 0.3–1.5 s (unless SIM_NOTIFY_DELAY_MS says otherwise): quick, yet some are always live.
    SIM_NOTIFY_DELAY_MS: base.SIM_NOTIFY_DELAY_MS ?? '300-1500',
  };
}

/** The campaign settings file: dial at any hour (a demo must not wait for the calling window), quick re-dials. */
export function writeSettings(runDir: string, o: DemoOptions): string {
  const settings: CampaignSettingsInput = {
    machineDetection: 'detect',
    metadata: { companyName: 'Demo Utilities Ltd' },
    ratePerSecond: o.rate,
    redial: {
      maxAttempts: 3,
      rules: { busy: { delayMs: o.redialDelayMs }, unavailable: { delayMs: o.redialDelayMs } },
    },
    window: { start: '00:00', end: '24:00', timezone: 'UTC' },
  };
  const file = join(runDir, 'settings.json');
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  return file;
}

/** The contacts file to import, checked before anything starts. */
export function resolveContacts(file: string): string {
  const path = resolve(file);
  if (!existsSync(path)) throw new DialerError('DIALER_ERR_CSV', `${file}: no such file (--contacts)`, { file });
  return path;
}

/**
 * The simulator's per-number scripts: the `--outcomes` file, else the bundled one when the bundled sample
 * is imported, else none (the simulator's weighted default mix decides).
 */
export function loadOutcomeScripts(o: DemoOptions): Record<string, string> | undefined {
  const file = o.outcomes ?? (resolve(o.contacts) === resolve(SAMPLE_CONTACTS) ? SAMPLE_OUTCOMES : undefined);
  if (!file) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('must be a JSON object of number → outcomes');
    return parsed as Record<string, string>;
  } catch (err) {
    throw new DialerError(
      'DIALER_ERR_CONFIG',
      `${file} (--outcomes): ${err instanceof Error ? err.message : String(err)}`,
      undefined,
      { cause: err },
    );
  }
}
