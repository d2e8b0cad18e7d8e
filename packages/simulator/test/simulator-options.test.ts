import { describe, it, expect } from '@jest/globals';
import { createSimulator, loadSimulatorOptions, DEFAULT_SIMULATOR_CONFIG, SimulatorState } from '../src/index.js';
import { RecordLog } from '../src/records.js';
import { createRng } from '../src/random.js';

const CREDS_ENV = { SAVG_CLIENT_ID: 'cid', SAVG_CLIENT_SECRET: 'secret' };

describe('loadSimulatorOptions', () => {
  it('keeps quotas off and statuses as documented by default', () => {
    expect(DEFAULT_SIMULATOR_CONFIG).toMatchObject({
      quotas: [],
      statusStyle: 'savg',
      interimStatus: null,
      ringTimeouts: false,
    });
  });

  it('applies defaults', () => {
    expect(loadSimulatorOptions(CREDS_ENV)).toEqual({
      clientId: 'cid',
      clientSecret: 'secret',
      host: '127.0.0.1',
      port: 4010,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const options = loadSimulatorOptions({
      ...CREDS_ENV,
      SIM_HOST: '0.0.0.0',
      SIM_PORT: '5000',
      SIM_OUTCOMES: 'human=50,machine=10,busy=15,unavailable=10,no-answer=10,failed-503=3,silent=2',
      SIM_NOTIFY_DELAY_MS: '100-2000',
      SIM_SPELLING: 'old',
      SIM_FAULTS: '429=0.05,5xx=0.2,hang=0.02,dup=0.01,early=0.1',
      SIM_HANG_MS: '30000',
      SIM_SLOW_MS: '5',
      SIM_RETRY_AFTER_S: '2',
      SIM_INTERIM_EVENTS: 'true',
      SIM_SCRIPTS: '{"+15550001111":"busy,human"}',
      SIM_RECORD_LIMIT: '1000',
      SIM_SEED: '42',
      SIM_BOT_ID: 'st-x',
      SIM_QUOTAS: '600/60s,18000/3600s',
      SIM_STATUS_STYLE: 'jambonz',
      SIM_INTERIM_STATUS: 'queued',
      SIM_RING_TIMEOUTS: 'yes',
      SIM_PICKUP_MS: '3000-15000',
      LOG_LEVEL: 'warn',
    });
    expect(options).toEqual({
      clientId: 'cid',
      clientSecret: 'secret',
      host: '0.0.0.0',
      port: 5000,
      botId: 'st-x',
      outcomes: { human: 50, machine: 10, busy: 15, unavailable: 10, 'no-answer': 10, 'failed-503': 3, silent: 2 },
      scripts: { 'tel:+15550001111': ['busy', 'human'] },
      notifyDelayMs: { min: 100, max: 2000 },
      slowMs: { min: 5, max: 5 },
      spelling: 'old',
      interimEvents: true,
      rate429: 0.05,
      rate5xx: 0.2,
      hangRate: 0.02,
      duplicateRate: 0.01,
      notifyBeforeReply: 0.1,
      hangMs: 30000,
      retryAfterSeconds: 2,
      recordLimit: 1000,
      seed: 42,
      quotas: [
        { limit: 600, windowMs: 60_000 },
        { limit: 18_000, windowMs: 3_600_000 },
      ],
      statusStyle: 'jambonz',
      interimStatus: 'queued',
      ringTimeouts: true,
      pickupMs: { min: 3000, max: 15000 },
      logLevel: 'warn',
    });
    expect(() => createSimulator(options)).not.toThrow();
    expect(loadSimulatorOptions({ ...CREDS_ENV, SIM_QUOTAS: 'off' }).quotas).toEqual([]);
    expect(loadSimulatorOptions({ ...CREDS_ENV, SIM_QUOTAS: '5/500ms, 100/1m,1000/1h' }).quotas).toEqual([
      { limit: 5, windowMs: 500 },
      { limit: 100, windowMs: 60_000 },
      { limit: 1000, windowMs: 3_600_000 },
    ]);
  });

  it('names each bad variable', () => {
    expect(() => loadSimulatorOptions({})).toThrow(/SAVG_CLIENT_ID: is required.*SAVG_CLIENT_SECRET: is required/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_OUTCOMES: 'humn=1' })).toThrow(
      /SIM_OUTCOMES: unknown outcome "humn"/,
    );
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_OUTCOMES: 'human=0' })).toThrow(/SIM_OUTCOMES/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_NOTIFY_DELAY_MS: '2000-100' })).toThrow(
      /SIM_NOTIFY_DELAY_MS/,
    );
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_FAULTS: '429=2' })).toThrow(
      /SIM_FAULTS: 429 must be a probability/,
    );
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_FAULTS: 'flood=0.1' })).toThrow(/SIM_FAULTS: unknown fault/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_SPELLING: 'both' })).toThrow(/SIM_SPELLING/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_PORT: '99999' })).toThrow(/SIM_PORT/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_SCRIPTS: '{"x":["nope"]}' })).toThrow(/SIM_SCRIPTS/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_SCRIPTS: '{' })).toThrow(/SIM_SCRIPTS: must be JSON/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_QUOTAS: '600 per minute' })).toThrow(/SIM_QUOTAS: "600 per/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_QUOTAS: '0/60s' })).toThrow(/SIM_QUOTAS/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_STATUS_STYLE: 'twilio' })).toThrow(/SIM_STATUS_STYLE/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_INTERIM_STATUS: 'a b' })).toThrow(/SIM_INTERIM_STATUS/);
    expect(() => loadSimulatorOptions({ ...CREDS_ENV, SIM_RING_TIMEOUTS: 'maybe' })).toThrow(/SIM_RING_TIMEOUTS/);
  });

  it('treats empty variables as unset', () => {
    expect(loadSimulatorOptions({ ...CREDS_ENV, SIM_PORT: '', SIM_FAULTS: ' ' }).port).toBe(4010);
  });
});

describe('createSimulator options', () => {
  it('names a bad option', () => {
    expect(() => createSimulator({ clientId: 'c', clientSecret: '' })).toThrow(/clientSecret/);
    expect(() => createSimulator({ clientId: 'c', clientSecret: 's', hangRate: -1 })).toThrow(/hangRate/);
    expect(() => createSimulator({ clientId: 'c', clientSecret: 's', outcomes: {} })).toThrow(/outcomes/);
    expect(() => createSimulator({ clientId: 'c', clientSecret: 's', quotas: '10/s' })).toThrow(/quotas/);
    expect(() => createSimulator({ clientId: 'c', clientSecret: 's', statusStyle: 'x' as 'savg' })).toThrow(
      /statusStyle/,
    );
  });
});

describe('SimulatorState outcomes', () => {
  it('follows weights roughly and a seeded run is replayable', () => {
    const pick = (seed: number) => {
      const state = new SimulatorState({ ...DEFAULT_SIMULATOR_CONFIG, outcomes: { human: 3, busy: 1 } }, 0);
      const rng = createRng(seed);
      return Array.from({ length: 4000 }, () => state.nextOutcome('tel:+1', rng));
    };
    const run = pick(7);
    expect(pick(7)).toEqual(run);
    const humans = run.filter((o) => o === 'human').length;
    expect(humans).toBeGreaterThan(2800);
    expect(humans).toBeLessThan(3200);
  });

  it('repeats the last scripted outcome and can drop a script', () => {
    const state = new SimulatorState({ ...DEFAULT_SIMULATOR_CONFIG, outcomes: { human: 1 } }, 0);
    state.setScript('+15550001111', ['busy', 'no-answer']);
    const rng = createRng(1);
    const next = () => state.nextOutcome('tel:+15550001111', rng);
    expect([next(), next(), next()]).toEqual(['busy', 'no-answer', 'no-answer']);
    state.setScript('tel:+15550001111', []);
    expect(next()).toBe('human');
    expect(() => state.setScript('tel:+1', ['nope' as never])).toThrow(/unknown outcome/);
  });
});

describe('RecordLog', () => {
  it('keeps the newest records in a ring and pages by seq', () => {
    const log = new RecordLog<{ seq: number }>(3);
    for (let i = 0; i < 5; i++) log.push({ seq: log.nextSeq() });
    expect(log.all().map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(log.since(3, 10).items.map((r) => r.seq)).toEqual([4, 5]);
    expect(log.since(0, 2)).toEqual({ items: [{ seq: 3 }, { seq: 4 }], next: 4, dropped: 2 });
    expect(log.since(5, 10)).toEqual({ items: [], next: 5, dropped: 2 });
    log.clear();
    expect(log.nextSeq()).toBe(1);
  });

  it('stores nothing with a zero limit but keeps numbering', () => {
    const log = new RecordLog<{ seq: number }>(0);
    log.push({ seq: log.nextSeq() });
    log.push({ seq: log.nextSeq() });
    expect(log.all()).toEqual([]);
    expect(log.lastSeq).toBe(2);
  });
});
