import { describe, it, expect } from '@jest/globals';
import {
  loadConfig,
  resolveCampaignSettings,
  decideRedial,
  normalizeNumber,
  contactIdFor,
  isDialerError,
  targetAs,
  targetFor,
} from '@dialer/core';

const config = loadConfig({ SAVG_CALLER: '+15550001111', REDIAL_DELAY_MS: '1000' });

function settingsError(input: unknown): string {
  try {
    resolveCampaignSettings(input, config);
  } catch (err) {
    if (isDialerError(err, 'DIALER_ERR_SETTINGS')) return err.message;
    throw err;
  }
  throw new Error('expected a settings error');
}

describe('campaign settings', () => {
  it('fills defaults from the environment', () => {
    const s = resolveCampaignSettings({}, config);
    expect(s.caller).toBe('+15550001111');
    expect(s.redial).toEqual({
      maxAttempts: 3,
      rules: { busy: { delayMs: 1000, maxAttempts: 3 }, unavailable: { delayMs: 1000, maxAttempts: 3 } },
    });
    expect(s.window).toEqual({
      start: '08:00',
      end: '21:00',
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    });
    // No default zone: a contact with none of its own is judged in window.timezone only when the campaign sets it.
    expect(s.window.timezone).toBeUndefined();
    expect(s.blackoutDates).toBeUndefined();
    expect(s.regionRules).toBeUndefined();
  });

  it('keeps blackout dates sorted and unique, region rules as given', () => {
    const s = resolveCampaignSettings(
      {
        blackoutDates: ['2026-12-25', '2026-01-01', '2026-12-25', '2026-07-04'],
        regionRules: { 'US-FL': { end: '20:00' }, 'AU-NSW': { start: '09:00', days: ['mon', 'tue'] } },
      },
      config,
    );
    expect(s.blackoutDates).toEqual(['2026-01-01', '2026-07-04', '2026-12-25']);
    expect(s.regionRules).toEqual({ 'US-FL': { end: '20:00' }, 'AU-NSW': { start: '09:00', days: ['mon', 'tue'] } });
  });

  it('names bad blackout dates and region rules', () => {
    expect(settingsError({ blackoutDates: ['2026-12-25', '2026-02-30'] })).toContain(
      'blackoutDates.1: must be a date YYYY-MM-DD',
    );
    expect(settingsError({ blackoutDates: ['12/25/2026'] })).toContain('blackoutDates.0');
    expect(settingsError({ regionRules: { 'us-fl': {} } })).toContain(
      'regionRules.us-fl: not an ISO 3166-2 region code',
    );
    expect(settingsError({ regionRules: { FL: {} } })).toContain('regionRules.FL: not an ISO 3166-2 region code');
    expect(settingsError({ regionRules: { 'US-FL': { start: '8am' } } })).toContain('regionRules.US-FL.start');
    expect(settingsError({ regionRules: { 'US-FL': { until: '20:00' } } })).toContain('regionRules.US-FL');
    expect(settingsError({ regionRules: { 'US-FL': { days: [] } } })).toContain('regionRules.US-FL.days');
    expect(settingsError({ regionRules: { 'US-FL': { start: '20:00', end: '09:00' } } })).toContain(
      'regionRules.US-FL: end (09:00) must be after start (20:00)',
    );
    // A rule that leaves no time inside the campaign window is a mistake: its contacts would never be called.
    expect(settingsError({ window: { end: '20:00' }, regionRules: { 'US-TX': { start: '20:00' } } })).toContain(
      'regionRules.US-TX: no calling time left inside window 08:00–20:00',
    );
    expect(settingsError({ window: { days: ['mon'] }, regionRules: { 'US-OK': { days: ['sun'] } } })).toContain(
      'regionRules.US-OK.days: no day in common with window.days',
    );
  });

  it('ringTimeoutMs within 1 s … 10 min; targetFormat e164 (left out, as before the setting) or digits', () => {
    expect(resolveCampaignSettings({ ringTimeoutMs: 1000 }, config).ringTimeoutMs).toBe(1000);
    expect(resolveCampaignSettings({ ringTimeoutMs: 600_000 }, config).ringTimeoutMs).toBe(600_000);
    expect(resolveCampaignSettings({}, config).ringTimeoutMs).toBeUndefined();
    expect(settingsError({ ringTimeoutMs: 999 })).toContain('ringTimeoutMs: must be at least 1000 ms (1 s)');
    expect(settingsError({ ringTimeoutMs: 600_001 })).toContain('ringTimeoutMs: must be at most 600000 ms (10 min)');
    expect(settingsError({ ringTimeoutMs: 1500.5 })).toContain('ringTimeoutMs');
    expect(resolveCampaignSettings({ targetFormat: 'digits' }, config).targetFormat).toBe('digits');
    // e164 is stored as nothing: a campaign created before the setting existed has the same settings.
    expect(JSON.stringify(resolveCampaignSettings({ targetFormat: 'e164' }, config))).toBe(
      JSON.stringify(resolveCampaignSettings({}, config)),
    );
    expect(settingsError({ targetFormat: 'plus' })).toContain('targetFormat');
  });

  it('names the bad key', () => {
    expect(settingsError({ machineDetection: 'maybe' })).toContain('machineDetection');
    expect(settingsError({ window: { start: '25:00' } })).toContain('window.start');
    expect(settingsError({ window: { timezone: 'Mars/Olympus' } })).toContain('window.timezone');
    expect(settingsError({ redial: { rules: { sleepy: {} } } })).toContain('redial.rules');
    expect(settingsError({ callr: '+1555' })).toContain('callr');
    expect(settingsError({ startAt: '2026-12-05T00:00:00Z', endAt: '2026-12-01T00:00:00Z' })).toContain('endAt');
    expect(() => resolveCampaignSettings({}, loadConfig({}))).toThrow(/caller/);
  });

  it('decides re-dials from the rules and the attempt number', () => {
    const policy = resolveCampaignSettings(
      { redial: { maxAttempts: 3, rules: { busy: { delayMs: 5 }, lost: { maxAttempts: 2 } } } },
      config,
    ).redial;
    expect(decideRedial('busy', 1, policy)).toEqual({ redial: true, delayMs: 5 });
    expect(decideRedial('busy', 3, policy)).toEqual({ redial: false, reason: 'max-attempts' });
    expect(decideRedial('lost', 1, policy)).toEqual({ redial: true, delayMs: 1000 });
    expect(decideRedial('lost', 2, policy)).toEqual({ redial: false, reason: 'max-attempts' });
    expect(decideRedial('unavailable', 1, policy)).toEqual({ redial: false, reason: 'no-rule' });
    expect(decideRedial('answered-human', 1, policy)).toEqual({ redial: false, reason: 'no-rule' });
  });
});

describe('phone numbers', () => {
  it('normalizes to E.164 with a default country', () => {
    expect(normalizeNumber('(202) 555-0143', 'US')).toEqual({
      ok: true,
      number: '+12025550143',
      target: 'tel:+12025550143',
      country: 'US',
    });
    expect(normalizeNumber('+44 20 7946 0958')).toMatchObject({ ok: true, number: '+442079460958' });
    expect(normalizeNumber('0044 20 7946 0958')).toMatchObject({ ok: true, number: '+442079460958' });
    expect(normalizeNumber('tel:+4930123456')).toMatchObject({ ok: true, number: '+4930123456' });
  });

  it('writes targets as E.164 or digits only, SIP URIs as they are', () => {
    expect(targetFor('+14155550100')).toBe('tel:+14155550100');
    expect(targetAs('+14155550100')).toBe('tel:+14155550100');
    expect(targetAs('+14155550100', 'e164')).toBe('tel:+14155550100');
    expect(targetAs('+14155550100', 'digits')).toBe('tel:14155550100');
    expect(targetAs('sip:alice@example.com', 'digits')).toBe('sip:alice@example.com');
  });

  it('accepts SIP URIs as they are and rejects junk', () => {
    expect(normalizeNumber('sip:alice@pbx.example.com')).toEqual({
      ok: true,
      number: 'sip:alice@pbx.example.com',
      target: 'sip:alice@pbx.example.com',
    });
    expect(normalizeNumber('sip:nobody')).toMatchObject({ ok: false });
    expect(normalizeNumber('')).toMatchObject({ ok: false, reason: 'empty phone number' });
    expect(normalizeNumber('12345', 'US')).toMatchObject({ ok: false });
    expect(normalizeNumber('hello', 'US')).toMatchObject({ ok: false });
    expect(normalizeNumber('2025550143')).toMatchObject({
      ok: false,
      reason: 'not in international format and no default country given',
    });
  });

  it('derives a stable, log-safe contact id', () => {
    const id = contactIdFor('+12025550143');
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(id).toBe(contactIdFor('+12025550143'));
    expect(id).not.toContain('2025550143');
  });
});
