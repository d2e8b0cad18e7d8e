// Calling windows in a contact's own time zone: weekdays, 24:00, DST gaps and overlaps, and time zones
// derived from numbers (Google's numbering data).
import { describe, it, expect } from '@jest/globals';
import {
  contactTimeZone,
  instantOfWallTime,
  isDialerError,
  isWindowOpen,
  loadConfig,
  nextWindowOpening,
  resolveCampaignSettings,
  timeZoneOfNumber,
  type CallingWindow,
} from '@dialer/core';

const at = (iso: string) => Date.parse(iso);
const ALL: CallingWindow['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const win = (start: string, end: string, days = ALL): CallingWindow => ({ start, end, days });
const NY = 'America/New_York';

describe('wall time → instant', () => {
  it('maps ordinary, skipped (spring forward) and repeated (fall back) wall times', () => {
    expect(instantOfWallTime(NY, at('2026-07-01T09:00:00Z'))).toBe(at('2026-07-01T13:00:00Z'));
    // 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 does not exist, the first instant at or after it is 03:00 EDT.
    expect(instantOfWallTime(NY, at('2026-03-08T02:30:00Z'))).toBe(at('2026-03-08T07:00:00Z'));
    // 2026-11-01 01:30 happens twice (EDT, then EST): the first one.
    expect(instantOfWallTime(NY, at('2026-11-01T01:30:00Z'))).toBe(at('2026-11-01T05:30:00Z'));
    // Lord Howe shifts by 30 minutes; Europe/London at 01:00 UTC.
    expect(instantOfWallTime('Australia/Lord_Howe', at('2026-10-04T02:15:00Z'))).toBe(at('2026-10-03T15:30:00Z'));
    expect(instantOfWallTime('Europe/London', at('2026-03-29T01:30:00Z'))).toBe(at('2026-03-29T01:00:00Z'));
  });
});

describe('isWindowOpen / nextWindowOpening', () => {
  it('is open in [start, end) of the local day; 24:00 closes at local midnight', () => {
    const w = win('09:00', '20:00');
    expect(isWindowOpen(w, NY, at('2026-07-01T12:59:59Z'))).toBe(false);
    expect(isWindowOpen(w, NY, at('2026-07-01T13:00:00Z'))).toBe(true);
    expect(isWindowOpen(w, NY, at('2026-07-01T23:59:59Z'))).toBe(true);
    expect(isWindowOpen(w, NY, at('2026-07-02T00:00:00Z'))).toBe(false);
    const late = win('18:00', '24:00', ['wed']);
    expect(isWindowOpen(late, 'Asia/Tokyo', at('2026-07-01T14:59:59Z'))).toBe(true); // Wed 23:59:59 JST
    expect(isWindowOpen(late, 'Asia/Tokyo', at('2026-07-01T15:00:00Z'))).toBe(false); // Thu 00:00 JST
    expect(nextWindowOpening(late, 'Asia/Tokyo', at('2026-07-01T15:00:00Z'))).toBe(at('2026-07-08T09:00:00Z'));
  });

  it('returns now when open, else the next opening on an allowed weekday of the local calendar', () => {
    const weekdays = win('09:00', '17:00', ['mon', 'tue', 'wed', 'thu', 'fri']);
    const open = at('2026-12-04T10:00:00Z'); // Fri 11:00 in Paris
    expect(nextWindowOpening(weekdays, 'Europe/Paris', open)).toBe(open);
    // Fri 17:00 Paris → Mon 09:00 Paris.
    expect(nextWindowOpening(weekdays, 'Europe/Paris', at('2026-12-04T16:00:00Z'))).toBe(at('2026-12-07T08:00:00Z'));
    // Sat 01:00 UTC is still Fri 20:00 in New York (closed) → Mon 09:00 New York.
    expect(nextWindowOpening(weekdays, NY, at('2026-12-05T01:00:00Z'))).toBe(at('2026-12-07T14:00:00Z'));
    // Mon 06:00 UTC is already Mon 19:00 in Auckland (closed) → Tue 09:00 Auckland.
    expect(nextWindowOpening(weekdays, 'Pacific/Auckland', at('2026-12-07T06:00:00Z'))).toBe(
      at('2026-12-07T20:00:00Z'),
    );
  });

  it('handles a window opening in the spring-forward gap and one lying entirely in it', () => {
    const w = win('02:30', '05:00');
    // Sunday 2026-03-08, 00:00 EST: opens at 03:00 EDT, the first wall time after 02:30 that exists.
    expect(nextWindowOpening(w, NY, at('2026-03-08T05:00:00Z'))).toBe(at('2026-03-08T07:00:00Z'));
    expect(isWindowOpen(w, NY, at('2026-03-08T06:59:59Z'))).toBe(false);
    // The next day: 02:30 EDT.
    expect(nextWindowOpening(w, NY, at('2026-03-08T09:00:00Z'))).toBe(at('2026-03-09T06:30:00Z'));
    // 02:10–02:50 does not exist on 2026-03-08: no opening that day.
    expect(nextWindowOpening(win('02:10', '02:50'), NY, at('2026-03-08T05:00:00Z'))).toBe(at('2026-03-09T06:10:00Z'));
  });

  it('handles a window opening in the fall-back overlap (the first 01:30) and one closing in it', () => {
    expect(nextWindowOpening(win('01:30', '03:00'), NY, at('2026-11-01T04:00:00Z'))).toBe(at('2026-11-01T05:30:00Z'));
    // Closing at 01:45: open during the first 01:30–01:45 (EDT) and again during the second one (EST).
    const w = win('01:30', '01:45');
    expect(isWindowOpen(w, NY, at('2026-11-01T05:40:00Z'))).toBe(true);
    expect(isWindowOpen(w, NY, at('2026-11-01T06:00:00Z'))).toBe(false); // 01:00 EST
    expect(nextWindowOpening(w, NY, at('2026-11-01T06:00:00Z'))).toBe(at('2026-11-01T06:30:00Z'));
  });

  it('keeps local hours across DST: 09:00 local is 13:00 UTC in summer, 14:00 UTC in winter', () => {
    const w = win('09:00', '20:00');
    expect(nextWindowOpening(w, NY, at('2026-10-31T05:00:00Z'))).toBe(at('2026-10-31T13:00:00Z'));
    expect(nextWindowOpening(w, NY, at('2026-11-01T05:00:00Z'))).toBe(at('2026-11-01T14:00:00Z'));
    expect(nextWindowOpening(w, 'Europe/Berlin', at('2026-03-28T20:00:00Z'))).toBe(at('2026-03-29T07:00:00Z'));
    expect(nextWindowOpening(w, 'Australia/Sydney', at('2026-04-04T12:00:00Z'))).toBe(at('2026-04-04T23:00:00Z'));
  });
});

describe('time zone of a number', () => {
  it('uses area codes in North America and countries elsewhere', () => {
    expect(timeZoneOfNumber('+12125550100')).toBe(NY);
    expect(timeZoneOfNumber('+13125550100')).toBe('America/Chicago');
    expect(timeZoneOfNumber('+13035550100')).toBe('America/Denver');
    expect(timeZoneOfNumber('+16025550100')).toBe('America/Phoenix');
    expect(timeZoneOfNumber('+12135550100')).toBe('America/Los_Angeles');
    expect(timeZoneOfNumber('+18085550100')).toBe('Pacific/Honolulu');
    expect(timeZoneOfNumber('+33142685300')).toBe('Europe/Paris');
    expect(timeZoneOfNumber('+81312345678')).toBe('Asia/Tokyo');
  });

  it('accepts several zones that keep one clock, refuses zones with different clocks', () => {
    // The UK prefix maps to London, Jersey, Guernsey and the Isle of Man: one clock.
    expect(['Europe/London', 'Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/Jersey']).toContain(
      timeZoneOfNumber('+447700900123'),
    );
    // Alaska's 907 covers Anchorage and Adak (an hour apart); 709 Newfoundland and Puerto Rico in the data.
    expect(timeZoneOfNumber('+19075550100')).toBeUndefined();
    expect(timeZoneOfNumber('+17095550100')).toBeUndefined();
    expect(timeZoneOfNumber('sip:alice@example.com')).toBeUndefined();
  });

  it('prefers the CSV zone, then the number, then the campaign default', () => {
    expect(contactTimeZone({ p: '+12125550100', tz: 'Asia/Tokyo' }, 'UTC')).toBe('Asia/Tokyo');
    expect(contactTimeZone({ p: '+12125550100' }, 'UTC')).toBe(NY);
    expect(contactTimeZone({ p: '+19075550100' }, 'America/Anchorage')).toBe('America/Anchorage');
  });
});

describe('window settings', () => {
  it('refuses a window whose end is not after its start', () => {
    const config = loadConfig({ SAVG_CALLER: '+15550001111' });
    expect(() => resolveCampaignSettings({ window: { start: '22:00', end: '02:00' } }, config)).toThrow(/window: end/);
    try {
      resolveCampaignSettings({ window: { start: '09:00', end: '09:00' } }, config);
    } catch (err) {
      expect(isDialerError(err, 'DIALER_ERR_SETTINGS')).toBe(true);
    }
    expect(resolveCampaignSettings({ window: { start: '00:00', end: '24:00' } }, config).window).toMatchObject({
      start: '00:00',
      end: '24:00',
    });
  });
});
